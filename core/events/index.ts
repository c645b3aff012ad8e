export * from "./catalog.ts";
export * from "./consumer.ts";
