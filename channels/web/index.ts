export { webChatRoutes, type WebChatDeps } from "./web-chat.routes.ts";
export { createWebMailbox, type WebMailbox, type MailboxEntry, type WebReply } from "./web-mailbox.ts";
export { createWebTokens, type WebTokens } from "./web-identity.ts";
export { webChatPage } from "./page.ts";
export { createMemoryTranscript, type WebTranscript, type TranscriptEntry } from "./web-transcript.ts";
export { createSqlWebTranscript } from "./sql-web-transcript.ts";
