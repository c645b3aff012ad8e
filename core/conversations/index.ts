import { withAccess } from "../shared/index.ts";
import { conversationsAccess } from "./conversations.access.ts";
import {
  createConversations as createUncheckedConversations,
  type Conversations,
  type ConversationsDeps,
} from "./conversations.service.ts";

export * from "./conversations.service.ts";
/** Conversations, every call checked against its actor (conversations.access.ts). */
export const createConversations = (deps: ConversationsDeps): Conversations =>
  withAccess("conversations", createUncheckedConversations(deps), conversationsAccess);
