import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markTurnProcessed } from "../../../bots/dedupe.ts";
import { demoWalletCredit } from "../../../bots/shop/index.ts";
import type { CodesReply, Reply } from "../../../bots/turn.ts";
import { createSqlWebTranscript, createWebMailbox, webChatRoutes } from "../../../channels/web/index.ts";
import type { TranscriptEntry } from "../../../channels/web/index.ts";
import { createBotHarness, findButton, plainOf, type BotHarness } from "../../bots/support/bot-harness.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { limiterPort } from "../../../app/http/rate-limiters.ts";

let h: BotHarness;
let app: ReturnType<typeof webChatRoutes>;
const mailbox = createWebMailbox();
let seq = 0;

beforeAll(async () => {
  // New web users get the demo wallet credit, as the embedded default wires it.
  h = await createBotHarness("webchat", {
    workers: true,
    bot: (shop) => ({ onUserCreated: demoWalletCredit({ ledger: shop.c.ledger, amount: 10_000n }) }),
  });
  app = webChatRoutes({
    handle: (turn) => h.bot.handle(turn),
    mailbox,
    secret: "web-chat-test-secret-0123456789",
    dedupe: (id) => markTurnProcessed(h.shop.c.db.sql, "web", id),
    maxPollWaitMs: 2_000,
  });
});
afterAll(() => h.dispose());

async function session() {
  const res = await app.request("/web/session", { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as { browserId: string; token: string };
}

async function turn(token: string, input: unknown, id = `turn${++seq}xyz`) {
  const res = await app.request("/web/turn", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ id, input, lang: "en-US" }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { replies: Reply[]; duplicate?: boolean; error?: { code: string } },
  };
}

describe("web chat routes", () => {
  it("serves the chat page with a strict CSP", async () => {
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain("/web/turn");
    expect(html).toContain("localStorage");
    expect(html).not.toMatch(/innerHTML/);
  });

  it("refuses missing, forged and borrowed tokens", async () => {
    const a = await session();
    const b = await session();
    expect(a.browserId).not.toBe(b.browserId);
    const start = { kind: "command", command: "start", payload: "" };
    expect((await turn("", start)).status).toBe(401);
    expect((await turn("wAAAAAAAAAAAAAAAAAAAAAA.bad", start)).status).toBe(401);
    const [, macA] = a.token.split(".");
    expect((await turn(`${b.browserId}.${macA}`, start)).status).toBe(401);
    const poll = await app.request("/web/poll?wait=0", { headers: { authorization: `Bearer ${b.browserId}.${macA}` } });
    expect(poll.status).toBe(401);
  });

  it("validates the turn body and dedupes a repeated turn id", async () => {
    const { token } = await session();
    expect((await turn(token, { kind: "payment", chargeId: "x" })).status).toBe(400);
    const empty = await turn(token, { kind: "text", text: "" });
    expect(empty.status).toBe(400);
    // The one error body of every HTTP edge (channels/http/errors.ts), with the field that is wrong.
    expect(empty.body).toEqual({
      error: {
        code: "invalid_data",
        message: expect.any(String),
        details: { issues: [expect.objectContaining({ path: "input.text" })] },
      },
    });
    const bad = await app.request("/web/turn", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "malformed_json", message: expect.any(String) } });
    const unauthorized = await turn("", { kind: "text", text: "hi" });
    expect(unauthorized.body).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    const first = await turn(token, { kind: "command", command: "START", payload: "" }, "same-turn-id-1");
    expect(first.status).toBe(200);
    expect(plainOf(first.body.replies)).toContain("Welcome");
    const again = await turn(token, { kind: "command", command: "start", payload: "" }, "same-turn-id-1");
    expect(again.body).toEqual({ replies: [], duplicate: true });
  });

  it("buys a demo code with the demo wallet and receives it through the poll", async () => {
    const p = await h.shop.codeProduct({ stock: 3, price: 1990n });
    const cat = (await h.c.catalog.listCategories(ctx)).find((c) => c.id === p.categoryId)!;
    const { token, browserId } = await session();
    let r = await turn(token, { kind: "command", command: "start", payload: "" });
    const press = async (label: RegExp | string) => {
      r = await turn(token, { kind: "button", data: findButton(r.body.replies, label).data, messageId: "m1" });
      expect(r.status).toBe(200);
      return r;
    };
    await press(/Shop/);
    await press(cat.nameEn);
    await press(/Test card/);
    await press("1");
    expect(plainOf(r.body.replies)).toContain("Wallet balance: ¥100.00");
    await press(/Pay ¥19.90 from wallet/);
    expect(plainOf(r.body.replies)).toContain("Paid ¥19.90");

    const userId = await h.userIdOf("web", browserId);
    const [order] = await h.c.orders.listForUser(ctx, { userId });
    // The page's long poll is waiting when the delivery event arrives.
    const polling = app.request("/web/poll?after=0&wait=2000", { headers: { authorization: `Bearer ${token}` } });
    await h.shop.waitForStatus([order!.id], ["DELIVERED"]);
    for (const m of await h.bot.onDomainEvent({ type: "order.delivered", payload: { orderId: order!.id, userId } }))
      if (m.channel === "web") mailbox.deliver(m);
    const res = await polling;
    const body = (await res.json()) as { messages: { seq: number; replies: Reply[] }[]; head: number };
    const codes = body.messages.flatMap((m) => m.replies).find((x): x is CodesReply => x.kind === "codes");
    expect(codes?.items[0]?.code).toMatch(/^CODE-/);
    expect(body.head).toBe(1);
    // Nothing new after the head.
    const empty = await app.request(`/web/poll?after=${body.head}&wait=0`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await empty.json()) as { messages: unknown[] }).messages).toEqual([]);
  });
});

describe("web chat history", () => {
  it("keeps each browser's conversation across reloads, its codes included, for that browser only", async () => {
    const transcript = createSqlWebTranscript({ db: h.c.db.sql, secrets: h.c.secrets });
    const box = createWebMailbox({ transcript });
    const kept = webChatRoutes({
      handle: (turn) => h.bot.handle(turn),
      mailbox: box,
      transcript,
      secret: "web-chat-test-secret-0123456789",
    });
    const p = await h.shop.codeProduct({ stock: 2, price: 500n });
    const cat = (await h.c.catalog.listCategories(ctx)).find((c) => c.id === p.categoryId)!;
    const session = async () =>
      (await (await kept.request("/web/session", { method: "POST" })).json()) as { browserId: string; token: string };
    const { token, browserId } = await session();
    const auth = { authorization: `Bearer ${token}` };
    type Shown = Reply & { mid?: string };
    const say = async (input: unknown, silent = false) => {
      const res = await kept.request("/web/turn", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          id: `hist${++seq}xyz`,
          input,
          lang: "en",
          tz: "Asia/Shanghai",
          ...(silent ? { silent } : {}),
        }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { replies: Shown[] }).replies;
    };
    let last = await say({ kind: "command", command: "start", payload: "" }, true);
    const press = async (label: RegExp | string) => {
      const from = last.find(
        (r) =>
          "buttons" in r &&
          r.buttons
            ?.flat()
            .some(
              (b) => b.kind === "callback" && (typeof label === "string" ? b.label === label : label.test(b.label)),
            ),
      )!;
      last = await say({ kind: "button", data: findButton([from], label).data, messageId: from.mid });
      return last;
    };
    expect(last[0]!.mid).toMatch(/^m\d+$/);
    await press(/Shop/);
    // The reply edits the menu it came from: the same message, not a new one.
    const shop = last[0]!;
    expect(shop.mid).toBeDefined();
    await press(cat.nameEn);
    expect(last[0]!.mid).toBe(shop.mid);
    await press(/Test card/);
    await press("1");
    await press(/from wallet/);
    await say({ kind: "text", text: "/balance hello" }); // typed: shown as the buyer's
    const userId = await h.userIdOf("web", browserId);
    const [order] = await h.c.orders.listForUser(ctx, { userId });
    await h.shop.waitForStatus([order!.id], ["DELIVERED"]);
    for (const m of await h.bot.onDomainEvent({ type: "order.delivered", payload: { orderId: order!.id, userId } }))
      if (m.channel === "web") await box.deliver(m);

    const history = async (t: string) =>
      (await (await kept.request("/web/history", { headers: { authorization: `Bearer ${t}` } })).json()) as {
        messages: TranscriptEntry[];
        head: number;
      };
    const h1 = await history(token);
    expect(h1.head).toBe(1);
    expect(h1.messages.filter((m) => m.from === "me").map((m) => m.text)).toEqual(["/balance hello"]);
    const codes = h1.messages.find((m) => m.from === "bot" && m.reply.kind === "codes");
    const code = (codes as { reply: CodesReply }).reply.items[0]!.code;
    expect(code).toMatch(/^CODE-/);
    // Each edited message is there once, in its last form.
    const mids = h1.messages.map((m) => m.mid);
    expect(new Set(mids).size).toBe(mids.length);
    // Another browser sees none of it; the rows are encrypted at rest.
    const other = await session();
    expect((await history(other.token)).messages).toEqual([]);
    const rows = await h.prisma.$queryRaw<{ payload: string }[]>`SELECT payload FROM web_chat_messages`;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.payload.includes(code) || r.payload.includes("Test card"))).toBe(false);
    expect((await kept.request("/web/history")).status).toBe(401);
    // Coming back: greeted as returning.
    const again = await say({ kind: "command", command: "start", payload: "" }, true);
    expect(plainOf(again)).toContain("Welcome back");
  });
});

describe("web chat limits", () => {
  it("counts new sessions per client IP and messages per browser, answering 429 with Retry-After", async () => {
    const limited = webChatRoutes({
      handle: (turn) => h.bot.handle(turn),
      mailbox,
      secret: "web-chat-test-secret-0123456789",
      limits: {
        perIp: limiterPort(new RateLimiterMemory({ points: 2, duration: 60 })),
        perBrowser: limiterPort(new RateLimiterMemory({ points: 3, duration: 60 })),
      },
    });
    const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });
    const newSession = (ip: string) => limited.request("/web/session", { method: "POST" }, from(ip));
    const [a, b, c] = [await newSession("192.0.2.1"), await newSession("192.0.2.1"), await newSession("192.0.2.1")];
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    expect(Number(c.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await c.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect((await newSession("192.0.2.2")).status).toBe(200);
    const { token } = (await a.json()) as { token: string };
    const say = (n: number) =>
      limited.request("/web/turn", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ id: `limit-turn-${n}`, input: { kind: "command", command: "help", payload: "" } }),
      });
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await say(n)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("web mailbox", () => {
  it("keeps a bounded, expiring queue per browser", async () => {
    let now = 0;
    const mb = createWebMailbox({ maxPerBrowser: 2, ttlMs: 1000, now: () => now });
    for (let i = 0; i < 3; i++) mb.deliver({ chatId: "a", replies: [{ kind: "toast", text: String(i) }] });
    expect((await mb.take("a", 0, 0)).map((e) => e.seq)).toEqual([2, 3]);
    now = 5000;
    expect(await mb.take("a", 0, 0)).toEqual([]);
    expect(mb.head("a")).toBe(3);
    expect(await mb.take("b", 0, 0)).toEqual([]);
  });

  it("wakes a waiting poll on delivery and on close", async () => {
    const mb = createWebMailbox();
    const waiting = mb.take("a", 0, 10_000);
    mb.deliver({ chatId: "a", replies: [{ kind: "toast", text: "x" }] });
    expect((await waiting).map((e) => e.seq)).toEqual([1]);
    const t0 = Date.now();
    const idle = mb.take("a", 1, 10_000);
    mb.close();
    expect(await idle).toEqual([]);
    expect(await mb.take("a", 1, 10_000)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
