import type { UserFromGetMe } from "grammy/types";

/**
 * A fake Telegram Bot API at the HTTP boundary: pass `api.fetch` as grammY's `client.fetch`. It records
 * every call (method, JSON body, time), answers like Telegram does (message objects with ids, `true` for
 * answers), validates what Telegram validates for our calls (HTML entities, 4096 characters, 64-byte
 * callback data) and can be told to fail (e.g. 429 with `retry_after`). It also serves what bots read:
 * files users sent (`getFile`, then the download at `/file/bot<token>/<file_path>`, with Telegram's 20 MB
 * cap) and group membership (`getChatMember`).
 */
export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
  /** performance.now() when the request arrived. */
  at: number;
  /** What the fake answered. */
  response: ApiResponse;
}

type ApiResponse =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };

export const FAKE_BOT_INFO: UserFromGetMe = {
  id: 777000111,
  is_bot: true,
  first_name: "Kameng Shop",
  username: "kameng_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

/** What the Bot API lets a bot download (`getFile` refuses bigger files with "file is too big"). */
export const BOT_API_FILE_LIMIT = 20 * 1024 * 1024;

/** A `Document` as it appears in a message, for the update builders (tests/channels/telegram/updates.ts). */
export interface FakeDocument {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export type MemberStatus = "creator" | "administrator" | "member" | "restricted" | "left" | "kicked";

/** Methods whose calls are messages a user sees (what Telegram's flood limits count). */
export const MESSAGE_METHODS = new Set(["sendMessage", "editMessageText", "sendInvoice", "editMessageReplyMarkup"]);

export class FakeBotApi {
  readonly calls: RecordedCall[] = [];
  private readonly failures: { method: string; response: ApiResponse; times: number }[] = [];
  private readonly nextMessageId = new Map<string, number>();
  private readonly refunded = new Set<string>();
  private readonly files = new Map<string, { path: string; bytes: Uint8Array; size: number }>();
  private readonly members = new Map<string, MemberStatus>();
  private fileSeq = 0;
  private readonly botInfo: UserFromGetMe;
  private readonly latencyMs: number;

  constructor(opts: { botInfo?: UserFromGetMe; latencyMs?: number } = {}) {
    this.botInfo = opts.botInfo ?? FAKE_BOT_INFO;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  /** Updates served to long polling (`getUpdates`), in order. */
  readonly pendingUpdates: { update_id: number }[] = [];
  /** What `getWebhookInfo` answers (tests set the backlog and the last delivery error). */
  webhookInfo: { url: string; pending_update_count: number; last_error_date?: number; last_error_message?: string } = {
    url: "https://shop.example/telegram/webhook",
    pending_update_count: 0,
  };

  /** Answers the next `times` calls of `method` with `response` (e.g. a 429). */
  failNext(method: string, response: ApiResponse, times = 1): void {
    this.failures.push({ method, response, times });
  }

  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    this.failNext(
      method,
      {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${retryAfterSeconds}`,
        parameters: { retry_after: retryAfterSeconds },
      },
      times,
    );
  }

  /**
   * The callback data of the button labelled `label` on the latest message with a keyboard sent or
   * edited in `chatId`, and that message's id (what a user pressing it would send back).
   */
  button(chatId: string, label: RegExp): { data: string; messageId: number } {
    const call = [...this.calls]
      .reverse()
      .find(
        (c) =>
          c.payload.chat_id === chatId &&
          c.response.ok &&
          (c.payload.reply_markup as { inline_keyboard?: unknown })?.inline_keyboard,
      );
    const rows = (call?.payload.reply_markup as { inline_keyboard: { text: string; callback_data?: string }[][] })
      ?.inline_keyboard;
    const b = rows?.flat().find((x) => x.callback_data && label.test(x.text));
    if (!b) throw new Error(`no button ${label} in ${JSON.stringify(rows?.flat().map((x) => x.text) ?? [])}`);
    const messageId =
      call!.method === "editMessageText"
        ? Number(call!.payload.message_id)
        : (call!.response as { result: { message_id: number } }).result.message_id;
    return { data: b.callback_data!, messageId };
  }

  /**
   * A file a user uploaded: what the message's `document` says and what the download serves. `declaredSize`
   * overrides the size Telegram reports (e.g. a 25 MB file without allocating 25 MB).
   */
  addFile(
    bytes: Uint8Array | string,
    opts: { name?: string; mimeType?: string; declaredSize?: number; omitSize?: boolean } = {},
  ): FakeDocument {
    const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const n = ++this.fileSeq;
    const file_id = `BQACAgIAAxkBAAI${String(n).padStart(4, "0")}fake${"x".repeat(40)}`;
    const size = opts.declaredSize ?? data.byteLength;
    const ext = /\.[a-z0-9]+$/i.exec(opts.name ?? "")?.[0] ?? "";
    this.files.set(file_id, { path: `documents/file_${n}${ext}`, bytes: data, size });
    return {
      file_id,
      file_unique_id: `AgAD${n}fake`,
      ...(opts.name ? { file_name: opts.name } : {}),
      ...(opts.mimeType ? { mime_type: opts.mimeType } : {}),
      ...(opts.omitSize ? {} : { file_size: size }),
    };
  }

  /** What `getChatMember(chatId, userId)` answers (default `member`). */
  setMember(chatId: string | number, userId: string | number, status: MemberStatus): void {
    this.members.set(`${chatId}:${userId}`, status);
  }

  /** Paths of the files downloaded, in order. */
  downloads(): string[] {
    return this.callsOf("downloadFile").map((c) => String(c.payload.file_path));
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Successful user-visible messages, as `{ chatId, at }` for the rate-limit checker. */
  sends(): { chatId: string; at: number; method: string }[] {
    return this.calls
      .filter((c) => MESSAGE_METHODS.has(c.method) && c.response.ok)
      .map((c) => ({ chatId: String(c.payload.chat_id), at: c.at, method: c.method }));
  }

  /** Texts of successful sendMessage/editMessageText calls to a chat, in order. */
  textsTo(chatId: string | number): string[] {
    return this.calls
      .filter(
        (c) =>
          (c.method === "sendMessage" || c.method === "editMessageText") &&
          c.response.ok &&
          String(c.payload.chat_id) === String(chatId),
      )
      .map((c) => String(c.payload.text));
  }

  clear(): void {
    this.calls.length = 0;
    this.failures.length = 0;
  }

  readonly fetch = (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const download = /\/file\/bot[^/]+\/(.+)$/.exec(new URL(url).pathname);
    if (download) return this.serveFile(decodeURIComponent(download[1]!));
    const method = url.slice(url.lastIndexOf("/") + 1);
    const at = performance.now();
    let payload: Record<string, unknown> = {};
    if (typeof init?.body === "string" && init.body.length) payload = JSON.parse(init.body) as Record<string, unknown>;
    if (method === "getUpdates" && !this.pendingUpdates.some((u) => u.update_id >= Number(payload.offset ?? 0)))
      await new Promise((r) => setTimeout(r, 20)); // a short "long poll" when there is nothing
    const response = this.answer(method, payload);
    this.calls.push({ method, payload, at, response });
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    return new Response(JSON.stringify(response), {
      status: response.ok ? 200 : response.error_code,
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;

  /** The file download: `GET <apiRoot>/file/bot<token>/<file_path>` answers the bytes, or 404. */
  private serveFile(path: string): Response {
    const file = [...this.files.values()].find((f) => f.path === path);
    const response: ApiResponse = file
      ? { ok: true, result: true }
      : { ok: false, error_code: 404, description: "Not Found" };
    this.calls.push({ method: "downloadFile", payload: { file_path: path }, at: performance.now(), response });
    if (!file) return new Response(JSON.stringify(response), { status: 404 });
    return new Response(Buffer.from(file.bytes), {
      status: 200,
      headers: { "content-type": "application/octet-stream", "content-length": String(file.bytes.byteLength) },
    });
  }

  private answer(method: string, p: Record<string, unknown>): ApiResponse {
    const f = this.failures.find((x) => x.method === method && x.times > 0);
    if (f) {
      f.times--;
      return f.response;
    }
    const bad = (description: string): ApiResponse => ({ ok: false, error_code: 400, description });
    switch (method) {
      case "getMe":
        return { ok: true, result: this.botInfo };
      case "getWebhookInfo":
        return { ok: true, result: { has_custom_certificate: false, ...this.webhookInfo } };
      case "setWebhook":
      case "deleteWebhook":
      case "answerCallbackQuery":
      case "answerPreCheckoutQuery":
        return { ok: true, result: true };
      case "refundStarPayment": {
        const key = String(p.telegram_payment_charge_id);
        if (this.refunded.has(key)) return bad("Bad Request: CHARGE_ALREADY_REFUNDED");
        this.refunded.add(key);
        return { ok: true, result: true };
      }
      case "getFile": {
        const file = this.files.get(String(p.file_id));
        if (!file) return bad("Bad Request: invalid file_id");
        if (file.size > BOT_API_FILE_LIMIT) return bad("Bad Request: file is too big");
        const file_unique_id = `AgAD${file.path.replace(/\D/g, "")}fake`;
        return {
          ok: true,
          result: { file_id: p.file_id, file_unique_id, file_size: file.size, file_path: file.path },
        };
      }
      case "getChatMember": {
        if (p.chat_id === undefined || p.user_id === undefined) return bad("Bad Request: chat_id is empty");
        const status = this.members.get(`${p.chat_id}:${p.user_id}`) ?? "member";
        return { ok: true, result: chatMember(status, Number(p.user_id)) };
      }
      case "getUpdates": {
        const offset = Number(p.offset ?? 0);
        return { ok: true, result: this.pendingUpdates.filter((u) => u.update_id >= offset) };
      }
      case "sendMessage":
      case "editMessageText": {
        if (p.chat_id === undefined) return bad("Bad Request: chat_id is empty");
        const problem = validateMessage(p);
        if (problem) return bad(problem);
        const chat = chatOf(p.chat_id);
        const message_id = method === "editMessageText" ? Number(p.message_id) : this.messageId(String(p.chat_id));
        return {
          ok: true,
          result: { message_id, date: Math.floor(Date.now() / 1000), chat, text: stripHtml(String(p.text)) },
        };
      }
      case "sendInvoice": {
        if (p.currency !== "XTR") return bad("Bad Request: CURRENCY_INVALID");
        if (p.provider_token !== undefined && p.provider_token !== "")
          return bad("Bad Request: PROVIDER_TOKEN_INVALID (Stars need an empty token)");
        const prices = p.prices as { amount: number }[];
        if (!Array.isArray(prices) || prices.length !== 1 || !(prices[0]!.amount > 0))
          return bad("Bad Request: STARS_INVOICE_INVALID");
        return {
          ok: true,
          result: {
            message_id: this.messageId(String(p.chat_id)),
            date: Math.floor(Date.now() / 1000),
            chat: chatOf(p.chat_id),
            invoice: {
              title: p.title,
              description: p.description,
              start_parameter: "",
              currency: "XTR",
              total_amount: prices[0]!.amount,
            },
          },
        };
      }
      default:
        return { ok: true, result: true };
    }
  }

  private messageId(chatId: string): number {
    const n = (this.nextMessageId.get(chatId) ?? 100) + 1;
    this.nextMessageId.set(chatId, n);
    return n;
  }
}

/** A `ChatMember` the way Telegram sends it for each status. */
function chatMember(status: MemberStatus, userId: number): Record<string, unknown> {
  const user = { id: userId, is_bot: false, first_name: `User${userId}` };
  switch (status) {
    case "creator":
      return { status, user, is_anonymous: false };
    case "administrator":
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
      };
    case "restricted":
      return { status, user, is_member: true, until_date: 0, can_send_messages: false };
    case "kicked":
      return { status, user, until_date: 0 };
    case "member":
    case "left":
      return { status, user };
  }
}

function chatOf(chatId: unknown) {
  const id = Number(chatId);
  return id > 0 ? { id, type: "private", first_name: "User" } : { id, type: "supergroup", title: "Group" };
}

function validateMessage(p: Record<string, unknown>): string | undefined {
  const text = String(p.text ?? "");
  let visible: number;
  if (p.parse_mode === "HTML") {
    const parsed = parseTelegramHtml(text);
    if (typeof parsed === "string") return `Bad Request: can't parse entities: ${parsed}`;
    visible = parsed;
  } else visible = text.length;
  if (visible === 0) return "Bad Request: message text is empty";
  if (visible > 4096) return "Bad Request: message is too long";
  const markup = p.reply_markup as { inline_keyboard?: { callback_data?: string; url?: string }[][] } | undefined;
  for (const row of markup?.inline_keyboard ?? [])
    for (const b of row) {
      if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) > 64)
        return "Bad Request: BUTTON_DATA_INVALID";
      if (b.callback_data === undefined && b.url === undefined) return "Bad Request: BUTTON_TYPE_INVALID";
    }
  return undefined;
}

const TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler"]);

/** Telegram's HTML parse mode, strictly: the visible length, or a description of the problem. */
export function parseTelegramHtml(html: string): number | string {
  const stack: string[] = [];
  let visible = 0;
  for (let i = 0; i < html.length;) {
    const ch = html[i]!;
    if (ch === "<") {
      const m = /^<(\/?)([a-z-]+)(\s[^<>]*)?>/.exec(html.slice(i, i + 200));
      if (!m || !TAGS.has(m[2]!)) return `unsupported start tag at byte offset ${i}`;
      if (m[1]) {
        if (stack.pop() !== m[2]) return `unmatched end tag "${m[2]}" at byte offset ${i}`;
      } else stack.push(m[2]!);
      i += m[0].length;
    } else if (ch === "&") {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i, i + 12));
      if (!m) return `unsupported entity at byte offset ${i}`;
      visible++;
      i += m[0].length;
    } else if (ch === ">") {
      return `unexpected ">" at byte offset ${i}`;
    } else {
      visible++;
      i++;
    }
  }
  if (stack.length) return `unclosed tag "${stack[stack.length - 1]}"`;
  return visible;
}

/** The text a user sees: tags removed, entities decoded. */
export function stripHtml(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}
