/** Text-only channels (WeChat personal accounts, SMS-like chats): numbered menus and plain-text replies. */
export * from "./numbered-menu.ts";
export * from "./menu-input.ts";
export * from "./menu-store.ts";
export * from "./text-turns.ts";
export * from "./plain-text.ts";
