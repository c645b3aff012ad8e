import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileTooLargeError, type InboundTurn, type Reply, type TurnHandler } from "../../../bots/turn.ts";
import {
  createTelegramChannel,
  startTelegram,
  telegramWebhookRoutes,
  type TelegramChannel,
  type TelegramChannelDeps,
} from "../../../channels/telegram/index.ts";
import { UpdateDedupe } from "../../../channels/telegram/update-dedupe.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { FAKE_BOT_INFO, FakeBotApi, parseTelegramHtml, stripHtml } from "./fake-bot-api.ts";
import {
  blockedUpdate,
  callbackUpdate,
  documentUpdate,
  preCheckoutUpdate,
  successfulPaymentUpdate,
  textUpdate,
  type TgUser,
} from "./updates.ts";

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase("tgchannel", { poolSize: 5 });
});
afterAll(async () => {
  await testDb?.drop();
});

/** A logger that keeps what it was given (to prove codes never reach the logs). */
function memoryLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const fastLimits = { perChatIntervalMs: 20, globalWindowMs: 50, groupWindowMs: 200, marginMs: 1 };

async function setup(handler: TurnHandler, over: Partial<TelegramChannelDeps> = {}) {
  const api = new FakeBotApi();
  const logger = memoryLogger();
  const canDm: [string, boolean][] = [];
  const channel = await createTelegramChannel({
    token: "123:FAKE",
    botInfo: FAKE_BOT_INFO,
    fetch: api.fetch,
    db: testDb.db.sql,
    handler,
    logger,
    setCanDm: async (id, v) => void canDm.push([id, v]),
    limits: fastLimits,
    ...over,
  });
  return { api, logger, channel, canDm };
}

let nextUser = 5_000_000;
const newUser = (over: Partial<TgUser> = {}): TgUser => ({ id: ++nextUser, language_code: "en", ...over });
const say = (text: string): Reply => ({ kind: "text", body: [{ text }] });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Telegram channel", () => {
  it("translates messages, commands with deep-link payloads, buttons and payments into turns", async () => {
    const turns: InboundTurn[] = [];
    const { channel } = await setup(async (t) => (turns.push(t), []));
    const u = newUser({ first_name: "Ann", username: "ann" });
    await channel.handleUpdate(textUpdate(u, "/start ref_abc123"));
    await channel.handleUpdate(textUpdate(u, "/Buy@kameng_test_bot 3"));
    await channel.handleUpdate(textUpdate(u, "/buy@other_bot 3", { groupId: -100777 }));
    await channel.handleUpdate(textUpdate(u, "chatter in a group", { groupId: -100777 }));
    await channel.handleUpdate(textUpdate(u, "13800138000", { groupId: -100777, replyToBotId: FAKE_BOT_INFO.id }));
    await channel.handleUpdate(textUpdate(u, "hello"));
    await channel.handleUpdate(callbackUpdate(u, "cat:7", { messageId: 55 }));
    await channel.handleUpdate(successfulPaymentUpdate(u, "ord:1", 250, "tgcharge_1"));
    expect(turns.map((t) => [t.chat.kind, t.input])).toEqual([
      ["private", { kind: "command", command: "start", payload: "ref_abc123" }],
      ["private", { kind: "command", command: "buy", payload: "3" }],
      ["group", { kind: "text", text: "13800138000" }],
      ["private", { kind: "text", text: "hello" }],
      ["private", { kind: "button", data: "cat:7", messageId: "55" }],
      [
        "private",
        {
          kind: "payment",
          provider: "telegram_stars",
          chargeId: "tgcharge_1",
          invoicePayload: "ord:1",
          amount: 250n,
          currency: "XTR",
        },
      ],
    ]);
    expect(turns[0]).toMatchObject({
      channel: "telegram",
      chat: { id: String(u.id), kind: "private" },
      from: { externalId: String(u.id), displayName: "Ann", username: "ann", languageCode: "en" },
    });
    expect(channel.capabilities.deepLink("ref_1")).toBe("https://t.me/kameng_test_bot?start=ref_1");
    expect(channel.capabilities.deepLink("bad payload!")).toBeNull();
  });

  it("turns a document into a file turn; the bytes are downloaded only when the bot reads them", async () => {
    const turns: InboundTurn[] = [];
    const { channel, api } = await setup(async (t) => (turns.push(t), []));
    const csv = "code,password\nAAAA-1111,pw1\nBBBB-2222,pw2\n";
    const doc = api.addFile(csv, { name: "codes.csv", mimeType: "text/csv" });
    const u = newUser();
    await channel.handleUpdate(documentUpdate(u, doc, { caption: "restock" }));
    // In a group only a document answering the bot is read.
    await channel.handleUpdate(documentUpdate(u, doc, { groupId: -100777 }));
    await channel.handleUpdate(documentUpdate(u, doc, { groupId: -100777, replyToBotId: FAKE_BOT_INFO.id }));
    expect(turns.map((t) => t.chat.kind)).toEqual(["private", "group"]);
    const input = turns[0]!.input;
    expect(input).toMatchObject({
      kind: "file",
      name: "codes.csv",
      mimeType: "text/csv",
      size: Buffer.byteLength(csv),
      caption: "restock",
    });
    expect(api.callsOf("getFile")).toHaveLength(0);
    if (input.kind !== "file") throw new Error("not a file turn");
    expect(new TextDecoder().decode(await input.read(1024 * 1024))).toBe(csv);
    expect(api.callsOf("getFile").map((c) => c.payload.file_id)).toEqual([doc.file_id]);
    expect(api.downloads()).toEqual(["documents/file_1.csv"]);
    // A bot's own, lower limit is enforced too.
    await expect(input.read(10)).rejects.toBeInstanceOf(FileTooLargeError);
    expect(channel.capabilities).toMatchObject({ buttons: "native", files: true });
  });

  it("refuses a file above the limit with a clear reply in the user's language; the bot never sees it", async () => {
    const turns: InboundTurn[] = [];
    const { channel, api } = await setup(async (t) => (turns.push(t), []));
    const big = api.addFile("x", { name: "all-codes.csv", declaredSize: 25 * 1024 * 1024 });
    const en = newUser({ language_code: "en" });
    const zh = newUser({ language_code: "zh-hans" });
    expect(await channel.handleUpdate(documentUpdate(en, big))).toBe("handled");
    await channel.handleUpdate(documentUpdate(zh, big));
    await channel.drain();
    expect(turns).toEqual([]);
    expect(api.callsOf("getFile")).toHaveLength(0);
    expect(api.textsTo(en.id)).toEqual([
      "This file is too large: the limit is 20 MB. Please split it into smaller files and send them again.",
    ]);
    expect(api.textsTo(zh.id)[0]).toContain("文件太大：最多 20 MB");
  });

  it("checks the bytes against the limit when Telegram does not say the size", async () => {
    const turns: InboundTurn[] = [];
    const { channel, api } = await setup(async (t) => (turns.push(t), []), { maxFileBytes: 1000 });
    const unsized = api.addFile("y".repeat(2000), { name: "codes.txt", omitSize: true });
    await channel.handleUpdate(documentUpdate(newUser(), unsized));
    const input = turns[0]!.input;
    if (input.kind !== "file") throw new Error("not a file turn");
    expect(input.size).toBe(0);
    // getFile reports 2000 bytes: refused before the download.
    await expect(input.read(1024 * 1024)).rejects.toMatchObject({ name: "FileTooLargeError", maxBytes: 1000 });
    expect(api.downloads()).toEqual([]);
  });

  it("tells group admins (creator, administrator) from members, asking Telegram once per short while", async () => {
    const { channel, api } = await setup(async () => []);
    const group = "-100888";
    const [owner, admin, member] = [newUser(), newUser(), newUser()];
    api.setMember(group, owner.id, "creator");
    api.setMember(group, admin.id, "administrator");
    api.setMember(group, member.id, "member");
    const isAdmin = channel.capabilities.isGroupAdmin!;
    expect(await isAdmin(group, String(owner.id))).toBe(true);
    expect(await isAdmin(group, String(admin.id))).toBe(true);
    expect(await isAdmin(group, String(member.id))).toBe(false);
    expect(await isAdmin(group, String(admin.id))).toBe(true);
    expect(api.callsOf("getChatMember")).toHaveLength(3);
    expect(api.callsOf("getChatMember")[0]!.payload).toMatchObject({ chat_id: group, user_id: owner.id });
  });

  it("acts once on a duplicate update, also across two channel instances sharing the database", async () => {
    let calls = 0;
    const handler: TurnHandler = async () => (calls++, [say("ok")]);
    const a = await setup(handler);
    const b = await setup(handler);
    const u = newUser();
    const update = textUpdate(u, "hello");
    const outcomes = await Promise.all([
      a.channel.handleUpdate(update),
      b.channel.handleUpdate(update),
      a.channel.handleUpdate(update),
    ]);
    expect(calls).toBe(1);
    expect(outcomes.filter((o) => o === "handled")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(2);
    // A "restart": a fresh instance still knows the update.
    const c = await setup(handler);
    expect(await c.channel.handleUpdate(update)).toBe("duplicate");
    await Promise.all([a.channel.drain(), b.channel.drain()]);
    expect(a.api.callsOf("sendMessage").length + b.api.callsOf("sendMessage").length).toBe(1);
  });

  it("withdraws the dedupe mark when the bot fails, so a redelivery is handled", async () => {
    let fail = true;
    const { channel } = await setup(async () => {
      if (fail) throw new Error("database went away");
      return [];
    });
    const update = textUpdate(newUser(), "hello");
    await expect(channel.handleUpdate(update)).rejects.toThrow("database went away");
    fail = false;
    expect(await channel.handleUpdate(update)).toBe("handled");
    expect(await channel.handleUpdate(update)).toBe("duplicate");
  });

  it("answers a callback query at once, before the bot's slow work, and edits the pressed message", async () => {
    const gate = deferred<void>();
    const { api, channel } = await setup(async () => {
      await gate.promise;
      return [
        {
          kind: "text",
          edit: true,
          body: [{ text: "Products" }],
          buttons: [[{ kind: "callback", label: "X", data: "p:1" }]],
        },
      ];
    });
    const u = newUser();
    const handled = channel.handleUpdate(callbackUpdate(u, "cat:1", { messageId: 77 }));
    await expect.poll(() => api.callsOf("answerCallbackQuery").length, { timeout: 2000 }).toBe(1);
    expect(api.callsOf("editMessageText")).toHaveLength(0);
    gate.resolve();
    await handled;
    await channel.drain();
    expect(api.callsOf("editMessageText")[0]!.payload).toMatchObject({
      chat_id: String(u.id),
      message_id: 77,
      text: "Products",
    });
  });

  it("falls back to a new message when the pressed message cannot be edited", async () => {
    const { api, channel } = await setup(async () => [{ kind: "text", edit: true, body: [{ text: "Fresh" }] }]);
    api.failNext("editMessageText", {
      ok: false,
      error_code: 400,
      description: "Bad Request: message can't be edited",
    });
    const u = newUser();
    await channel.handleUpdate(callbackUpdate(u, "x"));
    await channel.drain();
    expect(api.textsTo(u.id)).toEqual(["Fresh"]);
  });

  it("answers pre_checkout_query with the bot's verdict, and declines on its own when the bot is too slow", async () => {
    const { api, channel } = await setup(
      async (t) => {
        if (t.input.kind !== "precheckout") return [];
        if (t.input.invoicePayload === "slow") await new Promise((r) => setTimeout(r, 1000));
        return [{ kind: "answer_precheckout", queryId: t.input.queryId, ok: true }];
      },
      { precheckoutTimeoutMs: 150 },
    );
    const u = newUser({ language_code: "zh-hans" });
    await channel.handleUpdate(preCheckoutUpdate(u, "fast", 100));
    expect(api.callsOf("answerPreCheckoutQuery")[0]!.payload).toMatchObject({ ok: true });

    const started = performance.now();
    await channel.handleUpdate(preCheckoutUpdate(u, "slow", 100));
    const answered = api.callsOf("answerPreCheckoutQuery")[1]!;
    expect(answered.at - started).toBeLessThan(900);
    expect(answered.payload).toMatchObject({ ok: false, error_message: "暂时无法完成支付，请稍后重试。" });
    await new Promise((r) => setTimeout(r, 1000));
    expect(api.callsOf("answerPreCheckoutQuery")).toHaveLength(2);
  });

  it("retries a 429 after retry_after and keeps the chat paused meanwhile", async () => {
    const { api, channel } = await setup(async () => []);
    const u = newUser();
    api.rateLimitNext("sendMessage", 1);
    expect(await channel.send(String(u.id), [say("first"), say("second")])).toEqual({
      sent: 2,
      failed: 0,
      refused: 0,
      blocked: false,
    });
    const sends = api.callsOf("sendMessage");
    expect(sends.map((c) => [c.response.ok, c.payload.text])).toEqual([
      [false, "first"],
      [true, "first"],
      [true, "second"],
    ]);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(channel.limiter.stats().paused429).toBe(1);
  });

  it("delivers 200 codes privately as valid monospace messages; never to a group, never into the logs", async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ code: `GIFT-${i}-${"Z".repeat(30)}`, password: `p${i}` }));
    const codes: Reply = {
      kind: "codes",
      orderId: "ord-200",
      title: [{ text: "Your codes" }],
      items,
      labels: { code: "Code", password: "PIN", copy: "tap to copy" },
    };
    const { api, channel, logger } = await setup(async () => [say("Delivered privately"), codes]);
    const u = newUser();
    await channel.handleUpdate(textUpdate(u, "/resend 200", { groupId: -100999 }));
    await channel.handleUpdate(textUpdate(u, "/resend 200"));
    expect(await channel.send("-100999", [codes])).toEqual({ sent: 0, failed: 0, refused: 1, blocked: false });
    await channel.drain();
    expect(api.textsTo(-100999)).toEqual(["Delivered privately"]);
    const texts = api.textsTo(u.id);
    expect(texts.length).toBeGreaterThan(2);
    for (const t of texts) expect(parseTelegramHtml(t)).toBeLessThanOrEqual(4096);
    expect(api.callsOf("sendMessage").every((c) => c.response.ok)).toBe(true);
    const visible = texts.map(stripHtml);
    for (const item of items) {
      expect(visible.filter((t) => t.includes(`${item.code} `)).length).toBe(1);
      expect(texts.join("\n")).toContain(`<code>${item.code}</code>`);
    }
    const refusals = logger.lines.filter((l) => l.level === "error" && /codes to a group/.test(l.msg ?? ""));
    expect(refusals).toHaveLength(2);
    expect(JSON.stringify(logger.lines)).not.toContain("GIFT-");
  });

  it("escapes user-provided text end to end", async () => {
    const { api, channel } = await setup(async (t) => [
      say(`Hello ${t.from.displayName}, you said: ${(t.input as { text: string }).text}`),
    ]);
    const u = newUser({ first_name: "<b>Eve</b> & Co" });
    await channel.handleUpdate(textUpdate(u, "</code><a href='x'>"));
    await channel.drain();
    const call = api.callsOf("sendMessage")[0]!;
    expect(call.response.ok).toBe(true);
    expect(stripHtml(String(call.payload.text))).toBe("Hello <b>Eve</b> & Co, you said: </code><a href='x'>");
  });

  it("tracks can_dm: set after a private message, cleared when blocked or when Telegram says 403", async () => {
    const { api, channel, canDm } = await setup(async () => [say("hi")], { canDmOnPrivateTurns: true });
    const u = newUser();
    await channel.handleUpdate(textUpdate(u, "hello"));
    await channel.handleUpdate(textUpdate(u, "again"));
    await channel.handleUpdate(blockedUpdate(u));
    await channel.drain();
    const v = newUser();
    api.failNext("sendMessage", { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    await channel.handleUpdate(textUpdate(v, "hello"));
    await channel.drain();
    expect(canDm).toEqual([
      [String(u.id), true],
      [String(u.id), false],
      [String(v.id), true],
      [String(v.id), false],
    ]);
  });

  it("refunds Stars idempotently", async () => {
    const { api, channel } = await setup(async () => []);
    expect(await channel.refundStarPayment(42, "charge-1")).toEqual({ alreadyRefunded: false });
    expect(await channel.refundStarPayment("42", "charge-1")).toEqual({ alreadyRefunded: true });
    expect(api.callsOf("refundStarPayment").map((c) => c.payload)).toEqual([
      { user_id: 42, telegram_payment_charge_id: "charge-1" },
      { user_id: 42, telegram_payment_charge_id: "charge-1" },
    ]);
  });
});

describe("UpdateDedupe (batched processed_updates marks)", () => {
  it("marks a batch in one statement: first delivery true, every repeat false, across instances", async () => {
    const a = new UpdateDedupe(testDb.db.sql, "telegram:dedupe-test");
    const b = new UpdateDedupe(testDb.db.sql, "telegram:dedupe-test");
    const ids = Array.from({ length: 50 }, (_, i) => `u${i}`);
    const first = await Promise.all([...ids.map((id) => a.mark(id)), a.mark("u0"), b.mark("u1")]);
    expect(first.filter(Boolean)).toHaveLength(50); // 50 distinct updates, each acted on once
    expect([first[0], first[50]]).toEqual([true, false]); // u0 twice in one batch
    expect([first[1], first[51]].filter(Boolean)).toHaveLength(1); // u1 in two processes: one wins
    expect(await Promise.all(ids.map((id) => b.mark(id)))).toEqual(ids.map(() => false));
    await a.unmark("u7");
    expect(await b.mark("u7")).toBe(true);
    const sourceOther = new UpdateDedupe(testDb.db.sql, "telegram:other-bot");
    expect(await sourceOther.mark("u0")).toBe(true);
  });
});

describe("Telegram long polling", () => {
  it("deletes the webhook, polls getUpdates and handles what arrives; stop() ends it", async () => {
    const seen: string[] = [];
    const { api, channel } = await setup(async (t) => (seen.push((t.input as { text: string }).text), []));
    await channel.startPolling();
    api.pendingUpdates.push(textUpdate(newUser(), "via polling") as { update_id: number });
    await expect.poll(() => seen, { timeout: 5000 }).toEqual(["via polling"]);
    await channel.stop();
    expect(api.callsOf("deleteWebhook")).toHaveLength(1);
    expect(api.callsOf("getUpdates")[0]!.payload).toMatchObject({
      allowed_updates: ["message", "callback_query", "pre_checkout_query", "my_chat_member"],
    });
  });

  it("setWebhook passes the secret token and the update types", async () => {
    const { api, channel } = await setup(async () => []);
    await channel.setWebhook("https://shop.example.com/telegram/webhook", "tg_webhook_secret_0123456789");
    expect(api.callsOf("setWebhook")[0]!.payload).toEqual({
      url: "https://shop.example.com/telegram/webhook",
      secret_token: "tg_webhook_secret_0123456789",
      allowed_updates: ["message", "callback_query", "pre_checkout_query", "my_chat_member"],
    });
  });
});

describe("startTelegram", () => {
  it("webhook mode: registers the webhook with the secret and returns the routes to mount", async () => {
    const api = new FakeBotApi();
    const started = await startTelegram({
      token: "123:FAKE",
      fetch: api.fetch, // no botInfo: fetched with getMe
      db: testDb.db.sql,
      handler: async () => [],
      logger: memoryLogger(),
      webhookSecret: "tg_webhook_secret_0123456789",
      publicUrl: "https://shop.example.com/",
    });
    expect(started.mode).toBe("webhook");
    expect(started.webhookUrl).toBe("https://shop.example.com/telegram/webhook");
    expect(api.callsOf("getMe")).toHaveLength(1);
    expect(api.callsOf("setWebhook")[0]!.payload).toMatchObject({ secret_token: "tg_webhook_secret_0123456789" });
    const res = await started.routes!.request("/webhook", { method: "POST", body: "{}" });
    expect(res.status).toBe(403);
  });

  it("polling mode without a secret", async () => {
    const api = new FakeBotApi();
    const started = await startTelegram({
      token: "123:FAKE",
      botInfo: FAKE_BOT_INFO,
      fetch: api.fetch,
      db: testDb.db.sql,
      handler: async () => [],
      logger: memoryLogger(),
      publicUrl: "http://localhost:3000",
    });
    expect(started.mode).toBe("polling");
    await expect.poll(() => api.callsOf("getUpdates").length, { timeout: 5000 }).toBeGreaterThan(0);
    await started.channel.stop();
  });
});

describe("Telegram webhook", () => {
  let channel: TelegramChannel;
  let calls = 0;
  const secret = "tg_webhook_secret_0123456789";
  beforeAll(async () => {
    ({ channel } = await setup(async () => (calls++, [])));
  });
  const post = (body: string, headers: Record<string, string>) =>
    telegramWebhookRoutes({ channel, secretToken: secret }).request("/webhook", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  it("answers 403 and processes nothing without the right secret token", async () => {
    const body = JSON.stringify(textUpdate(newUser(), "hello"));
    expect((await post(body, {})).status).toBe(403);
    expect((await post(body, { "x-telegram-bot-api-secret-token": "wrong" })).status).toBe(403);
    expect((await post(body, { "x-telegram-bot-api-secret-token": secret + "x" })).status).toBe(403);
    expect(calls).toBe(0);
    const rows = await testDb.db.prisma.processedUpdate.count({
      where: { updateId: String(JSON.parse(body).update_id) },
    });
    expect(rows).toBe(0);
  });

  it("rejects malformed bodies with 400 and handles a good update once", async () => {
    const h = { "x-telegram-bot-api-secret-token": secret };
    expect((await post("{not json", h)).status).toBe(400);
    expect((await post("[1,2]", h)).status).toBe(400);
    expect((await post('{"update_id":"x"}', h)).status).toBe(400);
    const body = JSON.stringify(textUpdate(newUser(), "hello"));
    const first = await post(body, h);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, outcome: "handled" });
    expect(await (await post(body, h)).json()).toEqual({ ok: true, outcome: "duplicate" });
    expect(calls).toBe(1);
  });
});
