import { orderTotalsSql, topProductsSql } from "../../core/orders/index.ts";
import type { ReportFigures } from "../../core/reports/index.ts";
import type { SqlExecutor } from "../../core/shared/index.ts";

/** The staff reports' figures: the orders' report statements on the SqlRunner. */
export function sqlReportFigures(db: SqlExecutor): ReportFigures {
  return {
    async totals(from, to) {
      const rows = await db.query<{
        currency: string;
        placed: number;
        paid: number;
        delivered: number;
        revenue: bigint;
        cost: bigint;
        failed: number;
        refunded: number;
        refunded_total: bigint;
      }>(orderTotalsSql(from, to));
      return rows.map(({ refunded_total, ...r }) => ({
        ...r,
        currency: r.currency.trim(),
        revenue: BigInt(r.revenue),
        cost: BigInt(r.cost),
        refundedTotal: BigInt(refunded_total),
      }));
    },
    async top(from, to, limit) {
      const rows = await db.query<{ product_id: string; currency: string; units: number; revenue: bigint }>(
        topProductsSql(from, to, limit),
      );
      return rows.map((r) => ({
        productId: r.product_id,
        currency: r.currency.trim(),
        units: r.units,
        revenue: BigInt(r.revenue),
      }));
    },
  };
}
