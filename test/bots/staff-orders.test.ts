import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { BotRouter } from "../../bots/router.ts";
import { telegramStaffRouter } from "./support/staff-bot-harness.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { createIdentity } from "../../core/identity/index.ts";
import { asBuyer, sql, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

/*
 * The staff console's order look-up (by number, id, buyer, @username, target, supplier reference) and its
 * 补单 commands (backorders with ages and buttons, fill, reroute, backorder on/off), in a Telegram staff group.
 */
const STAFF_GROUP = "-100778";
const cli = systemContext("cli:test", { channel: "cli" });
let turnSeq = 0;

function turn(from: string, input: TurnInput, lang = "en"): InboundTurn {
  return {
    id: `so${++turnSeq}`,
    channel: "telegram",
    chat: { id: STAFF_GROUP, kind: "group" },
    from: { externalId: from, displayName: `user ${from}`, languageCode: lang },
    input,
  };
}
const cmd = (command: string, payload = ""): TurnInput => ({ kind: "command", command, payload });
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");
const buttonsOf = (r: Reply[]) =>
  r.flatMap((x) => (x.kind === "text" ? (x.buttons ?? []).flat() : [])).filter((b) => b.kind === "callback");

describe("staff console: order look-up and backorders", () => {
  let shop: Shop;
  let con: StaffConsole;
  let router: BotRouter;
  const OPERATOR = "601";
  const SUPPORT = "602";
  const VIEWER = "603";

  beforeAll(async () => {
    shop = await createShop("stafforders", { workers: false });
    con = createStaffConsole(shop.c);
    await con.staff.add(cli, { name: "Olga", role: "owner", telegramUserId: OPERATOR });
    await con.staff.add(cli, { name: "Sam", role: "support", telegramUserId: SUPPORT });
    await con.staff.add(cli, { name: "Vic", role: "viewer", telegramUserId: VIEWER });
    router = telegramStaffRouter(shop.c, con, STAFF_GROUP);
  });
  afterAll(() => shop.dispose());

  /** A buyer known on Telegram (id + @username), funded. */
  async function telegramBuyer(externalId: string, username: string) {
    const identity = createIdentity({ sql: shop.c.db.sql, clock: shop.c.clock, secrets: shop.c.secrets });
    const { user } = await identity.resolve(ctx, {
      channel: "telegram",
      externalId,
      displayName: username,
      username,
      privateChat: true,
    });
    await shop.fund(user.id, 100_000n);
    return user.id;
  }

  async function buy(userId: string, productId: string, target?: string) {
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId,
      quantity: 1,
      idempotencyKey: `so-${++turnSeq}`,
      payWith: "wallet",
      ...(target ? { target } : {}),
    });
    if (!r.ok) throw new Error(r.code);
    return shop.order(r.order.id);
  }

  it("finds an order by its number (as people type it), by buyer, @username, target and supplier reference", async () => {
    const card = await shop.codeProduct({ stock: 2, price: 1000n });
    const { supplier, sim } = await shop.supplier("staff-orders-sim");
    const topUp = await shop.directProduct([{ supplierId: supplier.id, cost: 2500n }], 3000n);
    const buyer = await telegramBuyer("777001", "alice_buys");
    const delivered = await buy(buyer, card.id);
    const direct = await buy(buyer, topUp.id, "13800138000");
    await shop.c.orders.fulfil(ctx, { orderId: direct.id });

    // By number, lower case with a space: the one order, its payment, codes masked, history.
    const typed = `#${delivered.number.toLowerCase().replace("-", " ")}`;
    const one = words(await router.handle(turn(SUPPORT, cmd("order", typed))));
    expect(one).toContain(`Order ${delivered.number} ${delivered.id}`);
    expect(one).toContain("Status: DELIVERED");
    expect(one).toContain(`Payment: ledger ${delivered.paymentTxId}`);
    expect(one).toMatch(/Codes \(masked\):\n {2}COD…[0-9a-f-]+ {2}#[0-9a-f]+ {2}SOLD/);
    expect(one).not.toMatch(/CODE-[0-9a-f]{8}-\d/); // never a whole code
    expect(one).toContain("CREATED → PAID");

    // By the DIRECT order's supplier attempt: the supplier's own reference.
    const [attempt] = await shop.c.db.sql.query<{ external_ref: string }>(
      sql`SELECT external_ref FROM supplier_requests WHERE order_id = ${direct.id}::uuid`,
    );
    expect(attempt?.external_ref).toBeTruthy();
    expect(sim).toBeDefined();
    const byRef = words(await router.handle(turn(SUPPORT, cmd("order", attempt!.external_ref))));
    expect(byRef).toContain(`Order ${direct.number}`);
    expect(byRef).toMatch(/Supplier attempts: \n.*staff-orders-sim {2}SUCCEEDED {2}ref /);

    // By the buyer: Telegram id, @username, user id — the buyer's latest orders.
    for (const q of ["777001", "@alice_buys", buyer]) {
      const list = words(await router.handle(turn(SUPPORT, cmd("order", q))));
      expect(list).toContain(`2 orders for “${q}”`);
      expect(list).toContain(delivered.number);
      expect(list).toContain(direct.number);
    }
    // By the recharge target: the one order sent to it.
    const byTarget = words(await router.handle(turn(SUPPORT, cmd("order", "13800138000"))));
    expect(byTarget).toContain(`Order ${direct.number}`);
    expect(byTarget).toContain("→ 13800138000");

    // Only an order at a supplier can be retried with another one.
    expect(words(await router.handle(turn(OPERATOR, cmd("retry", delivered.number))))).toMatch(
      /^Not done: the order is DELIVERED: only an order at a supplier can be retried/,
    );
    // A mistyped order number says so; a viewer may not read orders at all.
    const wrongCheck = delivered.number.slice(0, -1) + (delivered.number.endsWith("A") ? "B" : "A");
    expect(words(await router.handle(turn(SUPPORT, cmd("order", wrongCheck))))).toMatch(/mistyped/);
    expect(words(await router.handle(turn(VIEWER, cmd("order", delivered.number))))).toBe(
      "Your role (viewer) may not do that. The attempt was recorded.",
    );
    expect(await con.audit.trail(cli, { recent: true }, { limit: 1 })).toMatchObject([
      { action: "bot.order", outcome: "refused" },
    ]);
  });

  it("turns backorders on, lists waiting orders with their age and buttons, fills and refuses in order", async () => {
    const p = await shop.codeProduct({ price: 1000n });
    const m = words(await router.handle(turn(OPERATOR, cmd("backorder", `${p.sku} on`))));
    expect(m).toContain(`${p.sku} now takes paid orders while out of stock`);
    expect((await shop.c.catalog.getProduct(ctx, p.id))?.acceptBackorders).toBe(true);
    // A support role may not change the catalog.
    expect(words(await router.handle(turn(SUPPORT, cmd("backorder", `${p.sku} off`))))).toBe(
      "Your role (support) may not do that. The attempt was recorded.",
    );

    const first = await buy(await shop.user().then(async (u) => (await shop.fund(u, 5_000n), u)), p.id);
    const second = await buy(await shop.user().then(async (u) => (await shop.fund(u, 5_000n), u)), p.id);
    expect([first.status, second.status]).toEqual(["AWAITING_STOCK", "AWAITING_STOCK"]);

    const list = await router.handle(turn(OPERATOR, cmd("backorders", p.sku)));
    const text = words(list);
    expect(text).toContain("Waiting for stock (补单), oldest first");
    expect(text.indexOf(first.number)).toBeLessThan(text.indexOf(second.number));
    expect(text).toMatch(/⏳ \d+ min/);
    const buttons = buttonsOf(list);
    expect(buttons.map((b) => b.label)).toEqual([
      "Fill from stock",
      "Send to supplier",
      "Fill from stock",
      "Send to supplier",
    ]);

    // Out of stock: the Fill button says so and changes nothing.
    const fillSecond = buttons[2]!;
    expect(fillSecond.kind === "callback" && fillSecond.data).toBe(`sb:f:${second.id}`);
    const short = await router.handle(turn(OPERATOR, { kind: "button", data: `sb:f:${second.id}` }));
    expect(words(short)).toBe(`Order ${second.number} is still waiting: not enough codes in stock.`);
    // No supplier to send it to.
    expect(words(await router.handle(turn(OPERATOR, cmd("reroute", first.number))))).toBe(
      "Not done: the product has no supplier to send it to.",
    );

    await shop.c.inventory.importCodes(ctx, { productId: p.id, source: "test", content: "BO-CODE-AAAA-0001" });
    const filled = await router.handle(turn(OPERATOR, { kind: "button", data: `sb:f:${second.id}` }));
    expect(words(filled)).toBe(`Order ${second.number} was filled from stock; the buyer got the codes in their chat.`);
    expect((await shop.order(second.id)).status).toBe("DELIVERED");
    expect(words(await router.handle(turn(OPERATOR, cmd("fill", second.number))))).toMatch(
      /^Not done: the order is DELIVERED/,
    );
    // Support may read the list but not fill.
    expect(words(await router.handle(turn(SUPPORT, cmd("fill", first.number))))).toBe(
      "Your role (support) may not do that. The attempt was recorded.",
    );
    expect((await shop.order(first.id)).status).toBe("AWAITING_STOCK");
    const zh = words(await router.handle(turn(SUPPORT, cmd("backorders"), "zh-CN")));
    expect(zh).toContain("等待补货的订单（补单），最早在前");
    expect(zh).toContain(first.number);
    expect(zh).not.toContain(second.number);
  });
});
