export * from "./order-pricing.ts";
export * from "./order-states.ts";
export * from "./types.ts";
export {
  createOrderStore,
  ORDER_NOT_AT_STATUS,
  ORDER_NOT_INSERTED,
  type InsertOptions,
  type OrderStore,
  type TransitionInput,
} from "./order-store.ts";
export { createOrderReads, NUMBERED_ORDER_ROW, type OrderReads } from "./order-reads.ts";
export { isOrderNumber, orderNumberCheck, parseOrderRef, type OrderRef } from "./order-number.ts";
export { liveOrderStatuses, orderCountsSql } from "./order-counts.sql.ts";
export {
  orderHealthSql,
  orderTotalsSql,
  topProductsSql,
  unitsSoldSinceSql,
  waitingOrdersSql,
} from "./order-report.sql.ts";
