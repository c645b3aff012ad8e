import type { Update } from "grammy/types";
import type { FakeDocument } from "./fake-bot-api.ts";

/** Builders of realistic Telegram updates for tests and the benchmark. */
let seq = 1_000_000;
export const nextUpdateId = () => ++seq;

export interface TgUser {
  id: number;
  first_name?: string;
  language_code?: string;
  username?: string;
}

const userOf = (u: TgUser) => ({
  id: u.id,
  is_bot: false,
  first_name: u.first_name ?? `User${u.id}`,
  ...(u.username ? { username: u.username } : {}),
  ...(u.language_code ? { language_code: u.language_code } : {}),
});

const privateChat = (u: TgUser) => ({ id: u.id, type: "private" as const, first_name: u.first_name ?? `User${u.id}` });
const groupChat = (id: number) => ({ id, type: "supergroup" as const, title: "Shop group" });
const now = () => Math.floor(Date.now() / 1000);
let msgSeq = 5000;

export function textUpdate(
  user: TgUser,
  text: string,
  opts: { updateId?: number; groupId?: number; replyToBotId?: number } = {},
): Update {
  const command = /^\/\S+/.exec(text);
  return {
    update_id: opts.updateId ?? nextUpdateId(),
    message: {
      message_id: ++msgSeq,
      date: now(),
      chat: opts.groupId ? groupChat(opts.groupId) : privateChat(user),
      from: userOf(user),
      text,
      ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
      ...(opts.replyToBotId
        ? {
            reply_to_message: {
              message_id: msgSeq - 1,
              date: now(),
              chat: opts.groupId ? groupChat(opts.groupId) : privateChat(user),
              from: { id: opts.replyToBotId, is_bot: true, first_name: "Bot" },
              text: "prompt",
            },
          }
        : {}),
    },
  } as Update;
}

export function callbackUpdate(
  user: TgUser,
  data: string,
  opts: { updateId?: number; messageId?: number; groupId?: number } = {},
): Update {
  return {
    update_id: opts.updateId ?? nextUpdateId(),
    callback_query: {
      id: `cbq${nextUpdateId()}`,
      from: userOf(user),
      chat_instance: "ci1",
      data,
      message: {
        message_id: opts.messageId ?? 101,
        date: now(),
        chat: opts.groupId ? groupChat(opts.groupId) : privateChat(user),
        from: { id: 1, is_bot: true, first_name: "Bot" },
        text: "menu",
      },
    },
  } as Update;
}

export function preCheckoutUpdate(
  user: TgUser,
  payload: string,
  amount: number,
  opts: { updateId?: number } = {},
): Update {
  return {
    update_id: opts.updateId ?? nextUpdateId(),
    pre_checkout_query: {
      id: `pcq${nextUpdateId()}`,
      from: userOf(user),
      currency: "XTR",
      total_amount: amount,
      invoice_payload: payload,
    },
  } as Update;
}

export function successfulPaymentUpdate(
  user: TgUser,
  payload: string,
  amount: number,
  chargeId: string,
  opts: { updateId?: number } = {},
): Update {
  return {
    update_id: opts.updateId ?? nextUpdateId(),
    message: {
      message_id: ++msgSeq,
      date: now(),
      chat: privateChat(user),
      from: userOf(user),
      successful_payment: {
        currency: "XTR",
        total_amount: amount,
        invoice_payload: payload,
        telegram_payment_charge_id: chargeId,
        provider_payment_charge_id: "",
      },
    },
  } as Update;
}

export function blockedUpdate(user: TgUser, status: "kicked" | "member" = "kicked"): Update {
  return {
    update_id: nextUpdateId(),
    my_chat_member: {
      chat: privateChat(user),
      from: userOf(user),
      date: now(),
      old_chat_member: {
        user: { id: 1, is_bot: true, first_name: "Bot" },
        status: status === "kicked" ? "member" : "kicked",
      },
      new_chat_member:
        status === "kicked"
          ? { user: { id: 1, is_bot: true, first_name: "Bot" }, status: "kicked", until_date: 0 }
          : { user: { id: 1, is_bot: true, first_name: "Bot" }, status: "member" },
    },
  } as Update;
}

/** A user sends a file (Telegram `document`), e.g. a CSV made with `api.addFile(...)`. */
export function documentUpdate(
  user: TgUser,
  document: FakeDocument,
  opts: { updateId?: number; groupId?: number; replyToBotId?: number; caption?: string } = {},
): Update {
  const chat = opts.groupId ? groupChat(opts.groupId) : privateChat(user);
  return {
    update_id: opts.updateId ?? nextUpdateId(),
    message: {
      message_id: ++msgSeq,
      date: now(),
      chat,
      from: userOf(user),
      document,
      ...(opts.caption ? { caption: opts.caption } : {}),
      ...(opts.replyToBotId
        ? {
            reply_to_message: {
              message_id: msgSeq - 1,
              date: now(),
              chat,
              from: { id: opts.replyToBotId, is_bot: true, first_name: "Bot" },
              text: "prompt",
            },
          }
        : {}),
    },
  } as Update;
}
