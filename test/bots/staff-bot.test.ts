import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { ChatBot } from "../../bots/chat-bot.ts";
import { createBotRouter, type BotRouter } from "../../bots/router.ts";
import { createStaffBot } from "../../bots/staff/index.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { sql, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

const STAFF_GROUP = "-100777";
const cli = systemContext("cli:test", { channel: "cli" });
let turnSeq = 0;

function turn(from: string, input: TurnInput, opts: { chat?: string; lang?: string } = {}): InboundTurn {
  const chatId = opts.chat ?? STAFF_GROUP;
  return {
    id: `t${++turnSeq}`,
    channel: "telegram",
    chat: { id: chatId, kind: chatId.startsWith("-") ? "group" : "private" },
    from: { externalId: from, displayName: `user ${from}`, languageCode: opts.lang ?? "en" },
    input,
  };
}
const cmd = (command: string, payload = ""): TurnInput => ({ kind: "command", command, payload });
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");
const buttonsOf = (r: Reply[]) => r.flatMap((x) => (x.kind === "text" ? (x.buttons ?? []).flat() : []));

describe("the staff bot in a Telegram staff group", () => {
  let shop: Shop;
  let con: StaffConsole;
  let router: BotRouter;
  let productId: string;
  const shopTurns: InboundTurn[] = [];

  beforeAll(async () => {
    shop = await createShop("staffbot", { workers: false, env: { STAFF_APPROVAL_REFUND_OVER: "CNY:50" } });
    con = createStaffConsole(shop.c);
    const sup = await shop.supplier("staffbotsim");
    productId = (await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n)).id;
    await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "501" });
    await con.staff.add(cli, { name: "Fei", role: "finance", telegramUserId: "502" });
    await con.staff.add(cli, { name: "Sam", role: "support", telegramUserId: "503" });
    const shopBot: ChatBot = {
      name: "shop",
      async handle(t) {
        shopTurns.push(t);
        return [];
      },
    };
    const staffChats = new Set([STAFF_GROUP]);
    router = createBotRouter({
      shop: shopBot,
      staff: telegramStaffBot(shop.c, con, STAFF_GROUP),
      staffChats: { telegram: staffChats },
    });
  });
  afterAll(() => shop.dispose());

  const paidOrder = async (quantity: number) => (await shop.paidTopUp(productId, quantity)).order;
  const lastAudit = async () => (await con.audit.trail(cli, { recent: true }, { limit: 1 }))[0]!;

  it("refuses anyone who is not staff before any command runs, in their language, and audits it", async () => {
    const order = await paidOrder(1);
    const r = await router.handle(turn("999", cmd("refund", `${order.id} give it back`), { lang: "zh-CN" }));
    expect(words(r)).toBe("此控制台仅供店铺员工使用。本次操作已记录。");
    expect(await lastAudit()).toMatchObject({
      actorKind: "visitor",
      channel: "telegram",
      action: "bot.refund",
      outcome: "refused",
      details: { code: "not_staff", externalId: "999", chatId: STAFF_GROUP },
    });
    expect((await shop.order(order.id)).status).toBe("PAID");
    expect(shopTurns).toHaveLength(0); // a staff group never reaches the shop bot
  });

  it("answers help and an order lookup with its status history (zh-CN and en)", async () => {
    expect(words(await router.handle(turn("501", cmd("help"), { lang: "zh-CN" })))).toContain("员工命令：");
    const order = await paidOrder(1);
    const r = words(await router.handle(turn("503", { kind: "text", text: `order ${order.id}` })));
    expect(r).toContain(`Order ${(await shop.order(order.id)).number} ${order.id}`);
    expect(r).toContain("Status: PAID");
    expect(r).toContain("Total: ¥30.00 (1 × ¥30.00)");
    expect(r).toMatch(/CREATED → PAID/);
    expect(await lastAudit()).toMatchObject({
      action: "bot.order",
      outcome: "ok",
      role: "support",
      targetId: order.id,
    });
  });

  it("answers a lookup of an unknown order with one refusal, audited once", async () => {
    const missing = "0190a0a0-0000-7000-8000-00000000beef";
    const before = (await con.audit.trail(cli, { recent: true }, { limit: 1 }))[0]?.seq ?? 0n;
    expect(words(await router.handle(turn("503", cmd("order", missing.toUpperCase()))))).toBe(
      `No order found for “${missing.toUpperCase()}”.`,
    );
    const rows = await con.audit.trail(cli, { recent: true }, { limit: 10 });
    expect(rows.filter((e) => e.seq > before)).toEqual([
      expect.objectContaining({
        action: "bot.order",
        outcome: "refused",
        details: expect.objectContaining({ code: "no_order" }),
      }),
    ]);
  });

  it("shows a delivered order's codes only masked (ABCD…WXYZ) with their hash prefix, never whole", async () => {
    const p = await shop.codeProduct({ stock: 0, price: 1000n });
    await shop.c.inventory.importCodes(ctx, {
      productId: p.id,
      source: "test",
      content: ["ABCDEFGH12345678WXYZ,pass-secret-1", "SHORTCD8"].join("\n"),
    });
    const { userId } = await shop.buyer(100_000n);
    const placed = await shop.c.orders.place(
      { ...ctx, actor: { kind: "buyer", userId } },
      { userId, productId: p.id, quantity: 2, idempotencyKey: `masked-${p.id}`, payWith: "wallet" },
    );
    if (!placed.ok) throw new Error(placed.code);
    expect(placed.order.status).toBe("DELIVERED");
    const r = await router.handle(turn("503", cmd("order", placed.order.id)));
    const shown = words(r);
    expect(shown).toMatch(
      /Codes \(masked\):\n {2}ABCD…WXYZ {2}#[0-9a-f]{12} {2}SOLD\n {2}SH…D8 {2}#[0-9a-f]{12} {2}SOLD/,
    );
    for (const secret of ["ABCDEFGH12345678WXYZ", "EFGH1234", "pass-secret-1", "SHORTCD8"])
      expect(shown).not.toContain(secret);
    expect(r.some((x) => x.kind === "codes")).toBe(false);
    // Masked codes are staff reading an order: a buyer asking for them, even their own, is refused.
    await expect(
      shop.c.inventory.maskedCodes({ ...ctx, actor: { kind: "buyer", userId } }, { orderId: placed.order.id }),
    ).rejects.toMatchObject({ type: "forbidden" });
  });

  it("refunds at once under the threshold; above it asks a second person, with buttons that decide once", async () => {
    const small = await paidOrder(1);
    expect(words(await router.handle(turn("501", cmd("refund", `${small.id} buyer asked`))))).toBe(
      `Order ${small.id} refunded to the buyer's wallet.`,
    );
    expect((await shop.order(small.id)).status).toBe("REFUNDED");

    const big = await paidOrder(2);
    const asked = await router.handle(turn("501", { kind: "text", text: `/refund ${big.id} double charge` }));
    expect(words(asked)).toContain(`Needs a second person's approval: refund order ${big.id} (PAID): ¥60.00`);
    const [approve, reject] = buttonsOf(asked);
    expect([approve?.label, reject?.label]).toEqual(["Approve", "Reject"]);
    const press = (from: string, lang = "en") =>
      router.handle(turn(from, { kind: "button", data: (approve as { data: string }).data }, { lang }));

    expect(words(await press("501"))).toBe("You asked for this yourself: another staff member must decide.");
    expect(words(await press("503"))).toBe("Your role (support) may not do that. The attempt was recorded.");
    expect((await shop.order(big.id)).status).toBe("PAID");
    const [en, zh] = (await Promise.all([press("502"), press("502", "zh-CN")])).map(words);
    // Either press may win; the loser saw the request mid-way (APPROVED, executing) or done (EXECUTED): decided.
    const enWon = en === `Approved and done: refund order ${big.id} (PAID): ¥60.00 to user ${big.userId}`;
    if (enWon) expect(zh).toMatch(/^已经处理过（(APPROVED|EXECUTED)）。$/);
    else {
      expect(en).toMatch(/^Already decided \((APPROVED|EXECUTED)\)\.$/);
      expect(zh).toMatch(new RegExp(`^已批准并执行.*${big.id}`));
    }
    expect((await shop.order(big.id)).status).toBe("REFUNDED");
  });

  it("answers bad input specifically and changes nothing", async () => {
    const order = await paidOrder(1);
    expect(words(await router.handle(turn("501", cmd("frobnicate"))))).toBe(
      "Unknown command “frobnicate”. Send help for the list.",
    );
    expect(words(await router.handle(turn("501", cmd("refund", order.id))))).toBe(
      "Usage: refund <order id> [<order id> …] <reason>",
    );
    expect(words(await router.handle(turn("501", cmd("order"))))).toMatch(/^Usage: order <order number \| order id/);
    // Finance reads orders but may not look buyers up (identity.manage); support may, and finds none.
    expect(words(await router.handle(turn("501", cmd("order", "12345"))))).toBe(
      "Your role (finance) may not do that. The attempt was recorded.",
    );
    expect(words(await router.handle(turn("503", cmd("order", "12345"))))).toBe("No order found for “12345”.");
    expect(words(await router.handle(turn("501", cmd("order", "0190a0a0-0000-7000-8000-000000000000"))))).toBe(
      "No order found for “0190a0a0-0000-7000-8000-000000000000”.",
    );
    expect(words(await router.handle(turn("501", cmd("approve", "0190a0a0-0000-7000-8000-000000000000"))))).toBe(
      "No such approval request.",
    );
    expect(words(await router.handle(turn("501", { kind: "button", data: "sa:x:forged" })))).toContain(
      "Unknown command",
    );
    expect((await shop.order(order.id)).status).toBe("PAID");
    const refused = await shop.c.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM audit_log WHERE outcome = 'refused' AND action LIKE 'bot.%' AND actor_user_id IS NOT NULL`,
    );
    expect(refused[0]!.n).toBeGreaterThanOrEqual(6);
  });

  it("a staff member's private chat is the shop's, and the staff bot itself refuses a chat that is not a staff channel", async () => {
    await router.handle(turn("501", cmd("pending"), { chat: "501" }));
    expect(shopTurns.map((t) => t.chat.id)).toEqual(["501"]);
    const bot = createStaffBot({
      ...con,
      orders: shop.c.orders,
      inventory: shop.c.inventory,
      catalog: shop.c.catalog,
      isStaffChat: () => false,
    });
    expect(words(await bot.handle(turn("501", cmd("pending"), { chat: "-100888" })))).toBe(
      "Staff commands work only in the staff channel. Your attempt was recorded.",
    );
    expect(await lastAudit()).toMatchObject({
      action: "bot.pending",
      outcome: "refused",
      details: { code: "not_staff_channel" },
    });
  });

  it("shows stock per code product to roles with stock.read; others are refused", async () => {
    await con.staff.add(cli, { name: "Otto", role: "operator", telegramUserId: "504" });
    const p = await shop.codeProduct({ stock: 3, sku: "STAFF-CARD-10" });
    const r = await router.handle(turn("504", cmd("stock"), { lang: "zh-CN" }));
    const table = words(r);
    expect(table).toContain("库存（卡密）");
    expect(table).toMatch(/STAFF-CARD-10\s+3\s+0\s+0/);
    expect(table).not.toContain(productId); // DIRECT products have no stock
    expect(r[0]!.kind === "text" && r[0]!.body.some((part) => part.style === "pre")).toBe(true);
    expect(words(await router.handle(turn("501", cmd("stock"))))).toBe(
      "Your role (finance) may not do that. The attempt was recorded.",
    );
    expect(p.sku).toBe("STAFF-CARD-10");
  });

  it("shows an order's audit trail to owners and admins; others are refused", async () => {
    const admin = await con.staff.add(cli, { name: "Ada", role: "admin", telegramUserId: "505" });
    const order = await paidOrder(1);
    await router.handle(turn("501", cmd("refund", `${order.id} shown in the trail`)));
    const r = words(await router.handle(turn("505", cmd("audit", `order ${order.id}`))));
    expect(r).toContain("Audit trail (newest first)");
    expect(r).toMatch(/orders\.refund ok/);
    expect(r).toMatch(/bot\.refund ok|staff:finance/);
    expect(words(await router.handle(turn("505", cmd("audit", `staff ${admin.userId}`))))).toMatch(/bot\.audit ok/);
    expect(words(await router.handle(turn("501", cmd("audit", `order ${order.id}`))))).toBe(
      "Your role (finance) may not do that. The attempt was recorded.",
    );
    expect(words(await router.handle(turn("505", cmd("audit", "order nope"))))).toBe(
      "Usage: audit order <order id> | audit user <user id> | audit staff <user id>",
    );
    // About a user: nothing staff did to this buyer's wallet yet.
    expect(words(await router.handle(turn("505", cmd("audit", `user ${order.userId}`))))).toBe("No audit entries.");
  });

  it("lists pending requests, and the whole trail still verifies", async () => {
    const big = await paidOrder(3);
    await router.handle(turn("502", cmd("refund", `${big.id} wrong product`)));
    const r = await router.handle(turn("501", cmd("pending")));
    expect(words(r)).toContain(`refund order ${big.id} (PAID): ¥90.00`);
    expect(words(r)).toContain("wrong product");
    expect(await con.audit.verify(cli)).toMatchObject({ ok: true });
  });
});
