import {
  backorderSignals,
  breakerSignals,
  failureRateSignals,
  ledgerSignals,
  lowStockSignals,
  refundStormSignals,
  type AlertNotice,
  type Alerts,
  type LowStockRule,
  type OrderHealthRule,
} from "../../core/alerts/index.ts";
import type { Catalog } from "../../core/catalog/index.ts";
import type { Inventory } from "../../core/inventory/index.ts";
import type { Ledger } from "../../core/ledger/index.ts";
import { ORDER_STATUSES, orderHealthSql, unitsSoldSinceSql, waitingOrdersSql } from "../../core/orders/index.ts";
import { CURRENCIES, type Clock, type CoreContext, type Currency, type SqlExecutor } from "../../core/shared/index.ts";
import type { Suppliers } from "../../core/suppliers/index.ts";

/** The backorder state (issue 11 §2): alerted on once the order states have it. */
export const BACKORDER_STATUS = "AWAITING_STOCK";
export const hasBackorders = (): boolean => (ORDER_STATUSES as readonly string[]).includes(BACKORDER_STATUS);

export interface AlertSweepDeps {
  sql: SqlExecutor;
  clock: Clock;
  alerts: Pick<Alerts, "sweep">;
  catalog: Pick<Catalog, "listProducts">;
  inventory: Pick<Inventory, "availableCounts">;
  suppliers: Pick<Suppliers, "listSuppliers">;
  ledger: Pick<Ledger, "check" | "reconcile">;
  lowStock: LowStockRule;
  orderHealth: OrderHealthRule & { windowMinutes: number };
  backorderMinutes: number;
}

/**
 * The periodic checks behind the staff alerts (docs/alerts.md). Each check reads its figures and hands its
 * whole answer to `alerts.sweep`: what fires is raised (throttled), what stopped firing is resolved.
 * `sweep` runs the frequent ones (stock, breakers, order health, backorders); `ledger` the ledger check and
 * reconciliation (heavier: scheduled less often).
 */
export function createAlertSweep(d: AlertSweepDeps) {
  async function lowStock(ctx: CoreContext): Promise<AlertNotice[]> {
    const products = (await d.catalog.listProducts(ctx, {})).filter((p) => p.deliveryKind === "CODE" && p.active);
    const since = new Date(d.clock.now().getTime() - d.lowStock.days * 86_400_000);
    const [available, sold] = await Promise.all([
      d.inventory.availableCounts(ctx, { productIds: products.map((p) => p.id) }),
      d.sql.query<{ product_id: string; units: number }>(unitsSoldSinceSql(since)),
    ]);
    const soldBy = new Map(sold.map((r) => [r.product_id, r.units]));
    const firing = lowStockSignals(
      products.map((p) => ({
        productId: p.id,
        sku: p.sku,
        available: available.get(p.id) ?? 0,
        soldRecently: soldBy.get(p.id) ?? 0,
      })),
      d.lowStock,
    );
    return d.alerts.sweep(ctx, { kind: "low_stock", firing });
  }

  async function breakers(ctx: CoreContext): Promise<AlertNotice[]> {
    const suppliers = await d.suppliers.listSuppliers(ctx);
    const firing = breakerSignals(
      suppliers.map((s) => ({
        supplierId: s.id,
        code: s.code,
        active: s.active,
        state: s.circuit,
        consecutiveFailures: s.consecutiveFailures,
      })),
    );
    return d.alerts.sweep(ctx, { kind: "supplier_breaker", firing });
  }

  async function orderHealth(ctx: CoreContext): Promise<AlertNotice[]> {
    const since = new Date(d.clock.now().getTime() - d.orderHealth.windowMinutes * 60_000);
    const [w] = await d.sql.query<{ finished: number; failed: number; refunded: number }>(orderHealthSql(since));
    const window = { windowMinutes: d.orderHealth.windowMinutes, ...(w ?? { finished: 0, failed: 0, refunded: 0 }) };
    return [
      ...(await d.alerts.sweep(ctx, { kind: "failure_rate", firing: failureRateSignals(window, d.orderHealth) })),
      ...(await d.alerts.sweep(ctx, { kind: "refund_storm", firing: refundStormSignals(window, d.orderHealth) })),
    ];
  }

  async function backorders(ctx: CoreContext): Promise<AlertNotice[]> {
    if (!hasBackorders()) return [];
    const now = d.clock.now();
    const [r] = await d.sql.query<{ n: number; oldest: Date | null }>(
      waitingOrdersSql(BACKORDER_STATUS, new Date(now.getTime() - d.backorderMinutes * 60_000)),
    );
    const firing = backorderSignals({
      olderThanMinutes: d.backorderMinutes,
      count: r?.n ?? 0,
      oldestMinutes: r?.oldest ? Math.floor((now.getTime() - r.oldest.getTime()) / 60_000) : null,
    });
    return d.alerts.sweep(ctx, { kind: "backorders_waiting", firing });
  }

  return {
    /** Stock, breakers, order health, backorders: each check on its own, one failing does not stop the rest. */
    async sweep(ctx: CoreContext): Promise<{ notices: AlertNotice[]; errors: Error[] }> {
      const notices: AlertNotice[] = [];
      const errors: Error[] = [];
      for (const check of [lowStock, breakers, orderHealth, backorders]) {
        try {
          notices.push(...(await check(ctx)));
        } catch (e) {
          errors.push(e as Error);
        }
      }
      return { notices, errors };
    },
    /** The ledger check and the reconciliation of every currency. */
    async ledger(ctx: CoreContext): Promise<AlertNotice[]> {
      const c = await d.ledger.check(ctx);
      const reconcile = [];
      for (const currency of Object.keys(CURRENCIES) as Currency[])
        reconcile.push({ currency, ...(await d.ledger.reconcile(ctx, currency)) });
      const firing = ledgerSignals({
        check: {
          ok: c.ok,
          unbalanced: c.unbalanced.length,
          mismatched: c.mismatched.length,
          heldMismatched: c.heldMismatched.length,
          negative: c.negative.length,
        },
        reconcile,
      });
      return d.alerts.sweep(ctx, { kind: "ledger_mismatch", firing });
    },
  };
}
export type AlertSweep = ReturnType<typeof createAlertSweep>;
