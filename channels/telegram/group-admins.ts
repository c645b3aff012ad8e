import { GrammyError, type Api } from "grammy";

export interface GroupAdminCheckOptions {
  /** How long an answer is reused (default 60 s): admin changes show up after at most this. */
  ttlMs?: number;
  /** Remembered answers at most (default 10,000; the oldest go first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * `isGroupAdmin(chatId, userId)`: `getChatMember` says `creator` or `administrator`. Answers are cached
 * briefly (a chatty group would otherwise cost one Bot API call per message). A chat or user Telegram
 * does not know (400) is "not an admin"; other failures (network, 5xx) are thrown, never guessed.
 */
export function groupAdminCheck(api: Pick<Api, "getChatMember">, opts: GroupAdminCheckOptions = {}) {
  const ttlMs = opts.ttlMs ?? 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { admin: boolean; until: number }>();

  return async function isGroupAdmin(chatId: string, externalUserId: string): Promise<boolean> {
    const key = `${chatId}:${externalUserId}`;
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.admin;
    let admin: boolean;
    try {
      const member = await api.getChatMember(chatId, Number(externalUserId));
      admin = member.status === "creator" || member.status === "administrator";
    } catch (err) {
      if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
      admin = false;
    }
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, { admin, until: now() + ttlMs });
    return admin;
  };
}
