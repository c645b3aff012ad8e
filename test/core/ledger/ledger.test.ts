import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLedger,
  parseAccountCode,
  supplierPayableCode,
  walletCode,
  type Ledger,
} from "../../../core/ledger/index.ts";
import { DomainError, ManualClock, sql } from "../../../core/shared/index.ts";
import type { Database } from "../../../app/db/database.ts";
import { ctx, CUR, custody, escrow, ledgerDatabases, newWallet, revenue, topUp } from "./ledger-helpers.ts";

const clock = new ManualClock();

describe.each(ledgerDatabases("ledger"))("ledger on $engine", ({ open }) => {
  let db: Database;
  let close: () => Promise<void>;
  let ledger: Ledger;

  beforeAll(async () => {
    ({ db, close } = await open());
    ledger = createLedger({ sql: db.sql, clock });
  });
  afterAll(() => close());

  describe("account codes", () => {
    it("derive kind, owner and sign rule from the code", () => {
      const user = randomUUID();
      expect(parseAccountCode(walletCode(user, "CNY"))).toMatchObject({
        kind: "WALLET",
        ownerId: user,
        allowNegative: false,
      });
      expect(parseAccountCode(escrow)).toMatchObject({ kind: "ESCROW", allowNegative: false });
      expect(parseAccountCode(custody)).toMatchObject({ kind: "CUSTODY", allowNegative: true });
      expect(parseAccountCode(supplierPayableCode(user, "USD"))).toMatchObject({
        kind: "SUPPLIER_PAYABLE",
        currency: "USD",
        allowNegative: true,
      });
      for (const bad of ["wallet:x:CNY", "system:nope:CNY", `wallet:${user}:EUR`, "foo:bar:CNY", "wallet:CNY"])
        expect(() => parseAccountCode(bad)).toThrow(DomainError);
    });

    it("accountFor creates once and checks the currency", async () => {
      const code = newWallet();
      const a = await ledger.accountFor(ctx, code, CUR);
      const b = await ledger.accountFor(ctx, code, CUR);
      expect(a.id).toBe(b.id);
      expect(a).toMatchObject({ kind: "WALLET", balance: 0n, held: 0n, currency: "CNY" });
      await expect(ledger.accountFor(ctx, code, "USD")).rejects.toMatchObject({ code: "currency_mismatch" });
    });
  });

  describe("post", () => {
    it("rejects malformed postings before touching the database", async () => {
      const w = newWallet();
      const bad = [
        [{ account: w, amount: 5n }],
        [
          { account: w, amount: 5n },
          { account: custody, amount: -4n },
        ],
        [
          { account: w, amount: 0n },
          { account: custody, amount: 0n },
        ],
        [
          { account: w, amount: 10n ** 15n },
          { account: custody, amount: -(10n ** 15n) },
        ],
        [
          { account: w, amount: 5 as unknown as bigint },
          { account: custody, amount: -5n },
        ],
        [
          { account: walletCode(randomUUID(), "USD"), amount: 5n },
          { account: custody, amount: -5n },
        ],
      ];
      for (const legs of bad)
        await expect(ledger.post(ctx, { idempotencyKey: randomUUID(), kind: "t", legs })).rejects.toMatchObject({
          type: "invalid_data",
        });
      expect(await ledger.balance(ctx, w)).toEqual({ balance: 0n, held: 0n, available: 0n });
    });

    it("moves money, replays the same key, refuses a changed request under it", async () => {
      const w = newWallet();
      const first = await topUp(ledger, w, 1000n, "k-replay");
      expect(first.replayed).toBe(false);
      const again = await topUp(ledger, w, 1000n, "k-replay");
      expect(again).toEqual({ ok: true, transactionId: first.transactionId, replayed: true });
      expect((await ledger.balance(ctx, w)).balance).toBe(1000n);
      await expect(topUp(ledger, w, 999n, "k-replay")).rejects.toMatchObject({ code: "idempotency_conflict" });
    });

    it("returns insufficient_funds and writes nothing", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const r = await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -101n },
          { account: escrow, amount: 101n },
        ],
      });
      expect(r).toEqual({ ok: false, code: "insufficient_funds", account: w });
      expect((await ledger.balance(ctx, w)).balance).toBe(100n);
    });

    it("a replay is answered even when the funds have since been spent", async () => {
      const w = newWallet();
      await topUp(ledger, w, 100n);
      const pay = {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -100n },
          { account: escrow, amount: 100n },
        ],
      };
      const first = await ledger.post(ctx, pay);
      const again = await ledger.post(ctx, pay);
      expect(again).toMatchObject({ ok: true, replayed: true });
      expect(first.ok && again.ok && again.transactionId === first.transactionId).toBe(true);
    });

    it("inside a caller's transaction, an insufficient posting leaves the transaction usable", async () => {
      const w = newWallet();
      await topUp(ledger, w, 10n);
      const out = await db.sql.transaction(async (tx) => {
        const a = await ledger.post(
          ctx,
          {
            idempotencyKey: randomUUID(),
            kind: "t",
            legs: [
              { account: w, amount: -50n },
              { account: escrow, amount: 50n },
            ],
          },
          { tx },
        );
        const b = await ledger.post(
          ctx,
          {
            idempotencyKey: randomUUID(),
            kind: "t",
            legs: [
              { account: w, amount: -5n },
              { account: escrow, amount: 5n },
            ],
          },
          { tx },
        );
        return [a.ok, b.ok];
      });
      expect(out).toEqual([false, true]);
      expect((await ledger.balance(ctx, w)).balance).toBe(5n);
    });

    it("inside a caller's transaction, an account believed to exist but gone is recreated, not an error", async () => {
      const fresh = createLedger({ sql: db.sql, clock });
      const [other, payable] = [supplierPayableCode(randomUUID(), CUR), supplierPayableCode(randomUUID(), CUR)];
      // Seen twice, so this ledger instance now caches both accounts as existing.
      for (let i = 0; i < 2; i++) {
        await fresh.accountFor(ctx, other, CUR);
        await fresh.accountFor(ctx, payable, CUR);
      }
      // As when the transaction that created it rolls back after another process saw it.
      await db.prisma.$executeRaw`DELETE FROM ledger_accounts WHERE code = ${payable}`;
      const r = await db.sql.transaction((tx) =>
        fresh.post(
          ctx,
          {
            idempotencyKey: randomUUID(),
            kind: "settle",
            legs: [
              { account: other, amount: -7n },
              { account: payable, amount: 7n },
            ],
          },
          { tx },
        ),
      );
      expect(r).toMatchObject({ ok: true });
      expect((await fresh.balance(ctx, payable)).balance).toBe(7n);
    });

    it("without a savepoint (callerRollsBackOnFailure) a short posting says so, and the caller's rollback undoes it", async () => {
      const w = newWallet();
      await topUp(ledger, w, 10n);
      const legs = [
        { account: w, amount: -50n },
        { account: escrow, amount: 50n },
      ];
      const key = randomUUID();
      await expect(
        db.sql.transaction(async (tx) => {
          const r = await ledger.post(
            ctx,
            { idempotencyKey: key, kind: "t", legs },
            { tx, callerRollsBackOnFailure: true },
          );
          expect(r).toMatchObject({ ok: false, code: "insufficient_funds", account: w });
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect((await ledger.balance(ctx, w)).balance).toBe(10n);
      expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: key } })).toBe(0);
    });

    it("deferred, in a caller's transaction: sent without waiting, answering ok at once; a short wallet fails the transaction by raising", async () => {
      const w = newWallet();
      await topUp(ledger, w, 10n);
      const posting = (amount: bigint) => ({
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -amount },
          { account: escrow, amount },
        ],
      });
      const deferred = { callerRollsBackOnFailure: true, deferred: true } as const;
      expect(await db.sql.transaction((tx) => ledger.post(ctx, posting(4n), { tx, ...deferred }))).toMatchObject({
        ok: true,
        replayed: false,
      });
      expect((await ledger.balance(ctx, w)).balance).toBe(6n);

      const short = posting(7n);
      const failure = await db.sql
        .transaction(async (tx) => {
          expect(await ledger.post(ctx, short, { tx, ...deferred })).toMatchObject({ ok: true });
          await tx.query(sql`SELECT 1`); // the posting's failure arrives with the next statement awaited
        })
        .catch((e: unknown) => e);
      expect(ledger.deferredFailure(failure)).toBe("insufficient_funds");
      expect((await ledger.balance(ctx, w)).balance).toBe(6n);
      expect(await db.prisma.ledgerTransaction.count({ where: { idempotencyKey: short.idempotencyKey } })).toBe(0);

      // `last`: sent with COMMIT, answered once committed; nothing may follow it.
      await db.sql.transaction(async (tx) => {
        expect(await ledger.post(ctx, posting(6n), { tx, ...deferred, last: true })).toMatchObject({ ok: true });
        expect(() => tx.send(sql`SELECT 1`)).toThrow(/after COMMIT/);
      });
      expect((await ledger.balance(ctx, w)).balance).toBe(0n);
    });

    it("settles an order across five accounts and keeps metadata", async () => {
      const w = newWallet();
      const supplier = supplierPayableCode(randomUUID(), CUR);
      await topUp(ledger, w, 500n);
      await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -500n },
          { account: escrow, amount: 500n },
        ],
      });
      const settle = await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "settlement",
        memo: "order 1",
        metadata: { orderId: "o1", cost: 420n },
        legs: [
          { account: escrow, amount: -500n },
          { account: revenue, amount: 80n },
          { account: supplier, amount: 420n },
          { account: custody, amount: 500n },
          { account: "system:platform_cash:CNY", amount: -500n },
        ],
      });
      expect(settle.ok).toBe(true);
      expect((await ledger.balance(ctx, supplier)).balance).toBe(420n);
      const check = await ledger.check(ctx);
      expect(check).toMatchObject({ ok: true, unbalanced: [], mismatched: [], heldMismatched: [] });
      expect((await ledger.reconcile(ctx, CUR)).ok).toBe(true);
    });
  });

  describe("reverse", () => {
    it("posts the negated legs once; a second reversal is a conflict, the same key replays", async () => {
      const w = newWallet();
      await topUp(ledger, w, 300n);
      const pay = await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -200n },
          { account: escrow, amount: 200n },
        ],
      });
      if (!pay.ok) throw new Error("pay failed");
      const r1 = await ledger.reverse(ctx, {
        transactionId: pay.transactionId,
        idempotencyKey: "rev-1",
        reason: "refund",
      });
      expect(r1).toMatchObject({ ok: true, replayed: false });
      expect((await ledger.balance(ctx, w)).balance).toBe(300n);
      const r2 = await ledger.reverse(ctx, {
        transactionId: pay.transactionId,
        idempotencyKey: "rev-1",
        reason: "refund",
      });
      expect(r2).toMatchObject({ ok: true, replayed: true });
      await expect(
        ledger.reverse(ctx, { transactionId: pay.transactionId, idempotencyKey: "rev-2", reason: "refund" }),
      ).rejects.toMatchObject({ code: "already_reversed" });
      await expect(
        ledger.reverse(ctx, { transactionId: randomUUID(), idempotencyKey: "rev-3", reason: "x" }),
      ).rejects.toMatchObject({ code: "transaction_not_found" });
      expect((await ledger.balance(ctx, w)).balance).toBe(300n);
    });

    it("cannot reverse a top-up whose money was spent", async () => {
      const w = newWallet();
      const t = await topUp(ledger, w, 50n);
      await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -30n },
          { account: escrow, amount: 30n },
        ],
      });
      const r = await ledger.reverse(ctx, {
        transactionId: t.transactionId,
        idempotencyKey: randomUUID(),
        reason: "chargeback",
      });
      expect(r).toEqual({ ok: false, code: "insufficient_funds", account: w });
    });
  });

  describe("append-only history", () => {
    it("refuses UPDATE and DELETE on entries and transactions", async () => {
      const w = newWallet();
      const t = await topUp(ledger, w, 7n);
      const p = db.prisma;
      await expect(
        p.$executeRaw`UPDATE ledger_entries SET amount = amount * 2 WHERE transaction_id = ${t.transactionId}::uuid`,
      ).rejects.toThrow(/append-only/);
      await expect(
        p.$executeRaw`DELETE FROM ledger_entries WHERE transaction_id = ${t.transactionId}::uuid`,
      ).rejects.toThrow(/append-only/);
      await expect(
        p.$executeRaw`UPDATE ledger_transactions SET memo = 'x' WHERE id = ${t.transactionId}::uuid`,
      ).rejects.toThrow(/append-only/);
      await expect(p.$executeRaw`DELETE FROM ledger_transactions WHERE id = ${t.transactionId}::uuid`).rejects.toThrow(
        /append-only/,
      );
      expect((await ledger.check(ctx)).ok).toBe(true);
    });
  });

  describe("check", () => {
    it("notices a cached balance that no longer matches its entries", async () => {
      const w = newWallet();
      await topUp(ledger, w, 10n);
      await db.prisma.$executeRaw`UPDATE ledger_accounts SET balance = balance + 1 WHERE code = ${w}`;
      const c = await ledger.check(ctx);
      expect(c.ok).toBe(false);
      expect(c.mismatched).toEqual([{ account: w, cached: 11n, rebuilt: 10n }]);
      expect((await ledger.reconcile(ctx, CUR)).ok).toBe(false);
      await db.prisma.$executeRaw`UPDATE ledger_accounts SET balance = balance - 1 WHERE code = ${w}`;
      expect((await ledger.check(ctx)).ok).toBe(true);
    });
  });

  describe("summed system accounts", () => {
    it("are written as entries only: the row keeps balance 0, balance() and accountFor() sum the entries", async () => {
      const before = (await ledger.balance(ctx, escrow)).balance;
      const w = newWallet();
      await topUp(ledger, w, 60n);
      await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "order_payment",
        legs: [
          { account: w, amount: -60n },
          { account: escrow, amount: 60n },
        ],
      });
      const [row] = await db.prisma.$queryRaw<{ balance: bigint; held: bigint; mode: string }[]>`SELECT balance,
        held, balance_mode AS mode FROM ledger_accounts WHERE code = ${escrow}`;
      expect(row).toEqual({ balance: 0n, held: 0n, mode: "SUMMED" });
      expect(await ledger.balance(ctx, escrow)).toEqual({ balance: before + 60n, held: 0n, available: before + 60n });
      expect(await ledger.accountFor(ctx, escrow, CUR)).toMatchObject({
        kind: "ESCROW",
        balanceMode: "SUMMED",
        balance: before + 60n,
      });
      expect(await ledger.accountFor(ctx, w, CUR)).toMatchObject({ balanceMode: "CACHED", balance: 0n });
      const check = await ledger.check(ctx);
      expect(check.summed).toContainEqual({ account: escrow, balance: before + 60n });
      expect(check.ok).toBe(true);
    });

    it("cannot carry holds", async () => {
      await expect(
        ledger.hold(ctx, { account: escrow, amount: 1n, idempotencyKey: randomUUID() }),
      ).rejects.toMatchObject({ code: "hold_not_supported" });
    });

    it("the database keeps the mode pinned to the kind and a summed row uncached", async () => {
      const p = db.prisma;
      await ledger.accountFor(ctx, custody, CUR);
      await expect(p.$executeRaw`UPDATE ledger_accounts SET balance = 5 WHERE code = ${custody}`).rejects.toThrow(
        /ledger_accounts_summed_uncached/,
      );
      await expect(
        p.$executeRaw`UPDATE ledger_accounts SET balance_mode = 'CACHED' WHERE code = ${custody}`,
      ).rejects.toThrow(/ledger_accounts_balance_mode/);
      const w = newWallet();
      await ledger.accountFor(ctx, w, CUR);
      await expect(p.$executeRaw`UPDATE ledger_accounts SET balance_mode = 'SUMMED' WHERE code = ${w}`).rejects.toThrow(
        /ledger_accounts_balance_mode/,
      );
    });

    it("check() flags an order escrow driven below zero (no row guard stops a posting outside the order flows)", async () => {
      const owed = (await ledger.balance(ctx, escrow)).balance + 5n;
      const out = await ledger.post(ctx, {
        idempotencyKey: randomUUID(),
        kind: "bad_settlement",
        legs: [
          { account: escrow, amount: -owed },
          { account: custody, amount: owed },
        ],
      });
      expect(out.ok).toBe(true);
      const c = await ledger.check(ctx);
      expect(c.ok).toBe(false);
      expect(c.negative).toEqual([{ account: escrow, balance: -5n }]);
      expect(c.mismatched).toEqual([]);
      // Corrections are new entries: put the money back and the books are straight again.
      await ledger.reverse(ctx, {
        transactionId: out.ok ? out.transactionId : "",
        idempotencyKey: randomUUID(),
        reason: "fix",
      });
      expect(await ledger.check(ctx)).toMatchObject({ ok: true, negative: [] });
      expect((await ledger.reconcile(ctx, CUR)).ok).toBe(true);
    });
  });
});
