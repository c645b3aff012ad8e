import type { CoreContext } from "../shared/index.ts";
import type { ReportPeriod } from "./day-range.ts";

/** One currency's figures over the period (money in minor units). */
export interface CurrencyTotals {
  currency: string;
  placed: number;
  paid: number;
  delivered: number;
  revenue: bigint;
  cost: bigint;
  /** revenue − cost of the delivered orders. */
  margin: bigint;
  failed: number;
  refunded: number;
  refundedTotal: bigint;
}

export interface TopProduct {
  productId: string;
  currency: string;
  units: number;
  revenue: bigint;
}

export interface SalesReport {
  period: ReportPeriod;
  from: Date;
  to: Date;
  timeZone: string;
  totals: CurrencyTotals[];
  top: TopProduct[];
}

/** Where the figures come from (the orders' report statements, run by the app). */
export interface ReportFigures {
  totals(from: Date, to: Date): Promise<Array<Omit<CurrencyTotals, "margin">>>;
  top(from: Date, to: Date, limit: number): Promise<TopProduct[]>;
}

export interface Reports {
  /** Orders, revenue, margin, top products, failures and refunds over `period` in the shop's time zone. */
  sales(ctx: CoreContext, input: { period: ReportPeriod }): Promise<SalesReport>;
}
