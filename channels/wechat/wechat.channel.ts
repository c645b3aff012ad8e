import { types, type Wechaty } from "wechaty";
import type { Contact, Friendship, Message } from "wechaty";
import { markTurnProcessed, unmarkTurnProcessed } from "../../bots/dedupe.ts";
import type { MessageKey, MessageParams } from "../../bots/i18n/index.ts";
import type { ChannelCapabilities, InboundTurn, Reply, TurnFrom, TurnHandler } from "../../bots/turn.ts";
import type { SecretBox, SqlExecutor } from "../../core/shared/index.ts";
import { qrForTerminal } from "./login-qr.ts";
import { DEFAULT_ROOM_KEYWORDS, translateMessage } from "./message-to-turn.ts";
import { createWechatOutbox, type WechatOutbox } from "./outbox.ts";
import { OutboxSender } from "./outbox-sender.ts";
import { renderForWechat, WECHAT_TEXT_LIMIT, type WechatTarget } from "./render.ts";
import { SendBudget, type SendLimits } from "./send-budget.ts";
import { readMessage } from "./wechat-message.ts";

/** The subset of a pino logger the channel uses. Never given a code or a message's text. */
export interface WechatLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What an operator should hear about (the staff console will post these; today they are logged). */
export type WechatAlert =
  | { kind: "scan"; status: string; qr: string }
  | { kind: "login"; account: string; name: string; relogin: boolean }
  | { kind: "logout"; account: string; reason?: string }
  | { kind: "error"; message: string }
  | { kind: "message_given_up"; chatId: string; room: boolean; attempts: number; error: string };

export interface WechatChannelDeps {
  /** A built (not started) wechaty: the puppet is the configuration's (start-wechat.ts) or a test's. */
  wechaty: Wechaty;
  db: SqlExecutor;
  /** Encrypts the outbox bodies (they may hold codes). */
  secrets: SecretBox;
  /** Text turns in, replies out (buttons already numbered: bots/text `TextTurns.handle`). */
  handler: TurnHandler;
  /** Numbers the buttons of a message the bot starts (bots/text `TextTurns.present`); absent: sent as they are. */
  present?: (chatId: string, replies: Reply[]) => Promise<Reply[]>;
  /** The channel's own texts in the sender's language (bots/text `TextTurns.notice`). */
  notice: (turn: { channel: "wechat"; from: TurnFrom }, key: MessageKey, params?: MessageParams) => Promise<string>;
  logger: WechatLogger;
  alert?: (alert: WechatAlert) => void;
  limits?: Partial<SendLimits>;
  roomKeywords?: string[];
  /** Accept friend requests (default true): a buyer must be a contact to chat privately. */
  autoAcceptFriends?: boolean;
  /** Print the login QR code to the terminal (default true). */
  printQr?: (terminalQr: string) => void;
  textLimit?: number;
  /** Outbox sender tuning (tests). */
  sender?: { pollMs?: number; maxAttempts?: number; backoffMs?: (attempt: number) => number; random?: () => number };
  now?: () => number;
}

export interface WechatChannel {
  readonly wechaty: Wechaty;
  readonly capabilities: ChannelCapabilities;
  readonly outbox: WechatOutbox;
  readonly budget: SendBudget;
  /**
   * Starts the outbox sender and wechaty (the puppet logs in, or a QR code is printed). May be called again
   * after it failed (a puppet service that could not be reached).
   */
  start(): Promise<void>;
  /** Stops taking messages, waits for the ones being handled, stops the sender (unsent messages stay in the outbox). */
  stop(): Promise<void>;
  /** Handles one wechaty message (wired to the `message` event; exposed for tests). */
  handleMessage(msg: Message): Promise<"handled" | "hint" | "duplicate" | "ignored">;
  /** Writes bot-initiated replies for a private chat to the outbox (durable once this resolves). */
  send(chatId: string, replies: Reply[]): Promise<void>;
  /** Waits until the messages received so far are handled and the outbox is empty. */
  idle(): Promise<void>;
  stats(): { handling: number; queued: number; sent: number; failed: number };
}

export function createWechatChannel(deps: WechatChannelDeps): WechatChannel {
  const { wechaty, db, logger: log } = deps;
  const now = deps.now ?? (() => Date.now());
  const outbox = createWechatOutbox({ db, secrets: deps.secrets });
  const budget = new SendBudget(deps.limits);
  const limit = deps.textLimit ?? WECHAT_TEXT_LIMIT;
  const keywords = new Set((deps.roomKeywords ?? DEFAULT_ROOM_KEYWORDS).map((w) => w.normalize("NFKC").toLowerCase()));
  const alert = (a: WechatAlert) => deps.alert?.(a);
  let startedAt = Infinity;
  let logins = 0;
  let accepting = false;
  let listening = false;

  const sender = new OutboxSender({
    outbox,
    budget,
    send: (chatId, _room, text) => wechaty.puppet.messageSendText(chatId, text).then(() => {}),
    paused: () => !wechaty.isLoggedIn,
    logger: log,
    onDead: (m) => alert({ kind: "message_given_up", ...m }),
    now,
    ...deps.sender,
  });

  const enqueue = async (messages: Parameters<WechatOutbox["enqueue"]>[0]) => {
    if (!messages.length) return;
    await outbox.enqueue(messages, new Date(now()));
    sender.nudge();
  };

  // One chain per chat: a chat's messages are answered in the order they arrived.
  const chains = new Map<string, Promise<unknown>>();
  const inFlight = new Set<Promise<unknown>>();
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const next = (chains.get(key) ?? Promise.resolve()).catch(() => {}).then(fn);
    chains.set(key, next);
    inFlight.add(next);
    void next
      .finally(() => {
        inFlight.delete(next);
        if (chains.get(key) === next) chains.delete(key);
      })
      .catch(() => {});
    return next;
  };

  async function handleMessage(msg: Message): Promise<"handled" | "hint" | "duplicate" | "ignored"> {
    const inbound = await readMessage(msg);
    const t = translateMessage(inbound, { startedAt, roomKeywords: keywords });
    if (t.kind === "ignore") {
      log.debug({ messageId: inbound.id, reason: t.reason }, "wechat: message ignored");
      return "ignored";
    }
    return serial(t.turn.chat.id, async () => {
      if (!(await markTurnProcessed(db, "wechat", t.turn.id))) return "duplicate";
      if (t.kind === "hint") {
        const text = await deps.notice(t.turn as { channel: "wechat"; from: TurnFrom }, "text.non_text");
        await enqueue([{ chatId: t.turn.chat.id, room: false, text }]);
        return "hint";
      }
      await runTurn(t.turn, msg);
      return "handled";
    });
  }

  async function runTurn(turn: InboundTurn, msg: Message): Promise<void> {
    let replies: Reply[];
    try {
      replies = await deps.handler(turn);
    } catch (err) {
      // WeChat does not deliver a message twice: answer now instead of waiting for a retry that never comes.
      log.error({ err, messageId: turn.id, chatId: turn.chat.id }, "wechat: the bot failed on a message");
      await unmarkTurnProcessed(db, "wechat", turn.id).catch(() => {});
      replies = [{ kind: "text", body: [{ text: await deps.notice(wechatTurn(turn), "common.error") }] }];
    }
    const room = turn.chat.kind === "group";
    const target: WechatTarget = { chatId: turn.chat.id, room };
    if (room) {
      const talker = msg.talker();
      target.talker = { id: talker.id, name: talker.name(), friend: talker.friend() === true };
    }
    const name = target.talker?.name ?? "";
    const bot = wechaty.isLoggedIn ? wechaty.currentUser.name() : "";
    const hasCodes = room && replies.some((r) => r.kind === "codes");
    const roomNotice = hasCodes
      ? {
          sentPrivately: await deps.notice(wechatTurn(turn), "text.codes_sent_privately", { name }),
          addFriend: await deps.notice(wechatTurn(turn), "text.add_friend", { name, bot }),
        }
      : { sentPrivately: "", addFriend: "" };
    const out = renderForWechat(replies, target, roomNotice, limit);
    for (const c of out.roomCodes)
      log[c.outcome === "private" ? "info" : "warn"](
        { chatId: turn.chat.id, orderId: c.orderId, items: c.items, outcome: c.outcome },
        "wechat: codes answered in a room were not posted there",
      );
    if (out.skipped.length) log.warn({ kinds: out.skipped }, "wechat: replies without a text form skipped");
    await enqueue(out.messages);
  }

  async function send(chatId: string, replies: Reply[]): Promise<void> {
    const shown = deps.present ? await deps.present(chatId, replies) : replies;
    const out = renderForWechat(shown, { chatId, room: false }, { sentPrivately: "", addFriend: "" }, limit);
    await enqueue(out.messages);
  }

  const onMessage = (msg: Message) => {
    if (!accepting) return;
    handleMessage(msg).catch((err) => log.error({ err, messageId: msg.id }, "wechat: message handling failed"));
  };

  const onScan = (qr: string, status: types.ScanStatus) => {
    const state = types.ScanStatus[status] ?? String(status);
    alert({ kind: "scan", status: state, qr });
    if (status !== types.ScanStatus.Waiting && status !== types.ScanStatus.Timeout) {
      log.info({ status: state }, "wechat: login QR code status");
      return;
    }
    log.warn({ status: state }, "wechat: not logged in; scan the QR code printed below with the shop's WeChat app");
    void qrForTerminal(qr)
      .then((text) => (deps.printQr ?? ((s: string) => process.stderr.write(`${s}\n`)))(text))
      .catch((err) => log.error({ err }, "wechat: could not draw the QR code"));
  };

  const onLogin = (user: Contact) => {
    logins++;
    const relogin = logins > 1;
    log.info(
      { account: user.id, name: user.name(), relogin },
      relogin ? "wechat: logged in again" : "wechat: logged in",
    );
    alert({ kind: "login", account: user.id, name: user.name(), relogin });
    sender.nudge();
  };

  const onLogout = (user: Contact, reason?: string) => {
    log.warn({ account: user.id, reason }, "wechat: logged out; messages wait in the outbox until it logs in again");
    alert({ kind: "logout", account: user.id, ...(reason ? { reason } : {}) });
  };

  const onError = (err: Error) => {
    log.error({ err: { message: err.message } }, "wechat: wechaty error");
    alert({ kind: "error", message: err.message });
  };

  const onFriendship = async (f: Friendship) => {
    if (deps.autoAcceptFriends === false || f.type() !== types.Friendship.Receive) return;
    try {
      await f.accept();
      log.info({ contact: f.contact().id }, "wechat: friend request accepted");
    } catch (err) {
      log.warn({ err }, "wechat: could not accept a friend request");
    }
  };

  function listen() {
    wechaty.on("message", onMessage);
    wechaty.on("scan", onScan);
    wechaty.on("login", onLogin);
    wechaty.on("logout", onLogout);
    wechaty.on("error", onError);
    wechaty.on("friendship", (f) => void onFriendship(f));
  }

  return {
    wechaty,
    outbox,
    budget,
    capabilities: {
      // WeChat has no deep links into a private chat: the bot says how to reach it instead.
      deepLink: () => null,
      starsInvoices: false,
      buttons: "numbered",
      files: false,
      async isGroupAdmin(chatId, externalUserId) {
        const room = await wechaty.Room.find({ id: chatId });
        return room ? (await room.owner())?.id === externalUserId : false;
      },
    },
    async start() {
      if (!listening) {
        listening = true;
        startedAt = now();
        accepting = true;
        listen();
      }
      await sender.start();
      await wechaty.start();
    },
    async stop() {
      accepting = false;
      await Promise.allSettled([...inFlight]);
      await sender.stop();
      await wechaty.stop().catch((err: unknown) => log.warn({ err }, "wechat: stop failed"));
    },
    handleMessage,
    send,
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await sender.idle();
    },
    stats: () => ({ handling: inFlight.size, ...sender.stats() }),
  };
}

const wechatTurn = (turn: InboundTurn) => ({ channel: "wechat" as const, from: turn.from });
