export * from "./order-states.ts";
export * from "./types.ts";
export { createOrderStore, type OrderStore, type TransitionInput } from "./orders.service.ts";
