export { webChatRoutes, type WebChatDeps } from "./web-chat.routes.ts";
export { createWebMailbox, type WebMailbox, type MailboxEntry } from "./web-mailbox.ts";
export { createWebTokens, type WebTokens } from "./web-identity.ts";
export { webChatPage } from "./page.ts";
