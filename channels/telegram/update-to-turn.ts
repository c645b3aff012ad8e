import type { Chat, Message, Update, User } from "grammy/types";
import type { ChatKind, InboundTurn, TurnFrom, TurnInput } from "../../bots/turn.ts";
import type { RenderTarget } from "./render.ts";
import type { ReadTelegramFile } from "./telegram-files.ts";

/** What one Telegram update means to the shop. Pure: no I/O. */
export type TranslatedUpdate =
  | {
      kind: "turn";
      turn: InboundTurn;
      target: RenderTarget;
      /** Set for button presses: answered at once, before the bot runs. */
      callbackQueryId?: string;
    }
  /** A button press we cannot act on (inline-mode message, no chat): still answered, nothing else. */
  | { kind: "answer_only"; callbackQueryId: string }
  /** The user started (`true`) or blocked (`false`) the bot in a private chat. */
  | { kind: "can_dm"; externalId: string; canDm: boolean }
  | { kind: "ignore"; reason: string };

export interface BotIdentity {
  id: number;
  username: string;
}

export function chatKind(chat: Pick<Chat, "type">): ChatKind {
  return chat.type === "private" ? "private" : "group";
}

export function turnFrom(user: User): TurnFrom {
  return {
    externalId: String(user.id),
    displayName: [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || String(user.id),
    ...(user.username ? { username: user.username } : {}),
    ...(user.language_code ? { languageCode: user.language_code } : {}),
  };
}

/**
 * `readFile` downloads a document's bytes when the bot asks (telegram-files.ts); without it documents
 * are ignored.
 */
export function translateUpdate(update: Update, bot: BotIdentity, readFile?: ReadTelegramFile): TranslatedUpdate {
  const id = String(update.update_id);

  if (update.callback_query) {
    const q = update.callback_query;
    const msg = q.message;
    if (!msg || q.data === undefined) return { kind: "answer_only", callbackQueryId: q.id };
    const input: TurnInput = { kind: "button", data: q.data, messageId: String(msg.message_id) };
    return {
      kind: "turn",
      callbackQueryId: q.id,
      turn: { id, channel: "telegram", chat: turnChat(msg.chat), from: turnFrom(q.from), input },
      target: {
        chatId: String(msg.chat.id),
        chatKind: chatKind(msg.chat),
        // Only a message the bot can still edit (Telegram reports inaccessible ones with date 0).
        ...(msg.date !== 0 ? { editMessageId: msg.message_id } : {}),
      },
    };
  }

  if (update.pre_checkout_query) {
    const q = update.pre_checkout_query;
    const chatId = String(q.from.id);
    return {
      kind: "turn",
      turn: {
        id,
        channel: "telegram",
        chat: { id: chatId, kind: "private" },
        from: turnFrom(q.from),
        input: {
          kind: "precheckout",
          queryId: q.id,
          invoicePayload: q.invoice_payload,
          amount: BigInt(q.total_amount),
          currency: q.currency,
        },
      },
      target: { chatId, chatKind: "private" },
    };
  }

  if (update.my_chat_member) {
    const m = update.my_chat_member;
    if (m.chat.type !== "private") return { kind: "ignore", reason: "group membership change" };
    const status = m.new_chat_member.status;
    return { kind: "can_dm", externalId: String(m.from.id), canDm: status === "member" || status === "administrator" };
  }

  const msg = update.message;
  if (!msg) return { kind: "ignore", reason: "unsupported update type" };
  if (!msg.from || msg.from.is_bot) return { kind: "ignore", reason: "not from a user" };
  const input = messageInput(msg, bot, readFile);
  if (!input) return { kind: "ignore", reason: "message the shop does not read" };
  return {
    kind: "turn",
    turn: { id, channel: "telegram", chat: turnChat(msg.chat), from: turnFrom(msg.from), input },
    target: { chatId: String(msg.chat.id), chatKind: chatKind(msg.chat), replyToMessageId: msg.message_id },
  };
}

function turnChat(chat: Chat): InboundTurn["chat"] {
  const kind = chatKind(chat);
  return {
    id: String(chat.id),
    kind,
    ...(kind === "group" && "title" in chat && chat.title ? { title: chat.title } : {}),
  };
}

function messageInput(msg: Message, bot: BotIdentity, readFile?: ReadTelegramFile): TurnInput | undefined {
  if (msg.successful_payment) {
    const p = msg.successful_payment;
    return {
      kind: "payment",
      provider: "telegram_stars",
      chargeId: p.telegram_payment_charge_id,
      ...(p.provider_payment_charge_id ? { providerChargeId: p.provider_payment_charge_id } : {}),
      invoicePayload: p.invoice_payload,
      amount: BigInt(p.total_amount),
      currency: p.currency,
    };
  }
  if (msg.document) {
    // In a group: a reply to the bot, or a caption that is a command (`/import SKU`: what privacy mode lets through).
    if (!readFile || !(addressedToBot(msg, bot) || msg.caption?.startsWith("/"))) return undefined;
    const doc = msg.document;
    return {
      kind: "file",
      name: doc.file_name ?? "",
      mimeType: doc.mime_type ?? "application/octet-stream",
      size: doc.file_size ?? 0,
      ...(msg.caption ? { caption: msg.caption } : {}),
      read: (maxBytes) => readFile(doc.file_id, maxBytes, doc.file_size),
    };
  }
  const text = msg.text;
  if (text === undefined) return undefined;
  const first = msg.entities?.[0];
  if (first?.type === "bot_command" && first.offset === 0) {
    const raw = text.slice(1, first.length);
    const at = raw.indexOf("@");
    const command = (at >= 0 ? raw.slice(0, at) : raw).toLowerCase();
    const addressee = at >= 0 ? raw.slice(at + 1) : undefined;
    // In groups, "/buy@otherbot" is for another bot.
    if (addressee && addressee.toLowerCase() !== bot.username.toLowerCase()) return undefined;
    return { kind: "command", command, payload: text.slice(first.length).trim() };
  }
  if (!addressedToBot(msg, bot)) return undefined;
  return { kind: "text", text };
}

/** In groups the bot reads only what is addressed to it: replies to its messages (answers to a prompt). */
function addressedToBot(msg: Message, bot: BotIdentity): boolean {
  return msg.chat.type === "private" || msg.reply_to_message?.from?.id === bot.id;
}
