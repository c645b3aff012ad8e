/**
 * The channel-agnostic turn model: the one contract between channels (Telegram, web chat, WeChat,
 * Slack, ...) and the bots. It imports no platform SDK and no core module (only the list of chat channels,
 * `CHAT_CHANNELS` in core/shared/context.ts, so that list is written once).
 *
 * ## Inbound
 * A channel translates each platform update into one `InboundTurn`:
 * - `id` is the channel's delivery id (Telegram `update_id`, a web request nonce, ...). Platforms deliver
 *   at least once, so the CHANNEL dedupes durably on `(channel, id)` before it calls the bot (helper:
 *   `markTurnProcessed` in bots/dedupe.ts, over `processed_updates`). The bot additionally derives its own
 *   idempotency keys from conversation state, so a duplicate that slips through cannot double-charge.
 * - `chat` says where: a `private` chat with the bot or a `group`. `chat.id` is the platform chat id.
 * - `from` says who: the platform user id (`externalId`) plus profile hints. The bot resolves it to an
 *   internal user (core/identity); `languageCode` (IETF, e.g. "zh-hans", "en-US") picks the first locale.
 * - `input` says what: free text, a `/command payload` (the channel strips the `/` and any `@botname`),
 *   a button press carrying the `data` of a `CallbackButton` it rendered earlier (and the platform id of
 *   the message that carried it, so an `edit` reply can replace it), a payment event, or a `file` the user
 *   uploaded (e.g. an operator's CSV of codes). A file turn carries the file's name, MIME type and size;
 *   its bytes are downloaded only when the bot calls `read(maxBytes)`, which refuses more than `maxBytes`
 *   (`FileTooLargeError`). Channels refuse files above their own limit (Telegram: 20 MB, the Bot API's cap)
 *   with a reply of their own, so the bot never sees them. A file turn is not plain data (it holds `read`):
 *   do not serialize turns.
 *
 * ## Outbound
 * The bot answers with `Reply[]`, rendered in order. Texts are already localized. Rules for renderers:
 * - `text.body` is a list of `TextPart`s; render each part with its style and escape everything else
 *   (`toPlain`/`toHtml` below are safe defaults; Telegram HTML parse mode accepts `toHtml`'s output).
 * - `buttons` are rows of callback buttons (`data` ≤ 64 bytes, opaque: send it back verbatim as a
 *   `button` input) and URL buttons.
 * - `edit: true` on a text/prompt means: replace the message the triggering button was on, when the
 *   platform can (`input.messageId`); otherwise send it as a new message.
 * - `codes` is a private code delivery. A channel MUST refuse to render it in a group chat (drop it and
 *   log; never post a code to a group). Render each code monospace and easy to copy; split long lists
 *   across messages under the platform's size limit.
 * - `prompt` asks for free text (Telegram: ForceReply; web: focus the input with a placeholder).
 * - `invoice` is a Telegram Stars (XTR) invoice; only emitted when the channel said it supports them.
 *   `payload` comes back as `invoicePayload` in the `precheckout`/`payment` inputs.
 * - `deep_link` invites the user into a private chat with the bot (from a group): render as a URL button.
 * - `answer_precheckout` answers the `precheckout` input with the same `queryId` (within 10 s).
 * - `toast` is a short ephemeral notice (Telegram: the answerCallbackQuery text; web: a transient banner).
 *   Channels answer callback queries at once regardless; a toast only adds text.
 *
 * ## What a channel can do (`ChannelCapabilities`)
 * Deep links, Stars invoices, and (optional fields, defaults in brackets): `buttons` — `"native"` buttons
 * the user taps, or `"numbered"`: the channel renders each button row as a numbered text menu and maps a
 * typed number back to the button's `data` (WeChat personal accounts) [native]; `files` — whether users
 * can send `file` inputs [false]; `isGroupAdmin(chatId, externalUserId)` — whether that user administers
 * that group (Telegram: getChatMember says creator or administrator, cached briefly) [absent: the channel
 * has no groups, e.g. the web chat].
 *
 * ## Messages the bot starts
 * Progress, deliveries and restock notices come from domain events, not turns: the bot returns
 * `OutboundMessage`s addressed to a user's private chat on one channel (`chatId` = the private chat id,
 * which for Telegram and the web chat is the user's `externalId`). Senders render `replies` like a
 * turn's, in a private chat, and may dedupe on `dedupeKey` (events arrive at least once).
 *
 * Money in this file is `bigint` minor units (Stars for XTR).
 *
 * Stability: additive changes only (new optional fields, new union members that renderers may ignore
 * except `codes`, which must never be rendered in a group).
 */

import type { ChatChannel } from "../core/shared/context.ts";

export type TurnChannel = ChatChannel;
export type ChatKind = "private" | "group";

export interface TurnChat {
  /** Platform chat id (string even when the platform uses numbers). */
  id: string;
  kind: ChatKind;
  title?: string;
}

export interface TurnFrom {
  /** Platform user id. */
  externalId: string;
  displayName: string;
  username?: string;
  /** IETF language tag from the platform, e.g. "zh-hans", "zh-CN", "en". */
  languageCode?: string;
  /** The user's IANA time zone when the channel knows it (the web chat sends the browser's; Telegram does not). */
  timeZone?: string;
}

export interface TextInput {
  kind: "text";
  text: string;
}

export interface CommandInput {
  kind: "command";
  /** Lower-case, without the slash and without "@botname", e.g. "start". */
  command: string;
  /** Everything after the command, trimmed ("" when none); for /start this is the deep-link payload. */
  payload: string;
}

export interface ButtonInput {
  kind: "button";
  /** The `data` of the pressed `CallbackButton`, verbatim. Treat as untrusted. */
  data: string;
  /** Platform id of the message carrying the button (lets an `edit` reply replace it). */
  messageId?: string;
}

/** Telegram `pre_checkout_query`: must be answered (`answer_precheckout`) within 10 s. */
export interface PrecheckoutInput {
  kind: "precheckout";
  queryId: string;
  invoicePayload: string;
  amount: bigint;
  currency: string;
}

/** A completed external payment (Telegram `successful_payment`). Idempotent on `chargeId`. */
export interface PaymentInput {
  kind: "payment";
  provider: "telegram_stars";
  /** `telegram_payment_charge_id`: the idempotency key, and what a Stars refund needs. */
  chargeId: string;
  providerChargeId?: string;
  invoicePayload: string;
  amount: bigint;
  currency: string;
}

/**
 * A file the user sent. Name, type and size come from the platform and are untrusted: check the content.
 * The bytes are fetched lazily, only by `read`.
 */
export interface FileInput {
  kind: "file";
  /** The file name as uploaded ("" when the platform gives none). */
  name: string;
  /** Declared MIME type ("application/octet-stream" when unknown). */
  mimeType: string;
  /** Declared size in bytes (0 when the platform does not say). */
  size: number;
  /** Text sent along with the file. */
  caption?: string;
  /**
   * Downloads the file. Throws `FileTooLargeError` when it is larger than `maxBytes` (or the channel's own
   * limit, whichever is lower), checked on the bytes themselves, not only on the declared size.
   */
  read(maxBytes: number): Promise<Uint8Array>;
}

/** `FileInput.read` refused a file above the limit. */
export class FileTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    /** The size, when known. */
    readonly size?: number,
  ) {
    super(`the file is larger than ${maxBytes} bytes`);
    this.name = "FileTooLargeError";
  }
}

export type TurnInput = TextInput | CommandInput | ButtonInput | PrecheckoutInput | PaymentInput | FileInput;

export interface InboundTurn {
  /** Delivery id, unique per channel; channels dedupe on `(channel, id)`. */
  id: string;
  channel: TurnChannel;
  chat: TurnChat;
  from: TurnFrom;
  input: TurnInput;
  /**
   * A message the bot keeps up to date while the turn runs long (an import's progress), when the channel
   * can edit its messages (Telegram: editMessageText; Slack: chat.update). Absent: no progress is shown.
   */
  progress?: () => ProgressMessage;
  /** Where the channel knows them (the web chat): the client's IP and a device/browser id — risk signals only. */
  client?: { ip?: string; device?: string };
}

/**
 * One message in the turn's chat that says how far a long job has come. The first `update` posts it,
 * later ones edit it in place; the channel throttles edits (intermediate texts may be skipped), but the
 * `done` update is always shown. Best effort: a failed post or edit never fails the turn.
 */
export interface ProgressMessage {
  update(text: string, opts?: { done?: boolean }): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Replies

export type TextStyle = "plain" | "bold" | "italic" | "code" | "pre";

/** A run of text with one style. Renderers escape `text`; styles never nest. */
export interface TextPart {
  text: string;
  style?: TextStyle;
}

export interface CallbackButton {
  kind: "callback";
  label: string;
  /** Opaque, ≤ 64 bytes (Telegram's limit); comes back as `ButtonInput.data`. */
  data: string;
  /** `danger` for what cannot be undone (reject, refund), `primary` for the expected next step. */
  style?: "primary" | "danger";
  /**
   * Asked before the press is sent, where the platform has a native dialog (Slack's `confirm`); elsewhere
   * the button acts at once (Telegram has no confirmation dialog; what moves money still needs approval).
   */
  confirm?: ButtonConfirm;
}

export interface ButtonConfirm {
  title: string;
  text: string;
  ok: string;
  cancel: string;
}

export interface UrlButton {
  kind: "url";
  label: string;
  url: string;
}

export type Button = CallbackButton | UrlButton;
export type ButtonRows = Button[][];

export interface TextReply {
  kind: "text";
  body: TextPart[];
  /**
   * Label/value pairs after the body (a report's figures): Slack shows them as section fields, other
   * channels as a monospace table (`fieldsTable`).
   */
  fields?: ReplyField[];
  buttons?: ButtonRows;
  /** Replace the message the pressed button was on, when possible. */
  edit?: boolean;
  /**
   * The user's message this turn answers carried a secret (a resident ID number): delete it from the chat
   * where the platform lets the bot (Telegram private chats: `deleteMessage`); elsewhere it is at least
   * never quoted back. Channels that cannot may ignore it.
   */
  forgetInput?: boolean;
}

export interface ReplyField {
  label: string;
  value: string;
}

/** Fields as one monospace table part: labels padded to one width, each value after its label. */
export function fieldsTable(fields: readonly ReplyField[]): TextPart {
  const width = Math.max(0, ...fields.map((f) => f.label.length));
  return {
    text: fields
      .map((f) => `${f.label.padEnd(width)}  ${f.value.replace(/\n/g, `\n${" ".repeat(width + 2)}`)}`)
      .join("\n"),
    style: "pre",
  };
}

/** The body with its fields as a table, for channels without a native field layout. */
export const bodyWithFields = (r: Pick<TextReply, "body" | "fields">): TextPart[] =>
  r.fields && r.fields.length > 0 ? [...r.body, { text: "\n" }, fieldsTable(r.fields)] : r.body;

export interface CodeItem {
  code: string;
  password?: string;
}

/** Private code delivery. NEVER render in a group. */
export interface CodesReply {
  kind: "codes";
  orderId: string;
  /** Localized heading, e.g. "Your codes for Steam 50 × 2". */
  title: TextPart[];
  items: CodeItem[];
  /** Localized labels for the renderer. */
  labels: { code: string; password: string; copy: string };
  /** Optional text and buttons after the codes (e.g. "My orders"). */
  footer?: TextPart[];
  buttons?: ButtonRows;
}

/** Ask for free text (a quantity, a phone number, a link code). */
export interface PromptReply {
  kind: "prompt";
  body: TextPart[];
  /** Hint for the input field. */
  placeholder?: string;
  buttons?: ButtonRows;
  edit?: boolean;
  /**
   * The user's message this turn answers carried a secret (a resident ID number): delete it from the chat
   * where the platform lets the bot (Telegram private chats: `deleteMessage`); elsewhere it is at least
   * never quoted back. Channels that cannot may ignore it.
   */
  forgetInput?: boolean;
}

/** Telegram Stars invoice (currency XTR, amount in Stars). */
export interface InvoiceReply {
  kind: "invoice";
  title: string;
  description: string;
  /** ≤ 128 bytes; echoed back in precheckout/payment inputs. */
  payload: string;
  currency: "XTR";
  amount: bigint;
  /** Price line label, e.g. "Steam 50 × 1". */
  label: string;
}

/** Invite the user to a private chat with the bot (used in groups). */
export interface DeepLinkReply {
  kind: "deep_link";
  body: TextPart[];
  label: string;
  url: string;
}

export interface AnswerPrecheckoutReply {
  kind: "answer_precheckout";
  queryId: string;
  ok: boolean;
  /** Localized reason shown to the user when `ok` is false. */
  error?: string;
}

/** A short ephemeral notice (callback-query answer text). */
export interface ToastReply {
  kind: "toast";
  text: string;
  alert?: boolean;
}

export type Reply =
  TextReply | CodesReply | PromptReply | InvoiceReply | DeepLinkReply | AnswerPrecheckoutReply | ToastReply;

/** A message the bot sends on its own (progress, delivery, restock), addressed to a user's private chat. */
export interface OutboundMessage {
  userId: string;
  channel: TurnChannel;
  /** Private chat id on that channel (for Telegram and web, the user's externalId). */
  chatId: string;
  replies: Reply[];
  /**
   * Stable per (event, recipient chat): domain events arrive at least once, so a sender that records
   * this key (e.g. `markTurnProcessed(db, "outbound", dedupeKey)`) sends each message once.
   */
  dedupeKey?: string;
}

/** What a channel tells the bot about itself. */
export interface ChannelCapabilities {
  /** URL that opens a private chat with the bot carrying a start payload, or null when impossible. */
  deepLink(payload: string): string | null;
  /** Whether `invoice` replies (Telegram Stars) can be rendered. */
  starsInvoices: boolean;
  /**
   * `"native"`: buttons are tapped. `"numbered"`: the channel shows them as a numbered text menu and turns
   * a typed number into the button's `data` (WeChat personal accounts). Absent means native.
   */
  buttons?: ButtonStyle;
  /** Whether users can send files here (`file` inputs). Absent means no. */
  files?: boolean;
  /** Whether the user administers the group. Absent on channels without groups (the web chat). */
  isGroupAdmin?(chatId: string, externalUserId: string): Promise<boolean>;
}

export type ButtonStyle = "native" | "numbered";

/** The bot entry point a channel calls. */
export type TurnHandler = (turn: InboundTurn) => Promise<Reply[]>;

// ---------------------------------------------------------------------------------------------------
// Small helpers for building and rendering text

export const plain = (text: string): TextPart => ({ text });
export const bold = (text: string): TextPart => ({ text, style: "bold" });
export const code = (text: string): TextPart => ({ text, style: "code" });

/** The text with styles dropped (WeChat, logs, tests). */
export function toPlain(body: TextPart[]): string {
  return body.map((p) => p.text).join("");
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Safe HTML (only b, i, code, pre tags; all text escaped). Accepted by Telegram's HTML parse mode. */
export function toHtml(body: TextPart[]): string {
  return body
    .map((p) => {
      const t = escapeHtml(p.text);
      switch (p.style) {
        case "bold":
          return `<b>${t}</b>`;
        case "italic":
          return `<i>${t}</i>`;
        case "code":
          return `<code>${t}</code>`;
        case "pre":
          return `<pre>${t}</pre>`;
        default:
          return t;
      }
    })
    .join("");
}

/** Drops code deliveries when the chat is a group: the last line of defence every renderer applies. */
export function safeForChat(replies: Reply[], chat: Pick<TurnChat, "kind">): Reply[] {
  return chat.kind === "private" ? replies : replies.filter((r) => r.kind !== "codes");
}
