import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedger, type Ledger } from "../../../core/ledger/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";
import type { Database } from "../../../app/db/database.ts";
import { ctx, custody, escrow, ledgerDatabases, newWallet, revenue, topUp } from "./ledger-helpers.ts";

const clock = new ManualClock();

describe.each(ledgerDatabases("ledgerholds"))("ledger holds on $engine", ({ open }) => {
  let db: Database;
  let close: () => Promise<void>;
  let ledger: Ledger;

  beforeAll(async () => {
    ({ db, close } = await open());
    ledger = createLedger({ sql: db.sql, clock });
  });
  afterAll(() => close());

  async function holdOk(account: string, amount: bigint, expiresAt?: Date) {
    const r = await ledger.hold(ctx, { account, amount, idempotencyKey: randomUUID(), expiresAt });
    if (!r.ok) throw new Error("hold refused");
    return r.holdId;
  }

  describe("holds", () => {
    it("reserve available funds: a hold beyond available is refused, and held money cannot be spent", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      await holdOk(w, 60n);
      expect(await ledger.balance(ctx, w)).toEqual({ balance: 100n, held: 60n, available: 40n });
      expect(await ledger.hold(ctx, { account: w, amount: 41n, idempotencyKey: randomUUID() })).toEqual({
        ok: false,
        code: "insufficient_funds",
        account: w,
      });
      const spend = await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -41n },
          { account: escrow, amount: 41n },
        ],
      });
      expect(spend).toMatchObject({ ok: false, code: "insufficient_funds" });
      expect((await ledger.hold(ctx, { account: newWallet(), amount: 1n, idempotencyKey: randomUUID() })).ok).toBe(
        false,
      );
    });

    it("is idempotent on its key", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const input = { account: w, amount: 30n, idempotencyKey: randomUUID() };
      const a = await ledger.hold(ctx, input);
      const b = await ledger.hold(ctx, input);
      expect(b).toEqual({ ...a, replayed: true });
      await expect(ledger.hold(ctx, { ...input, amount: 31n })).rejects.toMatchObject({ code: "idempotency_conflict" });
      expect((await ledger.balance(ctx, w)).held).toBe(30n);
    });

    it("captures once: a second capture with the same key replays, with another key or after release conflicts", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const holdId = await holdOk(w, 70n);
      const legs = [
        { account: escrow, amount: 50n },
        { account: revenue, amount: 20n },
      ];
      const c1 = await ledger.captureHold(ctx, { holdId, idempotencyKey: "cap-1", legs });
      expect(c1.replayed).toBe(false);
      const [again, other] = await Promise.allSettled([
        ledger.captureHold(ctx, { holdId, idempotencyKey: "cap-1", legs }),
        ledger.captureHold(ctx, { holdId, idempotencyKey: "cap-2", legs }),
      ]);
      expect(again).toMatchObject({ status: "fulfilled", value: { transactionId: c1.transactionId, replayed: true } });
      expect(other).toMatchObject({ status: "rejected", reason: { code: "hold_not_active" } });
      await expect(ledger.releaseHold(ctx, { holdId })).rejects.toMatchObject({ code: "hold_not_active" });
      expect(await ledger.balance(ctx, w)).toEqual({ balance: 30n, held: 0n, available: 30n });
      expect((await ledger.check(ctx)).ok).toBe(true);
    });

    it("capture legs must be credits that sum to the hold", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const holdId = await holdOk(w, 10n);
      await expect(
        ledger.captureHold(ctx, { holdId, idempotencyKey: randomUUID(), legs: [{ account: escrow, amount: 9n }] }),
      ).rejects.toMatchObject({ code: "unbalanced_transaction" });
      await expect(
        ledger.captureHold(ctx, {
          holdId,
          idempotencyKey: randomUUID(),
          legs: [
            { account: escrow, amount: 11n },
            { account: custody, amount: -1n },
          ],
        }),
      ).rejects.toMatchObject({ code: "invalid_legs" });
      await expect(
        ledger.captureHold(ctx, {
          holdId: randomUUID(),
          idempotencyKey: randomUUID(),
          legs: [{ account: escrow, amount: 1n }],
        }),
      ).rejects.toMatchObject({ code: "hold_not_found" });
    });

    it("releases once and then cannot be captured", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const holdId = await holdOk(w, 40n);
      expect(await ledger.releaseHold(ctx, { holdId })).toEqual({ ok: true, replayed: false });
      expect(await ledger.releaseHold(ctx, { holdId })).toEqual({ ok: true, replayed: true });
      await expect(
        ledger.captureHold(ctx, { holdId, idempotencyKey: randomUUID(), legs: [{ account: escrow, amount: 40n }] }),
      ).rejects.toMatchObject({ code: "hold_not_active" });
      expect(await ledger.balance(ctx, w)).toEqual({ balance: 100n, held: 0n, available: 100n });
    });

    it("expireHolds releases holds past their expiry (by the injected clock) and only those", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const t0 = clock.now().getTime();
      const soon = await holdOk(w, 10n, new Date(t0 + 60_000));
      const later = await holdOk(w, 20n, new Date(t0 + 3_600_000));
      await holdOk(w, 30n);
      expect(await ledger.expireHolds(ctx)).toEqual({ expired: 0 });
      clock.advance(61_000);
      await expect(
        ledger.captureHold(ctx, {
          holdId: soon,
          idempotencyKey: randomUUID(),
          legs: [{ account: escrow, amount: 10n }],
        }),
      ).rejects.toMatchObject({ code: "hold_not_active" });
      expect(await ledger.expireHolds(ctx)).toEqual({ expired: 1 });
      expect(await ledger.expireHolds(ctx)).toEqual({ expired: 0 });
      expect(await ledger.balance(ctx, w)).toEqual({ balance: 100n, held: 50n, available: 50n });
      expect(await ledger.releaseHold(ctx, { holdId: soon })).toEqual({ ok: true, replayed: true });
      clock.advance(3_600_000);
      expect(await ledger.expireHolds(ctx)).toEqual({ expired: 1 });
      expect(await ledger.releaseHold(ctx, { holdId: later })).toMatchObject({ replayed: true });
      expect(await ledger.balance(ctx, w)).toEqual({ balance: 100n, held: 30n, available: 70n });
      expect((await ledger.check(ctx)).ok).toBe(true);
    });
  });
});
