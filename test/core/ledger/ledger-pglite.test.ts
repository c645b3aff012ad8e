import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedger, type Ledger } from "../../../core/ledger/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";
import type { Database } from "../../../app/db/database.ts";
import { createPgliteDatabase } from "../../support/databases.ts";
import { ctx, CUR, escrow, newWallet, topUp } from "./ledger-helpers.ts";

let db: Database;
let ledger: Ledger;

beforeAll(async () => {
  db = await createPgliteDatabase();
  ledger = createLedger({ sql: db.sql, clock: new ManualClock() });
});
afterAll(async () => db?.close());

describe("ledger on PGlite (the embedded engine)", () => {
  it("posts, refuses an overdraft, reverses, holds, and checks out", async () => {
    const w = newWallet();
    await topUp(ledger, w, 100n);
    const pay = await ledger.post(ctx, {
      idempotencyKey: randomUUID(),
      kind: "order_payment",
      legs: [
        { account: w, amount: -80n },
        { account: escrow, amount: 80n },
      ],
    });
    expect(pay.ok).toBe(true);
    const over = await ledger.post(ctx, {
      idempotencyKey: randomUUID(),
      kind: "order_payment",
      legs: [
        { account: w, amount: -21n },
        { account: escrow, amount: 21n },
      ],
    });
    expect(over).toEqual({ ok: false, code: "insufficient_funds", account: w });
    const inTx = await db.sql.transaction(async (tx) =>
      ledger.post(
        ctx,
        {
          idempotencyKey: randomUUID(),
          kind: "order_payment",
          legs: [
            { account: w, amount: -21n },
            { account: escrow, amount: 21n },
          ],
        },
        { tx },
      ),
    );
    expect(inTx.ok).toBe(false);
    if (!pay.ok) return;
    expect(
      await ledger.reverse(ctx, { transactionId: pay.transactionId, idempotencyKey: "r1", reason: "refund" }),
    ).toMatchObject({
      ok: true,
    });
    const hold = await ledger.hold(ctx, { account: w, amount: 60n, idempotencyKey: randomUUID() });
    expect(hold.ok).toBe(true);
    expect(await ledger.balance(ctx, w)).toEqual({ balance: 100n, held: 60n, available: 40n });
    if (hold.ok)
      await ledger.captureHold(ctx, {
        holdId: hold.holdId,
        idempotencyKey: randomUUID(),
        legs: [{ account: escrow, amount: 60n }],
      });
    expect(await ledger.balance(ctx, w)).toEqual({ balance: 40n, held: 0n, available: 40n });
    expect((await ledger.check(ctx)).ok).toBe(true);
    expect((await ledger.reconcile(ctx, CUR)).ok).toBe(true);
  });
});
