export * from "./flow-deps.ts";
export * from "./ports.ts";
export * from "./place-order.failures.ts";
export * from "./place-order.stages.ts";
export * from "./place-order.flow.ts";
export * from "./fulfil-order.flow.ts";
export * from "./orders.facade.ts";
