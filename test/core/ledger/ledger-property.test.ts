import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedger, supplierPayableCode, systemCode, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import { DomainError, ManualClock } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { ctx, CUR, custody, escrow, revenue } from "./ledger-helpers.ts";

let tdb: TestDatabase;
let ledger: Ledger;
const clock = new ManualClock();
const users = Array.from({ length: 8 }, () => walletCode(randomUUID(), CUR));
const supplier = supplierPayableCode(randomUUID(), CUR);
const platformCash = systemCode("platform_cash", CUR);

beforeAll(async () => {
  tdb = await createTestDatabase("ledgerprop");
  ledger = createLedger({ sql: tdb.db.sql, clock });
});
afterAll(async () => tdb?.drop());

type Op =
  | { t: "topup"; user: number; amount: number }
  | { t: "buy"; user: number; amount: number; margin: number }
  | { t: "settle"; pick: number }
  | { t: "refund"; pick: number }
  | { t: "hold"; user: number; amount: number; ttl: number | null }
  | { t: "capture"; pick: number; split: boolean }
  | { t: "release"; pick: number }
  | { t: "expire"; advance: number }
  | { t: "reverse"; pick: number }
  | { t: "replay"; pick: number }
  | { t: "conflict"; pick: number }
  | { t: "rollback"; user: number; amount: number }
  | { t: "unbalanced"; user: number };

const user = fc.nat({ max: users.length - 1 });
const amount = fc.integer({ min: 1, max: 400 });
const pick = fc.nat({ max: 10_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("topup" as const), user, amount }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant("buy" as const), user, amount, margin: fc.nat({ max: 50 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("settle" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("refund" as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("hold" as const),
      user,
      amount,
      ttl: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("capture" as const), pick, split: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("release" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("expire" as const), advance: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("reverse" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("replay" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("conflict" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("rollback" as const), user, amount }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("unbalanced" as const), user }) },
);

interface Posted {
  input: Parameters<Ledger["post"]>[1];
  transactionId: string;
}

/** Runs the operations a few at a time against one ledger, tolerating only the outcomes the API promises. */
async function run(ops: Op[]) {
  const posted: Posted[] = [];
  const paid: { transactionId: string; amount: bigint; cost: bigint }[] = [];
  const holds: { holdId: string; amount: bigint }[] = [];
  const take = <T>(pool: T[], i: number): T | undefined =>
    pool.length ? pool.splice(i % pool.length, 1)[0] : undefined;
  const stats = { ok: 0, short: 0, expected: 0 };

  const post = async (input: Posted["input"]) => {
    const r = await ledger.post(ctx, input);
    if (r.ok) {
      stats.ok++;
      if (!r.replayed) posted.push({ input, transactionId: r.transactionId });
    } else {
      expect(r.code).toBe("insufficient_funds");
      stats.short++;
    }
    return r;
  };
  const expecting = async (codes: string[], fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      if (!(e instanceof DomainError) || !codes.includes(e.code)) throw e;
      stats.expected++;
    }
  };

  const step = async (op: Op): Promise<void> => {
    switch (op.t) {
      case "topup": {
        const a = BigInt(op.amount);
        await post({
          idempotencyKey: randomUUID(),
          kind: "topup",
          legs: [
            { account: custody, amount: -a },
            { account: users[op.user]!, amount: a },
          ],
        });
        return;
      }
      case "buy": {
        const a = BigInt(op.amount);
        const r = await post({
          idempotencyKey: randomUUID(),
          kind: "order_payment",
          legs: [
            { account: users[op.user]!, amount: -a },
            { account: escrow, amount: a },
          ],
        });
        if (r.ok)
          paid.push({ transactionId: r.transactionId, amount: a, cost: a - BigInt(Math.min(op.margin, op.amount)) });
        return;
      }
      case "settle": {
        const order = take(paid, op.pick);
        if (!order) return;
        const legs = [
          { account: escrow, amount: -order.amount },
          { account: custody, amount: order.amount },
          { account: platformCash, amount: -order.amount },
          ...(order.cost > 0n ? [{ account: supplier, amount: order.cost }] : []),
          ...(order.amount > order.cost ? [{ account: revenue, amount: order.amount - order.cost }] : []),
        ];
        await post({ idempotencyKey: `settle:${order.transactionId}`, kind: "settlement", legs });
        return;
      }
      case "refund": {
        const order = take(paid, op.pick);
        if (!order) return;
        // A random "reverse" may have got there first; then this refund is a conflict, never a second credit.
        await expecting(["already_reversed"], async () => {
          const r = await ledger.reverse(ctx, {
            transactionId: order.transactionId,
            idempotencyKey: `refund:${order.transactionId}`,
            reason: "refund",
          });
          if (!r.ok) stats.short++;
        });
        return;
      }
      case "hold": {
        const r = await ledger.hold(ctx, {
          account: users[op.user]!,
          amount: BigInt(op.amount),
          idempotencyKey: randomUUID(),
          expiresAt: op.ttl === null ? undefined : new Date(clock.now().getTime() + op.ttl * 1000),
        });
        if (r.ok) holds.push({ holdId: r.holdId, amount: BigInt(op.amount) });
        else stats.short++;
        return;
      }
      case "capture": {
        const h = take(holds, op.pick);
        if (!h) return;
        const legs =
          op.split && h.amount > 1n
            ? [
                { account: escrow, amount: h.amount - 1n },
                { account: escrow, amount: 1n },
              ]
            : [{ account: escrow, amount: h.amount }];
        await expecting(["hold_not_active"], async () => {
          const r = await ledger.captureHold(ctx, { holdId: h.holdId, idempotencyKey: `cap:${h.holdId}`, legs });
          paid.push({ transactionId: r.transactionId, amount: h.amount, cost: h.amount });
        });
        return;
      }
      case "release": {
        const h = take(holds, op.pick);
        if (h) await ledger.releaseHold(ctx, { holdId: h.holdId });
        return;
      }
      case "expire":
        clock.advance(op.advance * 1000);
        await ledger.expireHolds(ctx);
        return;
      case "reverse": {
        const p = posted[op.pick % Math.max(1, posted.length)];
        if (!p) return;
        // The summed escrow is kept non-negative by the order state machine, not by a row guard: an order
        // payment is reversed only while the order is still open (it leaves the pool, as a refund does),
        // never after its settlement or refund.
        if (p.input.kind === "order_payment") {
          const open = paid.findIndex((o) => o.transactionId === p.transactionId);
          if (open < 0) return;
          paid.splice(open, 1);
        }
        await expecting(["already_reversed"], async () => {
          const r = await ledger.reverse(ctx, {
            transactionId: p.transactionId,
            idempotencyKey: randomUUID(),
            reason: "fix",
          });
          if (!r.ok) stats.short++;
        });
        return;
      }
      case "replay": {
        const p = posted[op.pick % Math.max(1, posted.length)];
        if (!p) return;
        const r = await ledger.post(ctx, p.input);
        expect(r).toEqual({ ok: true, transactionId: p.transactionId, replayed: true });
        return;
      }
      case "conflict": {
        const p = posted[op.pick % Math.max(1, posted.length)];
        if (!p) return;
        const legs = p.input.legs.map((l) => ({ ...l, amount: l.amount * 2n }));
        await expect(ledger.post(ctx, { ...p.input, legs })).rejects.toMatchObject({ code: "idempotency_conflict" });
        return;
      }
      case "rollback": {
        // A flow that posts and then fails: nothing of it may remain.
        const a = BigInt(op.amount);
        await expect(
          tdb.db.sql.transaction(async (tx) => {
            await ledger.post(
              ctx,
              {
                idempotencyKey: randomUUID(),
                kind: "order_payment",
                legs: [
                  { account: users[op.user]!, amount: -a },
                  { account: escrow, amount: a },
                ],
              },
              { tx },
            );
            throw new Error("flow failed");
          }),
        ).rejects.toThrow("flow failed");
        return;
      }
      case "unbalanced":
        await expect(
          ledger.post(ctx, {
            idempotencyKey: randomUUID(),
            kind: "bad",
            legs: [
              { account: users[op.user]!, amount: 5n },
              { account: custody, amount: -4n },
            ],
          }),
        ).rejects.toMatchObject({ code: "unbalanced_transaction" });
        return;
    }
  };

  for (let i = 0; i < ops.length; i += 8) await Promise.all(ops.slice(i, i + 8).map(step));
  return stats;
}

async function assertInvariants() {
  const check = await ledger.check(ctx);
  expect(check).toMatchObject({ ok: true, unbalanced: [], mismatched: [], heldMismatched: [], negative: [] });
  // Summed accounts: reported with their rebuilt balance; their rows never carry one.
  expect(check.summed.map((s) => s.account)).toContain(escrow);
  expect((await ledger.balance(ctx, escrow)).balance).toBeGreaterThanOrEqual(0n);
  const [cachedOnSummed] = await tdb.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ledger_accounts
    WHERE balance_mode = 'SUMMED' AND (balance <> 0 OR held <> 0)`;
  expect(cachedOnSummed!.n).toBe(0n);
  expect(await ledger.reconcile(ctx, CUR)).toMatchObject({ ok: true });
  const [bad] = await tdb.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ledger_accounts
    WHERE NOT allow_negative AND (balance < 0 OR held < 0 OR held > balance)`;
  expect(bad!.n).toBe(0n);
}

describe("ledger property: random operations keep the books straight", () => {
  it("~2000 random operations, 8 at a time", async () => {
    const started = performance.now();
    let total = 0;
    const seen = { ok: 0, short: 0, expected: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 650, maxLength: 700 }), async (ops) => {
        const stats = await run(ops);
        total += ops.length;
        for (const k of ["ok", "short", "expected"] as const) seen[k] += stats[k];
        expect(stats.ok).toBeGreaterThan(0);
        await assertInvariants();
      }),
      {
        numRuns: 3,
        endOnFailure: true,
        // The counterexample is hundreds of operations long: report the seed to replay it, not the list.
        reporter: (out) => {
          if (out.failed)
            throw new Error(`seed ${out.seed}, path ${out.counterexamplePath}: ${String(out.errorInstance)}`);
        },
      },
    );
    console.log(
      `${total} operations (${JSON.stringify(seen)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 120_000);
});
