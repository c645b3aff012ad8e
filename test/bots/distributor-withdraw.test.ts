import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import { chatWithdrawPorts } from "../../app/withdrawals.ts";
import { createI18n } from "../../bots/i18n/index.ts";
import { createBotRouter } from "../../bots/router.ts";
import { createShopBot, shopPortsFromCore, type ShopBot } from "../../bots/shop/index.ts";
import { createTelegramChannel, telegramWebhookRoutes, type TelegramChannel } from "../../channels/telegram/index.ts";
import { payoutSandboxRoutes } from "../../channels/http/payouts-sandbox.routes.ts";
import { createConversations } from "../../core/conversations/index.ts";
import { createIdentity } from "../../core/identity/index.ts";
import { walletCode } from "../../core/ledger/index.ts";
import { systemContext } from "../../core/shared/index.ts";
import { HttpPayoutProvider } from "../../core/withdrawals/index.ts";
import { FAKE_BOT_INFO, FakeBotApi, stripHtml, type RecordedCall } from "../channels/telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../channels/telegram/updates.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";

/**
 * A distributor's withdrawals in their private chat, through grammY (webhook → channel → router → shop bot →
 * real core on PostgreSQL → a fake Bot API): accounts, request, the staff bot's approval in the staff group,
 * the payout through the sandbox, and the notice back in the private chat.
 */
const SECRET = "tg_withdraw_secret_0123456789";
const STAFF_GROUP = -100777;
const sys = systemContext("test:withdraw", { channel: "cli" });
let shop: Shop;
let con: StaffConsole;
let api: FakeBotApi;
let channel: TelegramChannel;
let bot: ShopBot;
let server: ServerType;
let post: (u: Update) => Promise<Response>;
const logs: unknown[] = [];

/** A Luhn-valid 16-digit card number from 15 digits. */
function card(body15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = Number(body15[14 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body15 + String((10 - (sum % 10)) % 10);
}

beforeAll(async () => {
  shop = await createShop("distwithdraw", { workers: false, env: { WITHDRAWAL_APPROVAL_OVER: "CNY:1000000" } });
  const c = shop.c;
  const sandbox = payoutSandboxRoutes({ secret: c.payoutProviderSecret, clock: c.clock });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: sandbox.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox`;
  con = createStaffConsole(c, {
    payouts: new HttpPayoutProvider({ baseUrl, secret: c.payoutProviderSecret, clock: c.clock }),
  });
  await con.staff.add(sys, { name: "Fang", role: "finance", telegramUserId: "601" });
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const conversations = createConversations({ sql: c.db.sql, clock: c.clock });
  const logger = {
    debug() {},
    info: (obj: object, msg?: string) => void logs.push({ obj, msg }),
    warn: (obj: object, msg?: string) => void logs.push({ obj, msg }),
    error: (obj: object, msg?: string) => void logs.push({ obj, msg }),
  };
  api = new FakeBotApi();
  const groups = new Set([String(STAFF_GROUP)]);
  channel = await createTelegramChannel({
    token: "123:FAKE",
    botInfo: FAKE_BOT_INFO,
    fetch: api.fetch,
    db: c.db.sql,
    handler: (turn) => router.handle(turn),
    logger,
    setCanDm: (externalId, canDm) => identity.setCanDm(ctx, { channel: "telegram", externalId, canDm }),
    limits: { perChatIntervalMs: 5, marginMs: 0 },
  });
  bot = createShopBot({
    ports: shopPortsFromCore({
      catalog: c.catalog,
      inventory: c.inventory,
      orders: c.orders,
      ledger: c.ledger,
      kyc: c.kyc,
      withdraw: chatWithdrawPorts(c.distribution, con),
    }),
    identity,
    conversations,
    i18n: createI18n(),
    clock: c.clock,
    buttonKey: "tg-withdraw-button-key-0123456789",
    channels: { telegram: channel.capabilities },
    logger,
  });
  const router = createBotRouter({
    shop: bot,
    staff: telegramStaffBot(c, con, String(STAFF_GROUP)),
    staffChats: { telegram: groups },
  });
  const routes = telegramWebhookRoutes({ channel, secretToken: SECRET });
  post = async (u) =>
    routes.request("/webhook", {
      method: "POST",
      body: JSON.stringify(u),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    });
});

afterAll(async () => {
  await channel?.stop();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await shop?.dispose();
});

/** One Telegram user (or the staff group, seen by one staff member) talking through the webhook. */
class TgChat {
  private mark = 0;
  constructor(
    readonly user: TgUser,
    readonly groupId?: number,
  ) {}
  get chatId() {
    return String(this.groupId ?? this.user.id);
  }
  async deliver(...updates: Update[]) {
    this.mark = api.calls.length;
    const res = await Promise.all(updates.map((u) => post(u)));
    for (const r of res) expect(r.status).toBe(200);
    await channel.drain();
  }
  send(text: string) {
    return this.deliver(textUpdate(this.user, text, this.groupId ? { groupId: this.groupId } : {}));
  }
  get replies(): RecordedCall[] {
    return api.calls
      .slice(this.mark)
      .filter((c) => c.payload.chat_id === this.chatId && /^(sendMessage|editMessageText)$/.test(c.method));
  }
  get text(): string {
    return this.replies.map((c) => stripHtml(String(c.payload.text ?? ""))).join("\n---\n");
  }
  button(label: RegExp) {
    return api.button(this.chatId, label);
  }
  press(label: RegExp) {
    const { data, messageId } = this.button(label);
    return this.pressData(data, messageId);
  }
  pressData(data: string, messageId = 101) {
    return this.deliver(
      callbackUpdate(this.user, data, { messageId, ...(this.groupId ? { groupId: this.groupId } : {}) }),
    );
  }
}

let nextUser = 9_400_000;
const userIdOf = async (chat: TgChat) =>
  (await shop.prisma.channelIdentity.findFirst({ where: { channel: "telegram", externalId: String(chat.user.id) } }))!
    .userId;

/** A distributor on the ordinary tier (minimum ¥100, 1 % fee, ¥5,000 a day) with `funds` in the wallet. */
async function distributor(funds = 100_000n, opts: { kyc?: boolean; agent?: boolean } = {}) {
  const chat = new TgChat({ id: ++nextUser, first_name: "Agent", language_code: "en" });
  await chat.send("/start");
  const userId = await userIdOf(chat);
  if (opts.agent !== false) await shop.c.distribution.add(sys, { userId, tierId: "ordinary" });
  if (funds > 0n) await shop.fund(userId, funds);
  if (opts.kyc !== false) await con.withdrawals.setKycVerified(sys, { userId, verified: true });
  return { chat, userId };
}

async function addAlipay(chat: TgChat, account = "13912345678") {
  await chat.press(/Alipay/);
  await chat.send("王五");
  await chat.send(account);
}

const balanceOf = (userId: string) => shop.c.ledger.balance(ctx, walletCode(userId, "CNY"));
const holdsOf = async (userId: string) => {
  const account = await shop.prisma.ledgerAccount.findFirst({ where: { code: walletCode(userId, "CNY") } });
  return account ? shop.prisma.ledgerHold.count({ where: { accountId: account.id } }) : 0;
};

describe("/withdraw in a distributor's private chat (grammY, real core)", () => {
  it("card added masked (the message deleted) → request → staff approve in the staff group → paid → told", async () => {
    const { chat, userId } = await distributor(100_000n);
    await chat.send("/withdraw");
    expect(chat.text).toContain("Available: ¥1,000.00");
    expect(chat.text).toContain("Minimum ¥100.00 · fee 1% · left today ¥5,000.00");
    expect(chat.text).toContain("No payout account yet");

    const number = card("622202123456789");
    await chat.press(/Bank card/);
    expect(chat.text).toContain("account holder's full name");
    await chat.send("张三");
    expect(chat.text).toContain("bank card number");
    await chat.send(number.replace(/(\d{4})(?=\d)/g, "$1 "));
    const typed = api.calls
      .slice(0)
      .reverse()
      .find((c) => c.method === "deleteMessage");
    expect(typed?.payload.chat_id).toBe(chat.chatId);
    expect(chat.text).toContain(`Added: Bank card **** **** **** ${number.slice(-4)}`);

    await chat.press(/Withdraw to \*\*\*\*/);
    expect(chat.text).toContain("Available ¥1,000.00, minimum ¥100.00");
    await chat.send("200");
    expect(chat.text).toContain("Withdraw ¥200.00 to **** **** **** " + number.slice(-4));
    expect(chat.text).toContain("Fee: ¥2.00");
    expect(chat.text).toContain("You receive: ¥198.00");
    await chat.press(/Confirm/);
    expect(chat.text).toContain("Requested: ¥200.00");
    expect(await balanceOf(userId)).toMatchObject({ balance: 100_000n, available: 80_000n });
    const [w] = await con.withdrawals.list(sys, { userId });
    expect(w).toMatchObject({ status: "PENDING", amount: 20_000n, fee: 200n });

    // The staff group: pending lists it, the finance member's Approve pays it through the sandbox.
    const staff = new TgChat({ id: 601, first_name: "Fang", language_code: "en" }, STAFF_GROUP);
    await staff.send("/pending");
    expect(staff.text).toContain(`withdrawal ${w!.id}: ¥200.00`);
    const call = staff.replies.find((c) => String(c.payload.text).includes(w!.id))!;
    const rows = (call.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] })
      .inline_keyboard;
    const approve = rows.flat().find((b) => b.text === "Approve")!;
    await staff.pressData(approve.callback_data);
    expect(staff.text).toContain("Approved and done");
    expect(await con.withdrawals.get(sys, { withdrawalId: w!.id })).toMatchObject({ status: "PAID" });
    expect(await balanceOf(userId)).toMatchObject({ balance: 80_000n, available: 80_000n });

    // The committed event, as the notifier relays it, tells the distributor in their private chat.
    const events = await shop.prisma.outboxEvent.findMany({
      where: { type: "withdrawal.paid" },
      orderBy: { id: "asc" },
    });
    const paid = events.find((e) => (e.payload as { withdrawalId: string }).withdrawalId === w!.id)!;
    const out = await bot.onDomainEvent({
      type: "withdrawal.paid",
      payload: paid.payload,
      id: String(paid.id),
    } as never);
    for (const m of out) await channel.send(m.chatId, m.replies);
    await channel.drain();
    const told = api.calls.filter((c) => c.payload.chat_id === chat.chatId && c.method === "sendMessage").at(-1);
    expect(stripHtml(String(told?.payload.text))).toContain("withdrawal of ¥200.00 was paid out: ¥198.00");
    await chat.send("/withdraw");
    expect(chat.text).toMatch(/¥200\.00 → \*\*\*\* \*\*\*\* \*\*\*\* \d{4} · paid/);
    expect((await shop.c.ledger.reconcile(sys, "CNY")).ok).toBe(true);

    // The full number never left the core: not in any message to Telegram, not in a log line.
    const everything =
      JSON.stringify(api.calls) + JSON.stringify(logs, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(everything).not.toContain(number);
    expect(everything).not.toContain(number.replace(/(\d{4})(?=\d)/g, "$1 "));
  });

  it("double taps and a replayed press of Confirm make one request and one hold", async () => {
    const { chat, userId } = await distributor(100_000n);
    await chat.send("/withdraw");
    await addAlipay(chat);
    await chat.press(/Withdraw to 139/);
    await chat.send("150");
    const { data, messageId } = chat.button(/Confirm/);
    const tap = callbackUpdate(chat.user, data, { messageId });
    await chat.deliver(
      tap,
      callbackUpdate(chat.user, data, { messageId }),
      callbackUpdate(chat.user, data, { messageId }),
    );
    await chat.deliver(tap); // the same update delivered again
    await chat.pressData(data, messageId);
    expect(chat.text).toContain("already requested");
    expect(await con.withdrawals.list(sys, { userId })).toHaveLength(1);
    expect(await holdsOf(userId)).toBe(1);
    expect(await balanceOf(userId)).toMatchObject({ available: 85_000n });
  });

  it("bad amounts get a clear reply and hold nothing", async () => {
    const { chat, userId } = await distributor(600_000n);
    await chat.send("/withdraw");
    await addAlipay(chat);
    await chat.press(/Withdraw to 139/);
    const cases: [string, string][] = [
      ["abc", "That is not an amount"],
      ["12.345", "At most two decimal places"],
      ["-5", "must be more than zero"],
      ["0", "must be more than zero"],
      ["99999999999", "far too large"],
      ["50", "The minimum withdrawal is ¥100.00"],
      ["7000", "more than your available balance of ¥6,000.00"],
      ["5000.01", "over your daily limit: ¥5,000.00 left today"],
    ];
    for (const [input, reply] of cases) {
      await chat.send(input);
      expect(chat.text, input).toContain(reply);
      expect(chat.text, input).toContain("How much do you want to withdraw");
    }
    expect(await con.withdrawals.list(sys, { userId })).toHaveLength(0);
    expect(await holdsOf(userId)).toBe(0);
    expect(await balanceOf(userId)).toMatchObject({ available: 600_000n });
  });

  it("a wrong card number is named, not echoed, and deleted", async () => {
    const { chat, userId } = await distributor(0n);
    await chat.send("/withdraw");
    await chat.press(/Bank card/);
    await chat.send("Li Si");
    const wrong = card("622202123456789").slice(0, 15) + "0";
    const bad = wrong.endsWith(card("622202123456789").slice(-1)) ? wrong.slice(0, 15) + "1" : wrong;
    await chat.send(bad);
    expect(chat.text).toContain("check digit does not match");
    expect(chat.text).not.toContain(bad);
    await chat.send("12345");
    expect(chat.text).toContain("12–19 digits");
    await chat.send("6222-abcd");
    expect(chat.text).toContain("digits only");
    // Each message that carried a number was deleted, whatever the answer.
    expect(api.calls.filter((c) => c.method === "deleteMessage" && c.payload.chat_id === chat.chatId)).toHaveLength(3);
    expect(await con.withdrawals.payoutAccounts(sys, { userId })).toHaveLength(0);
    expect(JSON.stringify(api.calls)).not.toContain(bad);
  });

  it("not real-name verified: a prompt to /verify and no way to request", async () => {
    const { chat, userId } = await distributor(100_000n, { kyc: false });
    await chat.send("/withdraw");
    expect(chat.text).toContain("Real-name verification is required");
    expect(chat.text).toContain("/verify");
    await addAlipay(chat);
    expect(() => chat.button(/Withdraw to/)).toThrow(/no button/);
    expect(await con.withdrawals.list(sys, { userId })).toHaveLength(0);
  });

  it("someone who is not a distributor is told so; in a group the bot points to the private chat", async () => {
    const { chat, userId } = await distributor(100_000n, { agent: false });
    await chat.send("/withdraw");
    expect(chat.text).toContain("Withdrawals are for distributors");
    expect(await con.withdrawals.payoutAccounts(sys, { userId })).toHaveLength(0);
    const inGroup = new TgChat(chat.user, -100888);
    await inGroup.send("/withdraw");
    expect(inGroup.text).toContain("private chat");
    expect(inGroup.text).not.toContain("Available");
  });

  it("stale buttons: a cancelled confirmation, a cancelled request, a removed account — nothing moves", async () => {
    const { chat, userId } = await distributor(100_000n);
    await chat.send("/withdraw");
    await addAlipay(chat);
    const removeData = chat.button(/Remove 139/).data;
    await chat.press(/Withdraw to 139/);
    await chat.send("100");
    const confirm = chat.button(/Confirm/);
    await chat.press(/Cancel/);
    expect(chat.text).toContain("Cancelled");
    await chat.pressData(confirm.data, confirm.messageId);
    expect(chat.text).toContain("This button is no longer valid");
    expect(await con.withdrawals.list(sys, { userId })).toHaveLength(0);

    // A pending request, cancelled by its owner: the hold is released, once.
    await chat.send("/withdraw");
    await chat.press(/Withdraw to 139/);
    await chat.send("100");
    await chat.press(/Confirm/);
    await chat.send("/withdraw");
    expect(chat.text).toContain("waiting for review");
    const cancel = chat.button(/Cancel the ¥100.00 request/);
    // The account it pays to cannot go while it waits.
    await chat.pressData(removeData);
    expect(chat.text).toContain("still waiting to be paid");
    await chat.pressData(cancel.data, cancel.messageId);
    expect(chat.text).toContain("Cancelled: ¥100.00 is available in your balance again");
    expect(await balanceOf(userId)).toMatchObject({ available: 100_000n });
    await chat.pressData(cancel.data, cancel.messageId);
    expect(chat.text).toContain("no longer waiting (cancelled)");
    const [w] = await con.withdrawals.list(sys, { userId });
    expect(w).toMatchObject({ status: "CANCELLED" });
    // Its request left the staff queue: withdrawn, no longer approvable.
    const request = await con.approvals.get(sys, w!.approvalId!);
    expect(request).toMatchObject({ status: "WITHDRAWN", note: "the user cancelled the withdrawal" });
    expect((await con.approvals.pending(sys)).map((r) => r.id)).not.toContain(request.id);
    expect(await con.approvals.withdraw(sys, { requestId: request.id })).toMatchObject({ changed: false });
    // Only its owner may cancel it (the core checks the actor, whatever a bot sends).
    const other = await distributor(0n);
    await expect(
      con.withdrawals.cancel(
        { ...ctx, actor: { kind: "buyer", userId: other.userId } },
        { userId, withdrawalId: w!.id },
      ),
    ).rejects.toThrow();
    const audit = await shop.prisma.auditLog.findMany({ where: { targetId: w!.id } });
    expect(audit.map((a) => a.action)).toContain("withdrawals.cancelled");

    await chat.pressData(removeData);
    expect(chat.text).toContain("Removed 139****5678");
    await chat.pressData(removeData);
    expect(chat.text).toContain("no longer exists");
    await chat.pressData("$h~forged!");
    expect(chat.text).toContain("This button is no longer valid");
  });
});
