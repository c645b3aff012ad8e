import type { RawApi } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import {
  bodyWithFields,
  type ButtonRows,
  type ChatKind,
  type CodeItem,
  type CodesReply,
  type Reply,
  type TextPart,
} from "../../bots/turn.ts";
import { packBlocks, splitHtml, toLines, TELEGRAM_TEXT_LIMIT, type Line } from "./split-text.ts";

/**
 * Replies → Bot API calls, as data. Pure, so the splitting, escaping and the never-codes-in-groups rule
 * are tested without a bot; `telegram.channel.ts` executes the calls.
 */
type P<M extends keyof RawApi> = Parameters<RawApi[M]>[0];

export type ApiOp =
  | { method: "sendMessage"; payload: P<"sendMessage"> }
  /** Edit the message the pressed button was on; when Telegram refuses, send `fallback` instead. */
  | { method: "editMessageText"; payload: P<"editMessageText">; fallback: P<"sendMessage"> }
  | { method: "sendInvoice"; payload: P<"sendInvoice"> }
  | { method: "answerPreCheckoutQuery"; payload: P<"answerPreCheckoutQuery"> }
  /** The user's own message that carried a secret (`forgetInput`): removed from the private chat. */
  | { method: "deleteMessage"; payload: P<"deleteMessage"> };

export interface RenderTarget {
  chatId: string;
  chatKind: ChatKind;
  /** The message whose button was pressed (edits replace it). */
  editMessageId?: number;
  /** In groups, prompts reply to the user's message so ForceReply reaches only them. */
  replyToMessageId?: number;
}

/** Things the renderer refused or dropped, for the caller to log (never containing a code). */
export interface RenderNote {
  level: "warn" | "error";
  msg: string;
  /** A whole reply was not rendered (as opposed to a part of it, like one bad button). */
  refused?: boolean;
  orderId?: string;
  items?: number;
}

export const CALLBACK_DATA_MAX_BYTES = 64;
const INVOICE_TITLE_MAX = 32;
const INVOICE_DESCRIPTION_MAX = 255;
const INVOICE_PAYLOAD_MAX_BYTES = 128;
const PLACEHOLDER_MAX = 64;

export function renderReplies(
  replies: Reply[],
  target: RenderTarget,
  limit = TELEGRAM_TEXT_LIMIT,
): { ops: ApiOp[]; notes: RenderNote[] } {
  const ops: ApiOp[] = [];
  const notes: RenderNote[] = [];
  const chat_id = target.chatId;
  let editUsed = false;

  const sendTexts = (messages: string[], markup: SendMarkup | undefined, edit: boolean) => {
    messages.forEach((text, i) => {
      const last = i === messages.length - 1;
      const send: P<"sendMessage"> = {
        chat_id,
        text,
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(last && markup ? { reply_markup: markup } : {}),
      };
      const inline = last && markup && "inline_keyboard" in markup ? markup : undefined;
      // Only the first message of the first edit reply replaces the pressed one; a ForceReply cannot be edited in.
      if (edit && i === 0 && !editUsed && target.editMessageId !== undefined && (!markup || inline)) {
        editUsed = true;
        ops.push({
          method: "editMessageText",
          payload: {
            chat_id,
            message_id: target.editMessageId,
            text,
            parse_mode: "HTML",
            link_preview_options: { is_disabled: true },
            ...(inline ? { reply_markup: inline } : {}),
          },
          fallback: send,
        });
      } else {
        ops.push({ method: "sendMessage", payload: send });
      }
    });
  };

  // A secret the user typed (an ID number) does not stay in the private chat: deleted before the answer.
  const forget = replies.some((r) => (r.kind === "text" || r.kind === "prompt") && r.forgetInput === true);
  if (forget && target.chatKind === "private" && target.replyToMessageId !== undefined)
    ops.push({ method: "deleteMessage", payload: { chat_id, message_id: target.replyToMessageId } });

  for (const reply of replies) {
    switch (reply.kind) {
      case "text":
        sendTexts(splitHtml(bodyWithFields(reply), limit), keyboard(reply.buttons, notes), reply.edit === true);
        break;
      case "prompt": {
        const inline = keyboard(reply.buttons, notes);
        const markup: SendMarkup = inline ?? {
          force_reply: true,
          selective: true,
          ...(reply.placeholder ? { input_field_placeholder: truncate(reply.placeholder, PLACEHOLDER_MAX) } : {}),
        };
        const messages = splitHtml(reply.body, limit);
        const before = ops.length;
        sendTexts(messages, markup, reply.edit === true);
        if (target.chatKind === "group" && target.replyToMessageId !== undefined && !inline) {
          const op = ops[ops.length - 1];
          if (ops.length > before && op?.method === "sendMessage")
            op.payload.reply_parameters = { message_id: target.replyToMessageId, allow_sending_without_reply: true };
        }
        break;
      }
      case "codes":
        if (target.chatKind !== "private") {
          notes.push({
            level: "error",
            refused: true,
            msg: "refused to send codes to a group chat",
            orderId: reply.orderId,
            items: reply.items.length,
          });
          break;
        }
        sendTexts(packBlocks(codeBlocks(reply), limit), keyboard(reply.buttons, notes), false);
        break;
      case "invoice": {
        if (target.chatKind !== "private") {
          notes.push({ level: "warn", refused: true, msg: "refused to send an invoice to a group chat" });
          break;
        }
        if (Buffer.byteLength(reply.payload) > INVOICE_PAYLOAD_MAX_BYTES) {
          notes.push({ level: "error", refused: true, msg: "invoice payload over 128 bytes; not sent" });
          break;
        }
        ops.push({
          method: "sendInvoice",
          payload: {
            chat_id,
            title: truncate(reply.title, INVOICE_TITLE_MAX),
            description: truncate(reply.description, INVOICE_DESCRIPTION_MAX),
            payload: reply.payload,
            provider_token: "",
            currency: "XTR",
            prices: [{ label: reply.label, amount: Number(reply.amount) }],
          },
        });
        break;
      }
      case "deep_link":
        sendTexts(
          splitHtml(reply.body, limit),
          keyboard([[{ kind: "url", label: reply.label, url: reply.url }]], notes),
          false,
        );
        break;
      case "answer_precheckout":
        ops.push({
          method: "answerPreCheckoutQuery",
          payload: {
            pre_checkout_query_id: reply.queryId,
            ok: reply.ok,
            ...(reply.ok ? {} : { error_message: reply.error ?? "Payment cannot be completed." }),
          },
        });
        break;
      case "toast":
        // Callback queries are answered before the bot runs (see telegram.channel.ts), so a toast can no longer
        // ride on that answer; an alert is worth a message, a plain toast is not.
        if (reply.alert) sendTexts(splitHtml([{ text: reply.text }], limit), undefined, false);
        break;
      default: {
        // Compile-time exhaustiveness; at run time a newer bot's unknown reply is skipped, not fatal.
        const unknown: never = reply;
        notes.push({ level: "warn", msg: `unknown reply kind ${(unknown as { kind?: string }).kind}` });
      }
    }
  }
  return { ops, notes };
}

type SendMarkup = NonNullable<P<"sendMessage">["reply_markup"]>;

export function keyboard(rows: ButtonRows | undefined, notes: RenderNote[] = []): InlineKeyboardMarkup | undefined {
  if (!rows?.length) return undefined;
  const inline_keyboard: InlineKeyboardButton[][] = [];
  for (const row of rows) {
    const out: InlineKeyboardButton[] = [];
    for (const b of row) {
      if (b.kind === "url") out.push({ text: b.label, url: b.url });
      else if (Buffer.byteLength(b.data) > CALLBACK_DATA_MAX_BYTES || b.data.length === 0)
        notes.push({ level: "error", msg: `callback data must be 1–64 bytes; button "${b.label}" dropped` });
      else out.push({ text: b.label, callback_data: b.data });
    }
    if (out.length) inline_keyboard.push(out);
  }
  return inline_keyboard.length ? { inline_keyboard } : undefined;
}

/**
 * Title, then one block per code (a code and its password stay on one line, so a code is never split
 * across messages), then the footer. Codes are monospace: one tap copies them in Telegram.
 */
export function codeBlocks(reply: CodesReply): Line[][] {
  const blocks: Line[][] = [toLines(reply.title), [[]]];
  const numbered = reply.items.length > 1;
  reply.items.forEach((item, i) => blocks.push([codeLine(item, i, numbered, reply.labels)]));
  if (reply.footer?.length) blocks.push([[]], toLines(reply.footer));
  return blocks;
}

function codeLine(item: CodeItem, i: number, numbered: boolean, labels: CodesReply["labels"]): Line {
  const line: TextPart[] = [];
  if (numbered) line.push({ text: `${i + 1}. ` });
  if (item.password !== undefined && item.password !== "") {
    line.push({ text: `${labels.code}: ` }, { text: item.code, style: "code" });
    line.push({ text: `  ${labels.password}: ` }, { text: item.password, style: "code" });
  } else {
    line.push({ text: item.code, style: "code" });
  }
  return line;
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join("") + "…";
}
