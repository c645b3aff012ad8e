import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";
import type { ChatBot } from "../../bots/chat-bot.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { asBuyer, sql, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

const STAFF_GROUP = "-100778";
const cli = systemContext("cli:test", { channel: "cli" });
let seq = 0;
const turn = (from: string, input: TurnInput, lang = "en"): InboundTurn => ({
  id: `rt${++seq}`,
  channel: "telegram",
  chat: { id: STAFF_GROUP, kind: "group" },
  from: { externalId: from, displayName: `user ${from}`, languageCode: lang },
  input,
});
const cmd = (line: string): TurnInput => ({ kind: "text", text: line });
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");
const buttonsOf = (r: Reply[]) => r.flatMap((x) => (x.kind === "text" ? (x.buttons ?? []).flat() : []));

/** The risk review queue and rule commands in the staff bot (docs/risk.md "Staff console"). */
describe("the staff bot's risk commands", () => {
  let shop: Shop;
  let con: StaffConsole;
  let bot: ChatBot;

  beforeAll(async () => {
    shop = await createShop("staffrisk", { workers: false, env: { RISK_ENABLED: "true" } });
    con = createStaffConsole(shop.c);
    await con.staff.add(cli, { name: "Ada", role: "admin", telegramUserId: "601" });
    await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "602" });
    await con.staff.add(cli, { name: "Fei", role: "finance", telegramUserId: "603" });
    bot = telegramStaffBot(shop.c, con, STAFF_GROUP, { risk: { risk: shop.c.risk, riskReview: shop.c.riskReview } });
  });
  afterAll(() => shop.dispose());

  /** A held order: 500.00 (one reviewer at the default RISK_RELEASE_APPROVAL_OVER) unless `price`. */
  async function heldOrder(price = 50_000n) {
    const p = await shop.codeProduct({ price, stock: 2 });
    const { userId } = await shop.buyer(100_000n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: p.id,
      quantity: 1,
      idempotencyKey: `sr-${p.id}`,
      payWith: "wallet",
    });
    if (!r.ok || r.order.status !== "HELD_FOR_REVIEW") throw new Error("not held");
    return { userId, order: r.order };
  }

  it("lists held orders with the rules that fired and Approve/Reject buttons; two presses approve once", async () => {
    const { order } = await heldOrder();
    const list = await bot.handle(turn("602", cmd("held")));
    expect(words(list)).toContain(order.id);
    expect(words(list)).toContain("new-account-large-first-order");
    expect(words(list)).toContain('"buyer.order_count":0');
    const approve = buttonsOf(list).find(
      (b) => b.kind === "callback" && b.label === "Approve" && b.data.includes(order.id),
    );
    if (!approve || approve.kind !== "callback") throw new Error("no approve button");
    const [a, b] = await Promise.all([
      bot.handle(turn("602", { kind: "button", data: approve.data })),
      bot.handle(turn("603", { kind: "button", data: approve.data })),
    ]);
    const answers = [words(a), words(b)];
    expect(answers.filter((w) => w.includes("approved: it continues"))).toHaveLength(1);
    expect(answers.filter((w) => w.includes("no longer held"))).toHaveLength(1);
    expect((await shop.order(order.id)).status).toBe("PAID");
  });

  it("above RISK_RELEASE_APPROVAL_OVER approving asks a second staff member, who releases it", async () => {
    const { order } = await heldOrder(70_000n);
    const asked = await bot.handle(turn("602", cmd(`review approve ${order.id} regular buyer`)));
    expect(words(asked)).toContain(`release held order ${order.id}`);
    expect((await shop.order(order.id)).status).toBe("HELD_FOR_REVIEW");
    const decide = buttonsOf(asked).find((b) => b.kind === "callback" && b.label === "Approve");
    if (!decide || decide.kind !== "callback") throw new Error("no approval button");
    const own = await bot.handle(turn("602", { kind: "button", data: decide.data }));
    expect(words(own)).not.toContain("approved: it continues");
    expect((await shop.order(order.id)).status).toBe("HELD_FOR_REVIEW");
    await bot.handle(turn("603", { kind: "button", data: decide.data }));
    expect((await shop.order(order.id)).status).toBe("PAID");
  });

  it("rejects with a reason (refunded), and 'review block' also blocks the buyer — admins only", async () => {
    const one = await heldOrder();
    const r = await bot.handle(turn("602", cmd(`review reject ${one.order.id} card reported stolen`)));
    expect(words(r)).toContain("refunded to the buyer's wallet");
    expect((await shop.order(one.order.id)).status).toBe("REFUNDED");

    const two = await heldOrder();
    const refused = await bot.handle(turn("602", cmd(`review block ${two.order.id} fraud ring`)));
    expect(words(refused)).toContain("may not do that");
    expect((await shop.order(two.order.id)).status).toBe("HELD_FOR_REVIEW");
    const done = await bot.handle(turn("601", cmd(`review block ${two.order.id} fraud ring`), "zh-CN"));
    expect(words(done)).toContain("买家已加入黑名单");
    const lists = await shop.c.risk.listEntries(ctx);
    expect(lists.some((e) => e.list === "block" && e.kind === "user" && e.value === two.userId)).toBe(true);
  });

  it("shows and edits rules (audited), refuses finance, and runs a backtest", async () => {
    expect(words(await bot.handle(turn("602", cmd("rules"))))).toMatch(/buyer-velocity\s+block\s+v1\s+\[5\]/);
    expect(words(await bot.handle(turn("602", cmd("rule threshold buyer-velocity 3"))))).toContain("may not do that");
    expect(words(await bot.handle(turn("601", cmd("rule threshold buyer-velocity 3"))))).toContain("version 2");
    expect(words(await bot.handle(turn("601", cmd("rule disable target-velocity"))))).toContain("saved");
    expect(
      words(
        await bot.handle(turn("601", cmd('rule set big-quantity review {"signal":"quantity","op":"gte","value":10}'))),
      ),
    ).toContain("big-quantity saved (version 1)");
    expect(words(await bot.handle(turn("601", cmd('rule set bad review {"eval":"1+1"}'))))).toContain(
      "Not done: condition",
    );
    const rules = await shop.c.risk.rules(ctx);
    expect(rules.find((r) => r.name === "buyer-velocity")).toMatchObject({ version: 2, condition: { value: 3 } });
    expect(rules.find((r) => r.name === "target-velocity")).toMatchObject({ enabled: false });
    const [audits] = await shop.c.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'risk.rule'`,
    );
    expect(audits!.n).toBe(3);
    const bt = words(await bot.handle(turn("602", cmd("backtest 7"))));
    expect(bt).toMatch(/Backtest over the last 7 days: \d+ orders/);
    expect(bt).toContain("buyer-velocity");
  });

  it("adds and removes list entries; bad input gets its usage or a clear refusal", async () => {
    const added = words(await bot.handle(turn("601", cmd("risklist add block ip 10.0.0.0/8 proxy farm days=30"))));
    const id = /entry ([0-9a-f-]{36})/.exec(added)?.[1];
    expect(id).toBeDefined();
    expect(words(await bot.handle(turn("602", cmd("risklist"))))).toContain("10.0.0.0/8");
    expect(words(await bot.handle(turn("601", cmd("risklist add block ip 300.1.1.1 bad"))))).toContain(
      "not an IP address",
    );
    expect(words(await bot.handle(turn("601", cmd("review approve not-an-id"))))).toContain("Usage: review approve");
    expect(words(await bot.handle(turn("601", cmd(`risklist remove ${id}`))))).toContain("Removed 10.0.0.0/8");
  });
});
