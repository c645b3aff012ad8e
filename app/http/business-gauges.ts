import { Gauge } from "prom-client";
import { CHAT_CHANNELS, systemContext, type SqlExecutor } from "../../core/shared/index.ts";
import { liveOrderStatuses, orderCountsSql } from "../../core/orders/index.ts";
import type { JobCounts } from "../../jobs/job-queue.port.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Business gauges read at scrape time from the shared state — the database, and the queue's own counts —
 * so any process reports the cluster-wide truth whichever processes did the work (docs: README "Metrics").
 * Each read is cached briefly so a burst of scrapes costs one query; the full order count (every order,
 * terminal ones included) is refreshed less often because it reads the whole table.
 */
export interface BusinessGaugeDeps {
  sql: SqlExecutor;
  catalog: {
    listProducts(
      ctx: ReturnType<typeof systemContext>,
      input: { categoryId?: string },
    ): Promise<Array<{ id: string; sku: string; deliveryKind: string; active: boolean }>>;
  };
  inventory: {
    availableCounts(
      ctx: ReturnType<typeof systemContext>,
      input: { productIds?: string[] },
    ): Promise<Map<string, number>>;
  };
  jobs: { counts(): Promise<Record<string, JobCounts>> };
  /** Reads are reused this long (default 5 s). */
  cacheMs?: number;
  /** The count over every order is refreshed at most this often (default 60 s); live statuses every read. */
  totalsEveryMs?: number;
  /** Stock counts are re-read at most this often (default 30 s): they count every sellable code. */
  stockEveryMs?: number;
  /** At most this many products get a stock series (the emptiest first; default 200). */
  maxStockProducts?: number;
}

const JOB_STATES = ["waiting", "active", "delayed", "failed"] as const;
/** The statuses the fresh count covers: the older full count is used for the others (terminal ones) only. */
const LIVE = new Set(liveOrderStatuses());

/** A read shared by the scrapes within `ms` (a failed read is not kept). */
function cached<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let hit: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!hit || now - hit.at > ms) {
      const value = read();
      value.catch(() => (hit = undefined));
      hit = { at: now, value };
    }
    return hit.value;
  };
}

type Counts = Array<{ status: string; channel: string; n: bigint | number }>;

export function registerBusinessGauges(metrics: Metrics, deps: BusinessGaugeDeps): void {
  const registry = metrics.registry;
  // One registration per registry (several HTTP apps may be built over one container, e.g. in tests).
  if (registry.getSingleMetric("kameng_orders")) return;
  const ctx = systemContext("metrics");
  const cacheMs = deps.cacheMs ?? 5_000;
  const maxStock = deps.maxStockProducts ?? 200;
  const channels = new Set<string>([...CHAT_CHANNELS, "http", "cli", "system"]);

  const allCounts = cached(deps.totalsEveryMs ?? 60_000, () => deps.sql.query<Counts[number]>(orderCountsSql("all")));
  const liveCounts = cached(cacheMs, () => deps.sql.query<Counts[number]>(orderCountsSql("live")));
  const orders = cached(cacheMs, async () => {
    const [all, live] = await Promise.all([allCounts(), liveCounts()]);
    const out = new Map<string, { status: string; channel: string; n: number }>();
    const add = (r: Counts[number]) => {
      // Channels are a fixed set; anything else (an old row, a typo) is counted as "other".
      const channel = channels.has(r.channel) ? r.channel : "other";
      const key = `${r.status}\u0000${channel}`;
      const cur = out.get(key) ?? { status: r.status, channel, n: 0 };
      cur.n += Number(r.n);
      out.set(key, cur);
    };
    // Terminal statuses from the (older) full count; the statuses orders move through, fresh.
    for (const r of all) if (!LIVE.has(r.status)) add(r);
    for (const r of live) add(r);
    return [...out.values()];
  });
  new Gauge({
    name: "kameng_orders",
    help: "Orders by status and channel (cluster-wide, from the database; terminal statuses refreshed every minute, so DELIVERED counts deliveries and REFUNDED refunds of failed fulfilments)",
    labelNames: ["status", "channel"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await orders()) this.set({ status: r.status, channel: r.channel }, r.n);
    },
  });

  const stock = cached(deps.stockEveryMs ?? 30_000, async () => {
    const products = (await deps.catalog.listProducts(ctx, {})).filter((p) => p.active && p.deliveryKind === "CODE");
    const counts = await deps.inventory.availableCounts(ctx, { productIds: products.map((p) => p.id) });
    const rows = products
      .map((p) => ({ sku: p.sku, n: counts.get(p.id) ?? 0 }))
      .sort((a, b) => a.n - b.n || a.sku.localeCompare(b.sku));
    return { shown: rows.slice(0, maxStock), omitted: Math.max(0, rows.length - maxStock) };
  });
  new Gauge({
    name: "kameng_stock_available",
    help: `Sellable codes per active CODE product, by SKU (cluster-wide; at most ${maxStock} products, the emptiest first)`,
    labelNames: ["sku"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await stock()).shown) this.set({ sku: r.sku }, r.n);
    },
  });
  new Gauge({
    name: "kameng_stock_products_omitted",
    help: "Active CODE products left out of kameng_stock_available by its cap",
    registers: [registry],
    async collect() {
      this.set((await stock()).omitted);
    },
  });

  const jobCounts = cached(cacheMs, () => deps.jobs.counts());
  new Gauge({
    name: "kameng_jobs",
    help: "Jobs in the queue by job name and state (BullMQ: the whole Redis queue; in-process queue: this process)",
    labelNames: ["job", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [job, c] of Object.entries(await jobCounts()))
        for (const state of JOB_STATES) this.set({ job, state }, c[state]);
    },
  });
}
