import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { ChatBot } from "../../bots/chat-bot.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { systemContext } from "../../core/shared/index.ts";
import { createBotHarness, plainOf, type BotHarness, type ChatClient } from "./support/bot-harness.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";

const STAFF_GROUP = "-100555";
const cli = systemContext("cli:test", { channel: "cli" });
let seq = 0;
const staffTurn = (from: string, input: TurnInput): InboundTurn => ({
  id: `ds${++seq}`,
  channel: "telegram",
  chat: { id: STAFF_GROUP, kind: "group" },
  from: { externalId: from, displayName: `staff ${from}`, languageCode: "en" },
  input,
});
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");

let h: BotHarness;
let con: StaffConsole;
let staffBot: ChatBot;
beforeAll(async () => {
  h = await createBotHarness("agentscreens", {
    workers: false,
    bot: (shop) => ({ distribution: shop.c.distribution }),
  });
  con = createStaffConsole(h.c);
  await con.staff.add(cli, { name: "Olu", role: "operator", telegramUserId: "801" });
  await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "802" });
  staffBot = telegramStaffBot(h.c, con, STAFF_GROUP, { distribution: h.c.distribution });
});
afterAll(() => h.dispose());

/** The shop notifier's messages for the user's latest application decision (as the outbox consumer feeds them). */
async function decisionNotice(userId: string) {
  const [row] = await h.prisma.$queryRaw<Array<{ id: bigint; payload: Record<string, unknown> }>>`
    SELECT id, payload FROM outbox_events WHERE type = 'distributor.application_decided'
      AND payload->>'userId' = ${userId} ORDER BY id DESC LIMIT 1`;
  if (!row) throw new Error("no decision event");
  return h.bot.onDomainEvent({
    type: "distributor.application_decided",
    id: String(row.id),
    payload: row.payload,
  } as never);
}

async function newChat(externalId: string, start = "/start"): Promise<{ chat: ChatClient; userId: string }> {
  const chat = h.client({ channel: "telegram", externalId, lang: "en", name: `User ${externalId}` });
  await chat.send(start);
  return { chat, userId: await h.userIdOf("telegram", externalId) };
}

async function approvedDistributor(externalId: string, start = "/start") {
  const { chat, userId } = await newChat(externalId, start);
  await chat.send("/agent");
  await chat.press(/Apply/);
  const r = await staffBot.handle(
    staffTurn("801", { kind: "command", command: "applications", payload: `approve ${userId}` }),
  );
  expect(words(r)).toContain("Approved");
  return { chat, userId };
}

describe("/agent: apply in chat, staff approve in the staff console, the applicant is told", () => {
  it("apply → pending (no duplicate) → staff list with buttons → approve by button → told → dashboard", async () => {
    const { chat, userId } = await newChat("9101");
    const intro = await chat.send("/agent");
    expect(plainOf(intro)).toContain("Become a distributor");
    const applied = await chat.press(/Apply/);
    expect(plainOf(applied)).toContain("waiting for review");
    // Applying again (an old Apply button, /agent again): still one pending application, no second one.
    await chat.press(/Apply/, intro);
    expect(plainOf(chat.last)).toContain("waiting for review");
    expect(plainOf(await chat.send("/agent"))).toContain("waiting for review");
    expect(buttonsLabels(chat.last)).not.toContain("📝 Apply");
    const apps = await h.prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM distributor_applications WHERE user_id = ${userId}::uuid`;
    expect(apps[0]!.n).toBe(1);

    const list = await staffBot.handle(staffTurn("801", { kind: "command", command: "applications", payload: "" }));
    expect(words(list)).toContain(userId);
    const approve = list
      .flatMap((r) => (r.kind === "text" ? (r.buttons ?? []).flat() : []))
      .find((b) => b.kind === "callback" && b.data === `sd:a:${userId}`);
    expect(approve).toBeDefined();
    const press = () => staffBot.handle(staffTurn("801", { kind: "button", data: `sd:a:${userId}`, messageId: "5" }));
    const [first, second] = await Promise.all([press(), press()]);
    expect([words(first), words(second)].filter((w) => w.startsWith("Approved"))).toHaveLength(1);
    expect([words(first), words(second)].filter((w) => w.includes("not pending"))).toHaveLength(1);

    const told = await decisionNotice(userId);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ userId, channel: "telegram", chatId: "9101" });
    expect(plainOf(told[0]!.replies)).toContain("was approved. Your tier: Ordinary agent");

    const dash = plainOf(await chat.send("/agent"));
    expect(dash).toContain("Distributor dashboard");
    expect(dash).toContain("Tier: Ordinary agent");
    expect(dash).toContain("¥5,000.00 more in 30 days for Silver");
    expect(dash).toContain("Today: 0 sales, ¥0.00, commission ¥0.00");
    expect(dash).toContain("/withdraw");
    // Applying once a distributor: the dashboard, nothing new.
    expect(plainOf(await chat.press(/Apply/, applied.length ? intro : intro))).toContain("Distributor dashboard");
  });

  it("a rejection is told with the reason, and the user may apply again (one row, pending again)", async () => {
    const { chat, userId } = await newChat("9102");
    await chat.send("/agent");
    await chat.press(/Apply/);
    await staffBot.handle(
      staffTurn("801", { kind: "command", command: "applications", payload: `reject ${userId} not enough info` }),
    );
    expect(plainOf((await decisionNotice(userId))[0]!.replies)).toContain("not approved (not enough info)");
    expect(plainOf(await chat.send("/agent"))).toContain("not approved (not enough info). You may apply again.");
    await chat.press(/Apply again/);
    expect(plainOf(chat.last)).toContain("waiting for review");
  });

  it("only staff with distribution.manage decide: a buyer, a non-staff chat member and finance are refused", async () => {
    const { chat, userId } = await newChat("9103");
    await chat.send("/agent");
    await chat.press(/Apply/);
    const stranger = await staffBot.handle(
      staffTurn("999", { kind: "button", data: `sd:a:${userId}`, messageId: "1" }),
    );
    expect(words(stranger)).not.toContain("Approved");
    const finance = await staffBot.handle(
      staffTurn("802", { kind: "command", command: "applications", payload: `approve ${userId}` }),
    );
    expect(words(finance)).toMatch(/not allowed|may not|forbidden|role/i);
    // A forged staff button pressed in the shop bot is just an invalid button.
    expect(plainOf(await chat.pressData(`sd:a:${userId}`))).toContain("no longer valid");
    expect(await h.c.distribution.get(cli, userId)).toBeNull();
    expect((await h.c.distribution.application(cli, userId))!.status).toBe("PENDING");
  });
});

describe("shops and prices", () => {
  it("creates a shop (name typed), shows its link; a markup is saved; under the floor is refused with the floor", async () => {
    const product = await h.shop.codeProduct({ price: 10_000n, stock: 2, sku: "AGENT-CARD-1" });
    const { chat, userId } = await approvedDistributor("9201");
    await chat.send("/agent");
    await chat.press(/My shops/);
    expect(plainOf(chat.last)).toContain("no shop yet");
    await chat.press(/New shop/);
    // Bad names: nothing created.
    expect(plainOf(await chat.send("x".repeat(61)))).toContain("1–60 characters");
    expect(await h.c.distribution.shops(cli, userId)).toHaveLength(0);
    const made = plainOf(await chat.send("Ann's cards"));
    expect(made).toContain('Shop "Ann\'s cards" created.');
    const [shop] = await h.c.distribution.shops(cli, userId);
    expect(made).toContain(`?start=shop_${shop!.id}`);

    await chat.press(/Prices of this shop/);
    expect(plainOf(chat.last)).toContain("No rules");
    await chat.press(/Set for a product/);
    expect(plainOf(await chat.send("NO-SUCH-SKU"))).toContain('No product "NO-SUCH-SKU" is on sale');
    await chat.send("agent-card-1");
    expect(plainOf(chat.last)).toContain("How should Product Test card be priced?");
    await chat.press(/Markup %/);
    for (const [bad, says] of [
      ["abc", "is not a number"],
      ["-5", "cannot be negative"],
      ["12.345", "two decimals"],
      ["99999999999999999999", "too large: at most 1000%"],
      ["1001", "too large"],
    ] as const)
      expect(plainOf(await chat.send(bad)), bad).toContain(says);
    expect(await h.c.distribution.rules(cli, "SHOP", shop!.id)).toHaveLength(0);
    const saved = plainOf(await chat.send("15"));
    expect(saved).toContain("Saved: Product Test card — cost + 15%.");

    // A fixed price under the owner's cost (retail 100.00 − 3% = 97.00) is refused, the floor named.
    await chat.press(/Set for all products/);
    await chat.press(/Fixed price/);
    for (const [bad, says] of [
      ["1.001", "two decimals"],
      ["10000000", "too large: at most ¥1,000,000.00"],
    ] as const)
      expect(plainOf(await chat.send(bad)), bad).toContain(says);
    const refused = plainOf(await chat.send("50"));
    expect(refused).toContain("under your cost ¥97.00");
    expect(refused).toContain("Nothing was changed");
    const rules = await h.c.distribution.rules(cli, "SHOP", shop!.id);
    expect(rules.map((r) => `${r.target} ${r.mode} ${r.value}`)).toEqual([`product:${product.id} MARKUP_PCT 1500`]);
    // Still at the value step: a price at or above the floor is saved.
    expect(plainOf(await chat.send("97"))).toContain("Saved: All products — fixed ¥97.00.");
  });

  it("stale and forged buttons change nothing: another's shop, a non-distributor, a tampered signature", async () => {
    const owner = await approvedDistributor("9301");
    await owner.chat.send("/agent");
    await owner.chat.press(/My shops/);
    await owner.chat.press(/New shop/);
    await owner.chat.send("Owner shop");
    const rulesScreen = await owner.chat.press(/Prices of this shop/);
    const setAll = rulesScreen.flatMap((r) => ("buttons" in r && r.buttons ? r.buttons.flat() : []));
    const other = await approvedDistributor("9302");
    // Another distributor pressing the owner's buttons: refused as invalid, no rule.
    for (const b of setAll)
      if (b.kind === "callback" && b.data.startsWith("D") && b.label !== "« Dashboard") {
        const r = plainOf(await other.chat.pressData(b.data));
        expect(r, b.label).toMatch(/no longer valid|Your team|Distributor dashboard/);
      }
    const [shop] = await h.c.distribution.shops(cli, owner.userId);
    expect(await h.c.distribution.rules(cli, "SHOP", shop!.id)).toHaveLength(0);
    // A buyer who is not a distributor.
    const { chat: buyer } = await newChat("9303");
    expect(
      plainOf(await buyer.press(/My shops/, owner.chat.last.length ? await owner.chat.send("/agent") : [])),
    ).toContain("no longer valid");
    // A tampered signature.
    const data = setAll.find((b) => b.kind === "callback" && b.label === "Set for all products")!;
    const forged = (data as { data: string }).data.slice(0, -1) + "A";
    expect(plainOf(await owner.chat.pressData(forged))).toContain("no longer valid");
  });
});

describe("recruiting and the team", () => {
  it("a user who came by an L1's link and applies becomes its L2 on approval (silver may lead); team price", async () => {
    const l1 = await approvedDistributor("9401");
    await h.c.distribution.setTier(cli, { userId: l1.userId, tierId: "silver" });
    await l1.chat.send("/agent");
    const ref = plainOf(await l1.chat.press(/Referral link/));
    const code = /start ref_([a-z0-9]+)/.exec(ref)![1]!;

    const { chat, userId } = await newChat("9402", `/start ref_${code}`);
    await chat.send("/agent");
    expect(plainOf(chat.last)).toContain("User 9401's link: once approved you join their team");
    await chat.press(/Apply/);
    await staffBot.handle(staffTurn("801", { kind: "command", command: "applications", payload: `approve ${userId}` }));
    expect((await h.c.distribution.get(cli, userId))!.parentId).toBe(l1.userId);
    expect(plainOf((await decisionNotice(userId))[0]!.replies)).toContain("You are in User 9401's team.");
    expect(plainOf(await chat.send("/agent"))).toContain("You are in User 9401's team.");
    expect(plainOf(await chat.press(/My team/))).toContain("team members cannot recruit");

    await l1.chat.send("/agent");
    const team = plainOf(await l1.chat.press(/My team/));
    expect(team).toContain("User 9402 — Ordinary agent, ¥0.00");
    await l1.chat.press(/Team price/);
    await l1.chat.press(/Set for all products/);
    await l1.chat.press(/Fixed amount over cost/);
    expect(plainOf(await l1.chat.send("2"))).toContain("Saved: All products — cost + ¥2.00.");
    expect(await h.c.distribution.rules(cli, "TEAM", l1.userId)).toEqual([
      expect.objectContaining({ target: "all", mode: "FIXED_OVER_COST", value: 200n }),
    ]);
  });

  it("an L1 whose tier has no team (ordinary) does not take recruits: the applicant is a plain L1", async () => {
    const l1 = await approvedDistributor("9501");
    await l1.chat.send("/agent");
    const code = /start ref_([a-z0-9]+)/.exec(plainOf(await l1.chat.press(/Referral link/)))![1]!;
    const { userId } = await approvedDistributor("9502", `/start ref_${code}`);
    expect((await h.c.distribution.get(cli, userId))!.parentId).toBeNull();
    expect(plainOf(await l1.chat.send("/agent"))).toContain("Distributor dashboard");
    expect(plainOf(await l1.chat.press(/My team/))).toContain("may not have a team yet");
  });

  it("a tier change is told in the distributor's chat", async () => {
    const { userId } = await approvedDistributor("9601");
    const out = await h.bot.onDomainEvent({
      type: "distributor.tier_changed",
      id: "987654",
      payload: { userId, fromTier: "ordinary", toTier: "silver", reason: "upgrade" },
    } as never);
    expect(out).toHaveLength(1);
    expect(plainOf(out[0]!.replies)).toContain("you are now Silver (was Ordinary agent)");
  });
});

function buttonsLabels(replies: Reply[]): string[] {
  return replies.flatMap((r) => ("buttons" in r && r.buttons ? r.buttons.flat().map((b) => b.label) : []));
}
