import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedger, type Ledger, type PostResult } from "../../../core/ledger/index.ts";
import { systemClock } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { ctx, custody, escrow, newWallet, revenue, topUp } from "./ledger-helpers.ts";

let tdb: TestDatabase;
let ledger: Ledger;

beforeAll(async () => {
  tdb = await createTestDatabase("ledgerconc", { poolSize: 30 });
  ledger = createLedger({ sql: tdb.db.sql, clock: systemClock });
});
afterAll(async () => tdb?.drop());

describe("ledger under concurrency (real PostgreSQL)", () => {
  it("200 concurrent 1-unit debits against 50: exactly 50 succeed and the balance is never seen below 0", async () => {
    const w = newWallet();
    await topUp(ledger, w, 50n);
    let running = true;
    const seen: bigint[] = [];
    const sampler = (async () => {
      while (running) {
        const [row] = await tdb.db.prisma.$queryRaw<{ balance: bigint; held: bigint }[]>`SELECT balance, held
          FROM ledger_accounts WHERE code = ${w}`;
        seen.push(row!.balance);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ledger.post(ctx, {
          idempotencyKey: `debit:${w}:${i}`,
          kind: "order_payment",
          legs: [
            { account: w, amount: -1n },
            { account: escrow, amount: 1n },
          ],
        }),
      ),
    );
    const ms = performance.now() - started;
    running = false;
    await sampler;
    const ok = results.filter((r) => r.ok);
    const short = results.filter((r): r is Extract<PostResult, { ok: false }> => !r.ok);
    expect(ok).toHaveLength(50);
    expect(short).toHaveLength(150);
    expect(short.every((r) => r.code === "insufficient_funds" && r.account === w)).toBe(true);
    expect(await ledger.balance(ctx, w)).toEqual({ balance: 0n, held: 0n, available: 0n });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((b) => b >= 0n)).toBe(true);
    const [entries] = await tdb.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ledger_entries e
      JOIN ledger_accounts a ON a.id = e.account_id WHERE a.code = ${w}`;
    expect(entries!.n).toBe(51n);
    console.log(
      `200 contended debits in ${ms.toFixed(0)} ms; balance sampled ${seen.length}× (min ${seen.reduce((a, b) => (b < a ? b : a))})`,
    );
  });

  it("the same idempotency key posted 10× at once writes one transaction; a different amount under it conflicts", async () => {
    const w = newWallet();
    const key = `topup:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => topUp(ledger, w, 25n, key)));
    const ids = new Set(results.map((r) => r.transactionId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const [rows] = await tdb.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ledger_transactions
      WHERE idempotency_key = ${key}`;
    expect(rows!.n).toBe(1n);
    expect((await ledger.balance(ctx, w)).balance).toBe(25n);
    await expect(topUp(ledger, w, 26n, key)).rejects.toMatchObject({ type: "conflict", code: "idempotency_conflict" });
  });

  it("first use of new accounts from many transactions at once creates each account once", async () => {
    const w = newWallet();
    const results = await Promise.all(Array.from({ length: 20 }, () => topUp(ledger, w, 1n)));
    expect(results.every((r) => r.ok)).toBe(true);
    const [rows] = await tdb.db.prisma.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM ledger_accounts WHERE code = ${w}`;
    expect(rows!.n).toBe(1n);
    expect((await ledger.balance(ctx, w)).balance).toBe(20n);
  });

  it("crossing transfers in both directions do not deadlock", async () => {
    const a = newWallet();
    const b = newWallet();
    await topUp(ledger, a, 100n);
    await topUp(ledger, b, 100n);
    // The summed escrow has no row guard (the order state machine keeps it ≥ 0): fund what the transfers take.
    const payer = newWallet();
    await topUp(ledger, payer, 60n);
    await ledger.post(ctx, {
      idempotencyKey: randomUUID(),
      kind: "order_payment",
      legs: [
        { account: payer, amount: -60n },
        { account: escrow, amount: 60n },
      ],
    });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const [from, to] = i % 2 ? [a, b] : [b, a];
        return ledger.post(ctx, {
          idempotencyKey: randomUUID(),
          kind: "transfer",
          legs: [
            { account: to, amount: 3n },
            { account: from, amount: -3n },
            { account: custody, amount: 1n },
            { account: escrow, amount: -1n },
          ],
        });
      }),
    );
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === "insufficient_funds")).toBe(true);
    const check = await ledger.check(ctx);
    expect(check.ok).toBe(true);
    expect((await ledger.reconcile(ctx, "CNY")).ok).toBe(true);
  });

  it("postings never wait on a shared (summed) system account while another order's posting is uncommitted", async () => {
    const [a, b] = [newWallet(), newWallet()];
    await topUp(ledger, a, 100n);
    await topUp(ledger, b, 100n);
    // Accounts exist once used (a first use inserts the row, and a concurrent first use waits for that insert).
    for (const code of [escrow, revenue, custody]) await ledger.accountFor(ctx, code, "CNY");
    const pay = (w: string, n: bigint) => [
      { account: w, amount: -n },
      { account: escrow, amount: n },
    ];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let posted!: () => void;
    const postedA = new Promise<void>((r) => (posted = r));
    // Order A pays and settles, then its transaction stays open (the flow is still working on it).
    const slow = tdb.db.sql.transaction(async (tx) => {
      for (const legs of [
        pay(a, 10n),
        [
          { account: escrow, amount: -10n },
          { account: revenue, amount: 1n },
          { account: custody, amount: 9n },
        ],
      ]) {
        const r = await ledger.post(ctx, { idempotencyKey: randomUUID(), kind: "t", legs }, { tx });
        expect(r.ok).toBe(true);
      }
      posted();
      await gate;
    });
    await postedA;
    // Order B touches the same escrow, revenue and custody: it must commit while A still holds its locks.
    const fast = await Promise.race([
      (async () => {
        await ledger.post(ctx, { idempotencyKey: randomUUID(), kind: "t", legs: pay(b, 7n) });
        await ledger.post(ctx, {
          idempotencyKey: randomUUID(),
          kind: "t",
          legs: [
            { account: escrow, amount: -7n },
            { account: revenue, amount: 2n },
            { account: custody, amount: 5n },
          ],
        });
        return "committed" as const;
      })(),
      new Promise<"blocked">((r) => setTimeout(() => r("blocked"), 5_000)),
    ]);
    release();
    await slow;
    expect(fast).toBe("committed");
    expect((await ledger.check(ctx)).ok).toBe(true);
  });
});
