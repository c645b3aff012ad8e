export * from "./catalog.ts";
export * from "./consumer.ts";
export * from "./record.ts";
