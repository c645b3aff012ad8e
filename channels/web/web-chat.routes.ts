import { Hono, type Context } from "hono";
import { z } from "zod";
import { isTimeZone } from "../../bots/i18n/index.ts";
import type { InboundTurn, Reply, TurnHandler } from "../../bots/turn.ts";
import { safeForChat } from "../../bots/turn.ts";
import { errorJson, expectedErrorHandler, readJson } from "../http/errors.ts";
import { clientIp, overLimit, type RateLimiter } from "../http/rate-limit.ts";
import { webChatPage } from "./page.ts";
import { createWebTokens } from "./web-identity.ts";
import { keep, type WebMailbox, type WebReply } from "./web-mailbox.ts";
import { kept, type WebTranscript } from "./web-transcript.ts";

export interface WebChatDeps {
  /** The bot entry point (e.g. `shopBot.handle`). */
  handle: TurnHandler;
  /** Where the bot's own messages for web browsers wait to be polled (deliver outbound `web` messages here). */
  mailbox: WebMailbox;
  /** Signs browser tokens (≥ 16 bytes). Keep it stable across restarts, or browsers get new identities. */
  secret: string | Buffer;
  /**
   * Durable at-least-once dedupe of turn ids (e.g. `(id) => markTurnProcessed(db, "web", id)` from
   * bots/dedupe.ts). Returns false for a repeat. Without it, every request is processed.
   */
  dedupe?: (turnId: string) => Promise<boolean>;
  title?: string;
  /** Longest long-poll wait (default 20 s). */
  maxPollWaitMs?: number;
  /**
   * Where each browser's conversation is kept (the same as the mailbox's), so a reload shows it again.
   * Without it, a reload starts an empty page (the account, wallet and orders stay).
   */
  transcript?: WebTranscript;
  /** New sessions per client IP, messages per browser; absent = no limit. */
  limits?: { perIp?: RateLimiter; perBrowser?: RateLimiter; trustProxy?: boolean };
}

const turnBody = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  input: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("text"), text: z.string().min(1).max(1000) }),
    z.object({
      kind: z.literal("command"),
      command: z.string().regex(/^[A-Za-z0-9_]{1,32}$/),
      payload: z.string().max(256).default(""),
    }),
    z.object({
      kind: z.literal("button"),
      data: z.string().max(64),
      messageId: z.string().max(64).optional(),
    }),
  ]),
  lang: z.string().max(35).optional(),
  name: z.string().max(64).optional(),
  /** The browser's IANA time zone (times are shown in it). */
  tz: z.string().max(64).optional(),
  /** A turn the page sends by itself (the /start on load): not shown as the buyer's message. */
  silent: z.boolean().optional(),
});

/** Messages a reload shows at most. */
const HISTORY_LIMIT = 100;

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/**
 * The local web chat: a page at `/` and the JSON endpoints it uses under `/web/*`. The same shop bot
 * as Telegram, a per-browser identity, no account. Mount with `app.route("/", webChatRoutes(deps))`.
 */
export function webChatRoutes(deps: WebChatDeps) {
  const tokens = createWebTokens(deps.secret);
  const page = webChatPage({ title: deps.title ?? "卡盟 Kameng · Web chat" });
  const maxWait = deps.maxPollWaitMs ?? 20_000;
  const app = new Hono();
  // Bad turns are answered here (also when mounted alone); anything unexpected goes to the root's mapper.
  app.onError(expectedErrorHandler);

  const unauthorized = (c: Context) => errorJson(c, 401, "unauthorized", "missing or invalid web chat token");
  const browserOf = (auth: string | undefined) => tokens.verify(auth?.replace(/^Bearer\s+/i, "") ?? null);

  app.get("/", (c) => {
    c.header("cache-control", "no-store");
    c.header(
      "content-security-policy",
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
    );
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    return c.html(page);
  });

  app.post("/web/session", async (c) => {
    // A session is a new identity (with demo credit on the embedded default): counted per client IP.
    const limited = await overLimit(c, deps.limits?.perIp, `ip:${clientIp(c, deps.limits?.trustProxy)}`);
    return limited ?? c.json(tokens.issue());
  });

  app.post("/web/turn", async (c) => {
    const browserId = browserOf(c.req.header("authorization"));
    if (!browserId) return unauthorized(c);
    const limited = await overLimit(c, deps.limits?.perBrowser, `web:${browserId}`);
    if (limited) return limited;
    const body = await readJson(c, turnBody);
    if (deps.dedupe && !(await deps.dedupe(`${browserId}:${body.id}`)))
      return c.body(json({ replies: [], duplicate: true }), 200, { "content-type": "application/json" });
    const input =
      body.input.kind === "command" ? { ...body.input, command: body.input.command.toLowerCase() } : body.input;
    const turn: InboundTurn = {
      id: `${browserId}:${body.id}`,
      channel: "web",
      chat: { id: browserId, kind: "private" },
      from: {
        externalId: browserId,
        displayName: body.name?.trim() || `Web ${browserId.slice(1, 7)}`,
        ...(body.lang ? { languageCode: body.lang } : {}),
        ...(body.tz && isTimeZone(body.tz) ? { timeZone: body.tz } : {}),
      },
      input,
      // Risk signals for orders placed from this turn (docs/risk.md): the browser is the device.
      client: { device: browserId, ...knownIp(clientIp(c, deps.limits?.trustProxy)) },
    };
    const said = body.silent ? undefined : typedText(input);
    if (said && deps.transcript) await deps.transcript.append(browserId, [{ from: "me", text: said }]);
    const replies: Reply[] = safeForChat(await deps.handle(turn), turn.chat);
    const shown = deps.transcript ? await record(deps.transcript, browserId, input, replies) : replies;
    return c.body(json({ replies: shown }), 200, {
      "content-type": "application/json",
      "cache-control": "no-store",
    });
  });

  /** The conversation so far (oldest first) and the mailbox position to poll from. */
  app.get("/web/history", async (c) => {
    const browserId = browserOf(c.req.header("authorization"));
    if (!browserId) return unauthorized(c);
    // Read the position first: a message delivered in between is in both, and the page keeps one.
    const head = deps.mailbox.head(browserId);
    const messages = deps.transcript ? await deps.transcript.recent(browserId, HISTORY_LIMIT) : [];
    const safe = messages.map((m) =>
      m.from === "bot" ? { ...m, reply: safeForChat([m.reply], { kind: "private" })[0] } : m,
    );
    return c.body(json({ messages: safe.filter((m) => m.from === "me" || m.reply), head }), 200, {
      "content-type": "application/json",
      "cache-control": "no-store",
    });
  });

  app.get("/web/poll", async (c) => {
    const browserId = browserOf(c.req.header("authorization"));
    if (!browserId) return unauthorized(c);
    const after = Math.max(0, Number.parseInt(c.req.query("after") ?? "0", 10) || 0);
    const waitQ = c.req.query("wait");
    const wait = Math.min(maxWait, Math.max(0, waitQ === undefined ? maxWait : Number.parseInt(waitQ, 10) || 0));
    const messages = await deps.mailbox.take(browserId, after, wait, c.req.raw.signal);
    return c.body(json({ messages, head: deps.mailbox.head(browserId) }), 200, {
      "content-type": "application/json",
      "cache-control": "no-store",
    });
  });

  return app;
}

/** What the buyer typed, as the page shows it. */
function typedText(input: InboundTurn["input"]): string | undefined {
  if (input.kind === "text") return input.text;
  if (input.kind === "command") return `/${input.command}${input.payload ? ` ${input.payload}` : ""}`;
  return undefined;
}

/**
 * Keeps the bot's replies in the transcript: the first reply that edits replaces the message whose
 * button was pressed (as on the page), the others are appended. Each reply comes back with its id.
 */
async function record(
  transcript: WebTranscript,
  browserId: string,
  input: InboundTurn["input"],
  replies: Reply[],
): Promise<WebReply[]> {
  const editOf = input.kind === "button" ? input.messageId : undefined;
  const first = editOf ? replies.findIndex((r) => kept(r) && "edit" in r && r.edit === true) : -1;
  if (first >= 0 && editOf && (await transcript.replace(browserId, editOf, replies[first]!))) {
    const rest = await keep(
      transcript,
      browserId,
      replies.filter((_, i) => i !== first),
    );
    rest.splice(first, 0, { ...replies[first]!, mid: editOf });
    return rest;
  }
  return keep(transcript, browserId, replies);
}

/** The client IP when the server knows it (`unknown` behind an untrusted proxy or in tests is left out). */
function knownIp(ip: string): { ip?: string } {
  return ip && ip !== "unknown" ? { ip } : {};
}
