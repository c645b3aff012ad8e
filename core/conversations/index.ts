export * from "./conversations.service.ts";
