import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlRecorder, type RecordedStep } from "../../../bench/capture/recording-runner.ts";
import type { PlaceOrderResult } from "../../../core/flows/index.ts";
import { StockHints } from "../../../core/inventory/stock-hints.ts";
import { systemCode, walletCode } from "../../../core/ledger/index.ts";
import { asBuyer, newId, raw, sql } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/*
 * The sold-out path (issue 15 §2): the claim goes first and gates the order's insert and posting, so a
 * refusal is one round trip that commits an empty transaction (no ERROR, no ROLLBACK, no row, no
 * sequence number); once a claim has run short, this process refuses the product before any transaction
 * until stock comes back.
 */
describe("sold-out path (PostgreSQL)", () => {
  let shop: Shop;
  const recorder = new SqlRecorder();
  let failedTransactions = 0;

  beforeAll(async () => {
    shop = await createShop("soldout", {
      workers: false,
      container: {
        wrapSql: (inner) => {
          const recorded = recorder.wrap(inner);
          return {
            ...recorded,
            transaction: (fn) =>
              recorded.transaction(fn).catch((e: unknown) => {
                failedTransactions++;
                throw e;
              }),
          };
        },
      },
    });
  });
  afterAll(() => shop.dispose());

  /**
   * `n` buyers with 100.00 each, created and funded in bulk — twice, so this process has seen their
   * wallets committed (as for a returning buyer; a wallet's first posting in a process checks it exists).
   */
  async function buyers(n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => newId());
    await shop.prisma.user.createMany({ data: ids.map((id, i) => ({ id, displayName: `burst-${i}` })) });
    for (const round of [1, 2])
      for (let i = 0; i < ids.length; i += 90) {
        const chunk = ids.slice(i, i + 90);
        const r = await shop.c.ledger.post(ctx, {
          idempotencyKey: `burst-fund:${round}:${chunk[0]}`,
          kind: "top_up",
          legs: [
            { account: systemCode("custody", "CNY"), amount: -5_000n * BigInt(chunk.length) },
            ...chunk.map((id) => ({ account: walletCode(id, "CNY"), amount: 5_000n })),
          ],
        });
        if (!r.ok) throw new Error("funding failed");
      }
    return ids;
  }

  const place = (userId: string, productId: string, key = "burst") =>
    shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId,
      quantity: 1,
      idempotencyKey: key,
      payWith: "wallet",
    });

  /** The sequence numbers taken so far (a fresh sequence answers 1 before any was taken). */
  const taken = (seq: string) => raw(`(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${seq})`);
  /** Rows and sequence numbers the order paths write. */
  async function written() {
    const [r] = await shop.c.db.sql.query<Record<string, bigint>>(sql`SELECT
      (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_events) AS events,
      (SELECT count(*) FROM outbox_events) AS outbox, (SELECT count(*) FROM ledger_transactions) AS ledger_tx,
      (SELECT count(*) FROM ledger_entries) AS entries, (SELECT count(*) FROM order_codes) AS order_codes,
      ${taken("order_events_id_seq")} AS events_seq, ${taken("outbox_events_id_seq")} AS outbox_seq,
      ${taken("ledger_entries_id_seq")} AS entries_seq`);
    return r!;
  }
  const delta = (a: Record<string, bigint>, b: Record<string, bigint>) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, Number(b[k]! - a[k]!)]));

  it("1,000 concurrent buyers of 50 codes: exactly 50 sold; the 950 refusals write nothing and fail no transaction", async () => {
    const product = await shop.codeProduct({ price: 990n, stock: 51, cost: 900n });
    const [warm, ...ids] = await buyers(1001);
    // One sale first: the product's ledger accounts (its supplier's payable) exist and are known.
    expect(await place(warm!, product.id)).toMatchObject({ ok: true });
    const before = await written();
    failedTransactions = 0;
    recorder.start();
    const t0 = performance.now();
    const results: PlaceOrderResult[] = await Promise.all(ids.map((id) => place(id, product.id)));
    const seconds = (performance.now() - t0) / 1000;
    const steps = recorder.stop();
    console.log(`sold-out burst: 1000 buyers answered in ${seconds.toFixed(2)} s`);

    const sold = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(sold).toHaveLength(50);
    expect(sold.every((r) => r.ok && r.order.status === "DELIVERED" && r.codes?.length === 1)).toBe(true);
    expect(new Set(sold.map((r) => (r.ok ? r.codes![0]!.code : ""))).size).toBe(50);
    expect(refused).toHaveLength(950);
    expect(refused.every((r) => !r.ok && r.code === "out_of_stock" && r.available === 0)).toBe(true);

    // Only the 50 sales wrote anything, and no sequence number was taken by a rolled-back insert.
    const d = delta(before, await written());
    expect(d).toEqual({
      orders: 50,
      events: 200, // CREATED, PAID, FULFILLING, DELIVERED
      outbox: 50,
      ledger_tx: 50,
      entries: d.entries_seq,
      order_codes: 50,
      events_seq: 200,
      outbox_seq: 50,
      entries_seq: d.entries,
    });
    // No transaction failed (an ERROR and its ROLLBACK), and every one committed.
    expect(failedTransactions).toBe(0);
    const txs = steps.filter((s): s is Extract<RecordedStep, { kind: "transaction" }> => s.kind === "transaction");
    expect(txs.filter((s) => s.outcome !== "commit")).toEqual([]);
    // Every order transaction is one round trip; refusals after the hint open none.
    // (A wallet this process has not yet seen committed is checked first: one round trip more.)
    const orderTrips = (s: (typeof txs)[number]) =>
      s.trips.length - (s.trips.some((t) => t.some((x) => x.text.startsWith("INSERT INTO ledger_accounts"))) ? 1 : 0);
    expect(txs.map(orderTrips).filter((n) => n !== 1)).toEqual([]);
    // The buyers take turns at the product (16 at once): those still waiting when a claim ran short are
    // refused from the hint without a transaction, and their question (is there an order under this key?)
    // is asked together, a few statements for all of them; the rest answered it in their order's trip.
    expect(txs.length).toBeGreaterThanOrEqual(50);
    expect(txs.length).toBeLessThan(50 + 3 * 16);
    expect(steps.filter((s) => s.kind === "autocommit")).toHaveLength(steps.length - txs.length);
    expect(steps.length - txs.length).toBeLessThan(50);
    expect(await shop.invariants()).toMatchObject({ ledgerOk: true, codeOnTwoOrders: 0 });
  }, 180_000);

  it("buyers of a product nobody asked for lately share one read of it", async () => {
    const product = await shop.codeProduct({ price: 300n, stock: 1 });
    const ids = await buyers(20);
    recorder.start();
    const results = await Promise.all(ids.map((id) => place(id, product.id, "first-read")));
    const steps = recorder.stop();
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === "out_of_stock")).toHaveLength(19);
    const productReads = steps.filter(
      (s) => s.kind === "autocommit" && /FROM products p WHERE p\.id =/.test(s.trip[0]!.text),
    );
    expect(productReads).toHaveLength(1);
  });

  it("a refusal costs one committed round trip; after it, the product is refused without a transaction until restocked", async () => {
    const product = await shop.codeProduct({ price: 500n, stock: 1 });
    const [a, b, c, d] = await buyers(4);
    // The ledger's system accounts are known to this process after a first sale.
    expect(await place(a!, product.id)).toMatchObject({ ok: true });

    // b: the claim runs short inside the order's one round trip, which commits empty (and reads the key).
    recorder.start();
    expect(await place(b!, product.id)).toEqual({ ok: false, code: "out_of_stock", available: 0 });
    const refusal = recorder.stop();
    expect(refusal.map((s) => (s.kind === "transaction" ? `tx:${s.trips.length}:${s.outcome}` : "read"))).toEqual([
      "tx:1:commit",
    ]);
    // The same key again after the sale, with the hint forgotten: the refused trip answers the order placed.
    await shop.importCodes(product.id, 1);
    expect(await place(b!, product.id, "b-key")).toMatchObject({ ok: true });
    expect(await place(c!, product.id)).toMatchObject({ ok: false, code: "out_of_stock" });
    await shop.importCodes(product.id, 1);
    await place(d!, product.id);
    recorder.start();
    expect(await place(b!, product.id, "b-key")).toMatchObject({ ok: true, replayed: true });
    expect(
      recorder.stop().map((s) => (s.kind === "transaction" ? `tx:${s.trips.length}:${s.outcome}` : "read")),
    ).toEqual(["tx:1:commit"]);

    // c: refused from the hint: no transaction, only the idempotency key's read.
    recorder.start();
    expect(await place(c!, product.id)).toEqual({ ok: false, code: "out_of_stock", available: 0 });
    expect(recorder.stop().map((s) => s.kind)).toEqual(["autocommit"]);

    // An order already placed under the key is answered, not refused by the hint.
    expect(await place(a!, product.id)).toMatchObject({ ok: true, replayed: true });

    // Restocked in this process: the hint is gone at once and d buys.
    await shop.importCodes(product.id, 1);
    expect(await place(d!, product.id, "after-restock")).toMatchObject({
      ok: true,
      replayed: false,
      order: { status: "DELIVERED" },
    });
  });
});

describe("StockHints", () => {
  it("refuses only a quantity above what the short claim found, only for its TTL, and forgets on restock", () => {
    let now = 0;
    const hints = new StockHints(() => now, 2_000);
    expect(hints.knownShort("p", 1)).toBeNull();
    hints.sawShort("p", 2);
    expect(hints.knownShort("p", 2)).toBeNull();
    expect(hints.knownShort("p", 3)).toEqual({ available: 2 });
    now = 1_999;
    expect(hints.knownShort("p", 3)).toEqual({ available: 2 });
    now = 2_000;
    expect(hints.knownShort("p", 3)).toBeNull();
    hints.sawShort("p", 0);
    hints.sawShort("q", 0);
    hints.restocked("p");
    expect(hints.knownShort("p", 1)).toBeNull();
    expect(hints.knownShort("q", 1)).toEqual({ available: 0 });
    hints.restocked();
    expect(hints.knownShort("q", 1)).toBeNull();
  });
});
