/**
 * `npx tsx bench/ledger-hot-accounts.ts` — the order pipeline's ledger postings alone, on a fresh
 * PostgreSQL database (cloned from the test template, dropped afterwards).
 *
 * WORKERS concurrent closed-loop workers each repeat, for a wallet of their own chosen from WALLETS:
 *   pay:    wallet −T, system:order_escrow +T
 *   settle: escrow −T, revenue +(T−C), supplier_payable +C, custody +T, platform_cash −T
 * each in its own transaction followed by one more statement before COMMIT (as the order flow updates
 * the order row after posting), so a row lock taken by the posting is held across that round trip.
 * BUSY_MS > 0 adds event-loop stalls (a busy-wait of BUSY_MS every 10 ms), like a loaded bot process.
 *
 * Environment: SECONDS (10), WORKERS (20), WALLETS (400), POOL (20), BUSY_MS (0).
 * Prints postings/s and p50/p99 latency per posting kind, then one JSON line.
 */
import { randomUUID } from "node:crypto";
import { createLedger, supplierPayableCode, systemCode, walletCode } from "../core/ledger/index.ts";
import { sql, systemClock, systemContext, type Currency } from "../core/shared/index.ts";
import { createTestDatabase } from "../test/support/databases.ts";

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const SECONDS = num("SECONDS", 10);
const WORKERS = num("WORKERS", 20);
const WALLETS = num("WALLETS", 400);
const POOL = num("POOL", 20);
const BUSY_MS = num("BUSY_MS", 0);
const CUR: Currency = "CNY";
const ctx = systemContext("bench-ledger", { channel: "cli" });

const tdb = await createTestDatabase("benchledger", { poolSize: POOL });
try {
  const db = tdb.db.sql;
  const ledger = createLedger({ sql: db, clock: systemClock });
  const escrow = systemCode("order_escrow", CUR);
  const custody = systemCode("custody", CUR);
  const suppliers = Array.from({ length: 3 }, () => supplierPayableCode(randomUUID(), CUR));
  const wallets = Array.from({ length: WALLETS }, () => walletCode(randomUUID(), CUR));

  // Setup (not measured): fund every wallet; a top-up also creates the accounts.
  for (let i = 0; i < wallets.length; i += 20)
    await Promise.all(
      wallets.slice(i, i + 20).map((w) =>
        ledger.post(ctx, {
          idempotencyKey: `topup:${w}`,
          kind: "topup",
          legs: [
            { account: custody, amount: -1_000_000_000n },
            { account: w, amount: 1_000_000_000n },
          ],
        }),
      ),
    );

  const lat = { pay: [] as number[], settle: [] as number[] };
  let stalls: NodeJS.Timeout | undefined;
  if (BUSY_MS > 0)
    stalls = setInterval(() => {
      const until = performance.now() + BUSY_MS;
      while (performance.now() < until);
    }, 10);

  const deadline = performance.now() + SECONDS * 1000;
  let seq = 0;
  async function posting(kind: "pay" | "settle", legs: { account: string; amount: bigint }[]) {
    const started = performance.now();
    const r = await db.transaction(async (tx) => {
      const p = await ledger.post(ctx, { idempotencyKey: `${kind}:${randomUUID()}`, kind, legs }, { tx });
      await tx.query(sql`SELECT 1`); // the order-row update that follows the posting in the flow
      return p;
    });
    if (!r.ok) throw new Error(`${kind} ran short on ${r.account}`);
    lat[kind].push(performance.now() - started);
  }
  async function worker(w: number) {
    while (performance.now() < deadline) {
      const wallet = wallets[(w + WORKERS * (seq++ % Math.ceil(WALLETS / WORKERS))) % WALLETS]!;
      const total = 100n + BigInt(seq % 900);
      const cost = (total * 9n) / 10n;
      await posting("pay", [
        { account: wallet, amount: -total },
        { account: escrow, amount: total },
      ]);
      await posting("settle", [
        { account: escrow, amount: -total },
        { account: systemCode("revenue", CUR), amount: total - cost },
        { account: suppliers[seq % suppliers.length]!, amount: cost },
        { account: custody, amount: total },
        { account: systemCode("platform_cash", CUR), amount: -total },
      ]);
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  const elapsed = (performance.now() - started) / 1000;
  if (stalls) clearInterval(stalls);

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
  };
  const postings = lat.pay.length + lat.settle.length;
  const check = await ledger.check(ctx);
  const out = {
    workers: WORKERS,
    wallets: WALLETS,
    pool: POOL,
    busyMs: BUSY_MS,
    seconds: Number(elapsed.toFixed(1)),
    postingsPerSec: Math.round(postings / elapsed),
    pay: { n: lat.pay.length, p50: +pct(lat.pay, 50).toFixed(1), p99: +pct(lat.pay, 99).toFixed(1) },
    settle: { n: lat.settle.length, p50: +pct(lat.settle, 50).toFixed(1), p99: +pct(lat.settle, 99).toFixed(1) },
    checkOk: check.ok,
    reconcileOk: (await ledger.reconcile(ctx, CUR)).ok,
  };
  console.log(
    `${postings} postings in ${out.seconds}s = ${out.postingsPerSec}/s; ` +
      `pay p50 ${out.pay.p50} ms p99 ${out.pay.p99} ms; settle p50 ${out.settle.p50} ms p99 ${out.settle.p99} ms; ` +
      `check ${out.checkOk ? "ok" : "FAILED"}, reconcile ${out.reconcileOk ? "ok" : "FAILED"}`,
  );
  console.log(JSON.stringify(out));
} finally {
  await tdb.drop();
}
