import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, GrammyError, HttpError } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { ChannelCapabilities, InboundTurn, Reply, TurnHandler } from "../../bots/turn.ts";
import type { SqlExecutor } from "../../core/shared/sql.ts";
import { RateLimiter, type RateLimits } from "./rate-limiter.ts";
import { throttledProgress } from "../../bots/progress.ts";
import { renderReplies, type ApiOp, type RenderTarget } from "./render.ts";
import { UpdateDedupe } from "./update-dedupe.ts";
import { groupAdminCheck } from "./group-admins.ts";
import {
  DEFAULT_API_ROOT,
  defaultFileTooLargeText,
  TELEGRAM_MAX_FILE_BYTES,
  telegramFileReader,
} from "./telegram-files.ts";
import { translateUpdate, type TranslatedUpdate } from "./update-to-turn.ts";

/** The subset of a pino logger the channel uses. Never given a code, a token or a message payload. */
export interface TelegramLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TelegramChannelDeps {
  token: string;
  /** The bot's getMe; when absent it is fetched once at start. */
  botInfo?: UserFromGetMe;
  /** `TELEGRAM_API_ROOT`: a self-hosted Bot API server (no trailing slash). */
  apiRoot?: string;
  /** Replaces the HTTP client (tests and the benchmark fake the Bot API here). */
  fetch?: typeof fetch;
  /** Database for the durable `update_id` dedupe (`processed_updates`). */
  db: SqlExecutor;
  /** The bot: one turn in, replies out. */
  handler: TurnHandler;
  logger: TelegramLogger;
  /**
   * Records whether the user can be messaged privately (`channel_identities.can_dm`): `false` when they
   * block the bot (my_chat_member "kicked", or a 403 on a send), `true` when they start it again.
   * Wire to `identity.setCanDm(ctx, { channel: "telegram", externalId, canDm })`.
   */
  setCanDm?: (externalId: string, canDm: boolean) => Promise<void>;
  /**
   * Also call `setCanDm(id, true)` after each user's first private turn in this process (after the bot ran,
   * so the identity exists). Off by default: the shop bot's `identity.resolve({ privateChat: true })`
   * already records it in the same query that resolves the user.
   */
  canDmOnPrivateTurns?: boolean;
  limits?: Partial<RateLimits>;
  /** 429 and 5xx retries (grammY auto-retry). Defaults: 3 attempts, waits up to 60 s. */
  retry?: { maxRetryAttempts?: number; maxDelaySeconds?: number };
  /** Answer `pre_checkout_query` with ok:false when the bot has not decided by then. Default 8000 ms (Telegram allows 10 s). */
  precheckoutTimeoutMs?: number;
  /** Text shown when the precheckout timed out or failed, by the user's language. */
  precheckoutFailedText?: (languageCode: string | undefined) => string;
  /** Per-request HTTP timeout towards the Bot API. Default 60 s (long polls wait 25 s). */
  timeoutSeconds?: number;
  /**
   * Largest file (document) a user may send, in bytes. Default 20 MB, what the Bot API serves to bots;
   * a self-hosted Bot API server allows more. Larger ones are refused with `fileTooLargeText`.
   */
  maxFileBytes?: number;
  /** The reply refusing a file above `maxFileBytes`, by the user's language. */
  fileTooLargeText?: (languageCode: string | undefined, maxBytes: number) => string;
  /** Least time between two edits of a progress message (`InboundTurn.progress`). Default 1000 ms. */
  progressIntervalMs?: number;
  /** How long `isGroupAdmin` answers are reused. Default 60 s. */
  groupAdminCacheMs?: number;
}

export type HandleOutcome = "handled" | "duplicate" | "ignored";

/** What became of one batch of replies: API calls that succeeded, failed, or were skipped. */
export interface DeliveryResult {
  sent: number;
  failed: number;
  /** Not sent: the renderer refused them (codes or an invoice for a group) or the user blocked the bot. */
  refused: number;
  /** The user blocked the bot (403): `can_dm` was cleared. */
  blocked: boolean;
}

export interface TelegramChannel {
  readonly bot: Bot;
  readonly botInfo: UserFromGetMe;
  /** `processed_updates.source` of this bot: `telegram:<botId>`. */
  readonly source: string;
  readonly capabilities: ChannelCapabilities;
  readonly limiter: RateLimiter;
  /**
   * Handles one update: dedupes it durably, answers callback/pre-checkout queries, runs the bot and queues
   * the replies (sent in the background under the rate limits; `drain()` waits for them). Throws when the
   * update must be delivered again (the dedupe mark is withdrawn first).
   */
  handleUpdate(update: Update): Promise<HandleOutcome>;
  /**
   * Sends bot-initiated replies (progress, delivery) to a chat under the rate limits; resolves once they
   * were sent (or failed). A caller that retries should do so when `failed > 0 && !blocked`.
   */
  send(chatId: string, replies: Reply[]): Promise<DeliveryResult>;
  /** Refunds a Telegram Stars payment. Idempotent: an already refunded charge counts as refunded. */
  refundStarPayment(userId: string | number, telegramPaymentChargeId: string): Promise<{ alreadyRefunded: boolean }>;
  /** Production: points Telegram at `url` with the secret token and the update types the shop reads. */
  setWebhook(url: string, secretToken: string): Promise<void>;
  /** What Telegram says of the webhook (`getWebhookInfo`): its backlog and its last delivery error. */
  webhookInfo(): Promise<{ pendingUpdateCount: number; lastErrorDate: number | null; lastErrorMessage: string | null }>;
  /** Development: long polling (deletes any webhook). Resolves once polling has started. */
  startPolling(): Promise<void>;
  /** Stops polling (if running) and waits for queued outbound messages, at most `drainTimeoutMs` (10 s). */
  stop(opts?: { drainTimeoutMs?: number }): Promise<void>;
  /** Waits until every queued outbound call has finished. */
  drain(): Promise<void>;
  /** Outbound API calls rendered but not yet finished, and chats with such calls. */
  outboundStats(): { queuedCalls: number; chats: number };
}

export const ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query", "my_chat_member"] as const;

export function defaultPrecheckoutFailedText(languageCode: string | undefined): string {
  return languageCode?.toLowerCase().startsWith("zh")
    ? "暂时无法完成支付，请稍后重试。"
    : "The payment cannot be completed right now. Please try again in a moment.";
}

/** A private chat's id is the user's id (positive); groups and channels are negative or `@name`. */
export function isPrivateChatId(chatId: string): boolean {
  return /^[1-9]\d*$/.test(chatId);
}

export async function createTelegramChannel(deps: TelegramChannelDeps): Promise<TelegramChannel> {
  const log = deps.logger;
  const bot = new Bot(deps.token, {
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
    client: {
      ...(deps.apiRoot ? { apiRoot: deps.apiRoot.replace(/\/+$/, "") } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      timeoutSeconds: deps.timeoutSeconds ?? 60,
    },
  });
  // Transformers: the one installed last runs first. auto-retry wraps the limiter, so each retry after a 429
  // is scheduled and counted by the limiter again (which also pauses that chat for `retry_after`).
  const limiter = new RateLimiter(deps.limits);
  bot.api.config.use(limiter.transformer());
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: deps.retry?.maxRetryAttempts ?? 3,
      maxDelaySeconds: deps.retry?.maxDelaySeconds ?? 60,
      // A network error may hide a delivered message; resending it blindly could repeat it forever.
      rethrowHttpErrors: true,
    }),
  );
  await bot.init();
  const me = bot.botInfo;
  const maxFileBytes = deps.maxFileBytes ?? TELEGRAM_MAX_FILE_BYTES;
  const fileTooLargeText = deps.fileTooLargeText ?? defaultFileTooLargeText;
  const readFile = telegramFileReader({
    api: bot.api,
    token: deps.token,
    apiRoot: (deps.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, ""),
    fetch: deps.fetch ?? fetch,
    maxBytes: maxFileBytes,
    timeoutMs: (deps.timeoutSeconds ?? 60) * 1000,
  });
  const source = `telegram:${me.id}`;
  const dedupe = new UpdateDedupe(deps.db, source);
  const precheckoutTimeoutMs = deps.precheckoutTimeoutMs ?? 8000;
  const failedText = deps.precheckoutFailedText ?? defaultPrecheckoutFailedText;

  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  // can_dm: write only on change (per process), so a chatty user costs no extra query per message.
  const canDmKnown = new Map<string, boolean>();
  const setCanDm = async (externalId: string, canDm: boolean) => {
    if (!deps.setCanDm || canDmKnown.get(externalId) === canDm) return;
    try {
      await deps.setCanDm(externalId, canDm);
      if (canDmKnown.size > 50_000) canDmKnown.clear();
      canDmKnown.set(externalId, canDm);
    } catch (err) {
      log.warn({ externalId, err: errInfo(err) }, "telegram: could not record can_dm");
    }
  };

  // Outbound: one chain per chat keeps a turn's messages (and consecutive turns) in order.
  const chains = new Map<string, Promise<unknown>>();
  let queuedCalls = 0;
  const enqueue = (target: RenderTarget, replies: Reply[]): Promise<DeliveryResult> => {
    const { ops, notes } = renderReplies(replies, target);
    for (const n of notes)
      log[n.level]({ chatId: target.chatId, orderId: n.orderId, items: n.items }, `telegram: ${n.msg}`);
    const refused = notes.filter((n) => n.refused).length;
    if (ops.length === 0) return Promise.resolve({ sent: 0, failed: 0, refused, blocked: false });
    const prev = chains.get(target.chatId) ?? Promise.resolve();
    queuedCalls += ops.length;
    const next = prev.then(() => execute(target, ops, refused));
    chains.set(target.chatId, next);
    void next.finally(() => {
      if (chains.get(target.chatId) === next) chains.delete(target.chatId);
    });
    return track(next);
  };

  const execute = async (target: RenderTarget, ops: ApiOp[], refused: number): Promise<DeliveryResult> => {
    const result: DeliveryResult = { sent: 0, failed: 0, refused, blocked: false };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      try {
        await call(op);
        queuedCalls--;
        result.sent++;
      } catch (err) {
        queuedCalls--;
        if (err instanceof GrammyError && err.error_code === 403 && target.chatKind === "private") {
          // Blocked, deactivated or never started: nothing more can reach this chat.
          log.info({ chatId: target.chatId, description: err.description }, "telegram: user cannot be messaged");
          await setCanDm(target.chatId, false);
          queuedCalls -= ops.length - i - 1;
          return { ...result, refused: result.refused + ops.length - i, blocked: true };
        }
        result.failed++;
        log.error({ chatId: target.chatId, method: op.method, err: errInfo(err) }, "telegram: send failed");
      }
    }
    return result;
  };

  const call = async (op: ApiOp): Promise<void> => {
    switch (op.method) {
      case "sendMessage":
        await bot.api.raw.sendMessage(op.payload);
        return;
      case "sendInvoice":
        await bot.api.raw.sendInvoice(op.payload);
        return;
      case "answerPreCheckoutQuery":
        await bot.api.raw.answerPreCheckoutQuery(op.payload);
        return;
      case "deleteMessage":
        try {
          await bot.api.raw.deleteMessage(op.payload);
        } catch (err) {
          // Already gone, or too old for the bot to delete: the answer still goes out.
          if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
        }
        return;
      case "editMessageText":
        try {
          await bot.api.raw.editMessageText(op.payload);
        } catch (err) {
          if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
          if (/not modified/i.test(err.description)) return;
          // Too old, deleted or not editable: say it in a new message instead.
          await bot.api.raw.sendMessage(op.fallback);
        }
        return;
    }
  };

  const answerCallback = (id: string) =>
    track(
      bot.api.answerCallbackQuery(id).catch((err) => {
        log.debug({ err: errInfo(err) }, "telegram: answerCallbackQuery failed");
      }),
    );

  /** The bot, with a synchronous throw turned into a rejection. */
  const callHandler = (turn: InboundTurn): Promise<Reply[]> => Promise.resolve().then(() => deps.handler(turn));

  /** A progress message in the turn's chat: sendMessage, then editMessageText (throttled). */
  const progressIn = (chatId: string) => () =>
    throttledProgress(
      {
        post: async (text) => String((await bot.api.raw.sendMessage({ chat_id: chatId, text })).message_id),
        edit: async (messageId, text) => {
          await bot.api.raw.editMessageText({ chat_id: chatId, message_id: Number(messageId), text });
        },
        onError: (err) => log.warn({ chatId, err: errInfo(err) }, "telegram: progress message failed"),
      },
      { intervalMs: deps.progressIntervalMs ?? 1_000 },
    );

  const runTurn = async (t: Extract<TranslatedUpdate, { kind: "turn" }>): Promise<void> => {
    const { turn, target } = t;
    if (turn.input.kind === "precheckout") return runPrecheckout(turn, turn.input.queryId, target);
    if (turn.input.kind === "file" && turn.input.size > maxFileBytes) {
      // Refused here, before the bot: it could not be downloaded anyway.
      log.info({ chatId: target.chatId, size: turn.input.size, maxBytes: maxFileBytes }, "telegram: file too large");
      const text = fileTooLargeText(turn.from.languageCode, maxFileBytes);
      void enqueue(target, [{ kind: "text", body: [{ text }] }]).catch(() => {});
      return;
    }
    let replies: Reply[];
    try {
      replies = await callHandler({ ...turn, progress: progressIn(target.chatId) });
    } catch (err) {
      // Let Telegram deliver it again: the bot's own idempotency keys make a replay safe.
      await dedupe.unmark(turn.id).catch(() => {});
      throw err;
    }
    if (deps.canDmOnPrivateTurns && turn.chat.kind === "private") await setCanDm(turn.from.externalId, true);
    void enqueue(target, replies).catch(() => {});
  };

  const runPrecheckout = async (turn: InboundTurn, queryId: string, target: RenderTarget): Promise<void> => {
    let answered = false;
    const answer = async (ok: boolean, error?: string) => {
      if (answered) return;
      answered = true;
      await bot.api
        .answerPreCheckoutQuery(
          queryId,
          ok,
          ok ? undefined : { error_message: error ?? failedText(turn.from.languageCode) },
        )
        .catch((err) => log.error({ err: errInfo(err) }, "telegram: answerPreCheckoutQuery failed"));
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), precheckoutTimeoutMs);
    });
    const work = callHandler(turn);
    let replies: Reply[];
    try {
      const first = await Promise.race([work, timedOut]);
      if (first === "timeout") {
        log.warn({ updateId: turn.id, ms: precheckoutTimeoutMs }, "telegram: pre-checkout timed out; declined");
        await answer(false);
        work.catch((err) => log.error({ err: errInfo(err) }, "telegram: late pre-checkout handler failed"));
        return;
      }
      replies = first;
    } catch (err) {
      log.error({ updateId: turn.id, err: errInfo(err) }, "telegram: pre-checkout handler failed; declined");
      await answer(false);
      return;
    } finally {
      clearTimeout(timer);
    }
    const verdict = replies.find((r) => r.kind === "answer_precheckout" && r.queryId === queryId);
    if (verdict?.kind === "answer_precheckout") await answer(verdict.ok, verdict.error);
    else await answer(false);
    const rest = replies.filter((r) => r !== verdict);
    if (rest.length) void enqueue(target, rest).catch(() => {});
  };

  const handleUpdate = async (update: Update): Promise<HandleOutcome> => {
    const t = translateUpdate(update, { id: me.id, username: me.username }, readFile);
    switch (t.kind) {
      case "ignore":
        return "ignored";
      case "answer_only":
        void answerCallback(t.callbackQueryId);
        return "ignored";
      case "can_dm":
        if (!(await dedupe.mark(String(update.update_id)))) return "duplicate";
        await setCanDm(t.externalId, t.canDm);
        return "handled";
      case "turn":
        // At once, before anything slow (even before the dedupe; answering a duplicate again is harmless).
        if (t.callbackQueryId) void answerCallback(t.callbackQueryId);
        if (!(await dedupe.mark(t.turn.id))) return "duplicate";
        await runTurn(t);
        return "handled";
    }
  };

  // Long polling goes through grammY's own loop; every update ends up in the same handler.
  bot.use(async (ctx) => {
    await handleUpdate(ctx.update);
  });
  bot.catch((e) => log.error({ err: errInfo(e.error), updateId: e.ctx.update.update_id }, "telegram: update failed"));

  let polling: Promise<void> | undefined;
  const drain = async () => {
    while (pending.size) await Promise.allSettled([...pending]);
  };

  return {
    bot,
    botInfo: me,
    source,
    limiter,
    capabilities: {
      deepLink: (payload) =>
        /^[A-Za-z0-9_-]{1,64}$/.test(payload) ? `https://t.me/${me.username}?start=${payload}` : null,
      starsInvoices: true,
      buttons: "native",
      files: true,
      isGroupAdmin: groupAdminCheck(bot.api, { ...(deps.groupAdminCacheMs ? { ttlMs: deps.groupAdminCacheMs } : {}) }),
    },
    handleUpdate,
    send(chatId, replies) {
      return enqueue({ chatId, chatKind: isPrivateChatId(chatId) ? "private" : "group" }, replies);
    },
    async refundStarPayment(userId, chargeId) {
      try {
        await bot.api.refundStarPayment(Number(userId), chargeId);
        return { alreadyRefunded: false };
      } catch (err) {
        if (err instanceof GrammyError && /CHARGE_ALREADY_REFUNDED/i.test(err.description))
          return { alreadyRefunded: true };
        throw err;
      }
    },
    async setWebhook(url, secretToken) {
      await bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: [...ALLOWED_UPDATES] });
    },
    async webhookInfo() {
      const info = await bot.api.getWebhookInfo();
      return {
        pendingUpdateCount: info.pending_update_count,
        lastErrorDate: info.last_error_date ?? null,
        lastErrorMessage: info.last_error_message ?? null,
      };
    },
    startPolling() {
      return new Promise<void>((resolve, reject) => {
        polling = bot.start({ allowed_updates: [...ALLOWED_UPDATES], timeout: 25, onStart: () => resolve() });
        polling.catch((err) => {
          log.error({ err: errInfo(err) }, "telegram: polling stopped");
          reject(err);
        });
      });
    },
    async stop(opts = {}) {
      if (bot.isRunning()) await bot.stop();
      await polling?.catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, opts.drainTimeoutMs ?? 10_000)));
      await Promise.race([drain(), timeout]);
      clearTimeout(timer);
      if (queuedCalls > 0) log.warn({ queuedCalls }, "telegram: stopped with messages still queued");
    },
    drain,
    outboundStats: () => ({ queuedCalls, chats: chains.size }),
  };
}

/** Error details safe to log: never the API payload (it can hold codes) nor the token. */
export function errInfo(err: unknown): Record<string, unknown> {
  if (err instanceof GrammyError)
    return { type: "GrammyError", method: err.method, code: err.error_code, description: err.description };
  if (err instanceof HttpError) return { type: "HttpError", message: err.message.replace(/bot\d+:[\w-]+/g, "bot***") };
  if (err instanceof Error) return { type: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
