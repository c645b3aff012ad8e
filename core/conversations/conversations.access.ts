import { authorize, type AccessRules } from "../shared/index.ts";
import type { Conversations } from "./conversations.service.ts";

const own = (ctx: Parameters<typeof authorize>[0], key: { userId: string }) =>
  authorize(ctx, "conversations.use", {
    owner: key.userId,
    hide: { code: "conversation_not_found", message: "no such conversation" },
  });

/** A chat's state belongs to its user (and to the platform, which reads it to word a notification). */
export const conversationsAccess: AccessRules<Conversations> = {
  get: own,
  update: own,
  compareAndSet: own,
  clear: own,
};
