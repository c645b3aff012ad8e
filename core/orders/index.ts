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
