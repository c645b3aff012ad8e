import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { ChatBot } from "../../bots/chat-bot.ts";
import type { CallbackButton, InboundTurn, Reply, TurnInput } from "../../bots/turn.ts";
import { toPlain } from "../../bots/turn.ts";
import { sql, systemContext } from "../../core/shared/index.ts";
import { createShop, type Shop } from "../e2e/support/shop.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";

const GROUP = "-100888";
const cli = systemContext("cli:test", { channel: "cli" });
let seq = 0;
const turn = (from: string, input: TurnInput): InboundTurn => ({
  id: `sm${++seq}`,
  channel: "telegram",
  chat: { id: GROUP, kind: "group" },
  from: { externalId: from, displayName: `user ${from}`, languageCode: "en" },
  input,
});
const line = (text: string): TurnInput => ({ kind: "text", text });
const press = (data: string): TurnInput => ({ kind: "button", data, messageId: "m1" });
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");
const buttons = (r: Reply[]) =>
  r.flatMap((x) => (x.kind === "text" ? (x.buttons ?? []).flat() : [])) as CallbackButton[];

describe("staff changes and bulk refunds from the console (owners, two people, audited)", () => {
  let shop: Shop;
  let con: StaffConsole;
  let bot: ChatBot;
  let productId: string;
  const say = async (from: string, text: string) => bot.handle(turn(from, line(text)));

  beforeAll(async () => {
    shop = await createShop("staffmembers", {
      workers: false,
      env: { STAFF_APPROVAL_REFUND_OVER: "CNY:200", STAFF_APPROVAL_BULK_REFUND_COUNT: "3" },
    });
    con = createStaffConsole(shop.c);
    bot = telegramStaffBot(shop.c, con, GROUP);
    const sup = await shop.supplier("staffmemberssim");
    productId = (await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n)).id;
    await con.staff.add(cli, { name: "Olga", role: "owner", telegramUserId: "601" });
    await con.staff.add(cli, { name: "Oleg", role: "owner", telegramUserId: "602" });
    await con.staff.add(cli, { name: "Ada", role: "admin", telegramUserId: "603" });
    await con.staff.add(cli, { name: "Fay", role: "finance", telegramUserId: "604" });
    await con.staff.add(cli, { name: "Fin", role: "finance", telegramUserId: "605" });
  });
  afterAll(() => shop.dispose());

  const member = async (name: string) => (await con.staff.list(cli)).find((s) => s.name === name);
  const auditCount = async () =>
    Number((await shop.c.db.sql.query<{ n: string }>(sql`SELECT count(*) AS n FROM audit_log`))[0]!.n);

  it("lists the staff for an owner; anyone else is refused by the core, and it is audited", async () => {
    const list = words(await say("601", "staff"));
    expect(list).toMatch(/Olga — owner · telegram 601 · [0-9a-f-]{36}/);
    expect(list).toContain("Fay — finance · telegram 604");
    expect(words(await say("603", "staff list"))).toBe("Your role (admin) may not do that. The attempt was recorded.");
    const [last] = await con.audit.trail(cli, { recent: true }, { limit: 1 });
    expect(last).toMatchObject({ action: "bot.staff", outcome: "refused", role: "admin" });
  });

  it("adds a support member at once (one owner); they can use the console straight away", async () => {
    const r = words(await say("601", "staff add support telegram:777 Lee Wu"));
    expect(r).toMatch(/^Done: staff add Lee Wu \(support\) · [0-9a-f-]{36}$/);
    expect(await member("Lee Wu")).toMatchObject({ role: "support", telegramUserId: "777" });
    expect(words(await say("777", "help"))).toContain("Staff commands:");
    const trail = await con.audit.trail(cli, { recent: true }, { limit: 5 });
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(["staff.add", "staff.change", "bot.staff"]));
  });

  it("granting admin needs a second owner: the asker cannot approve, another owner's press executes it once", async () => {
    const asked = await say("601", "staff add admin slack:U0AAA1111 Ann");
    expect(words(asked)).toContain("Needs a second person's approval: add staff member Ann as admin (slack U0AAA1111)");
    expect(await member("Ann")).toBeUndefined();
    const [approve, reject] = buttons(asked);
    // Slack shows its confirmation dialog before either press is sent.
    expect(approve).toMatchObject({ style: "primary", confirm: { title: "Approve and carry out?" } });
    expect(reject).toMatchObject({ style: "danger", confirm: { ok: "Reject", cancel: "Cancel" } });
    expect(words(await bot.handle(turn("601", press(approve!.data))))).toBe(
      "You asked for this yourself: another staff member must decide.",
    );
    // An admin may not approve staff changes (staff.manage is the owners').
    expect(words(await bot.handle(turn("603", press(approve!.data))))).toMatch(/Your role \(admin\) may not do that/);
    const both = await Promise.all([
      bot.handle(turn("602", press(approve!.data))),
      bot.handle(turn("602", press(approve!.data))),
    ]);
    expect(both.map(words).filter((w) => w.startsWith("Approved and done"))).toHaveLength(1);
    expect(await member("Ann")).toMatchObject({ role: "admin", slackUserId: "U0AAA1111" });
    expect((await con.staff.list(cli)).filter((s) => s.name === "Ann")).toHaveLength(1);
  });

  it("a role change into or out of a guarded role waits for a second owner; a plain one does not", async () => {
    const lee = (await member("Lee Wu"))!;
    expect(words(await say("601", `staff role ${lee.userId} viewer`))).toMatch(/^Done: staff role/);
    expect((await member("Lee Wu"))!.role).toBe("viewer");
    const asked = await say("601", `staff role ${lee.userId} finance`);
    expect(words(asked)).toContain(`change the role of staff member Lee Wu (${lee.userId}) from viewer to finance`);
    expect((await member("Lee Wu"))!.role).toBe("viewer");
    await bot.handle(turn("602", press(buttons(asked)[1]!.data))); // rejected
    expect((await member("Lee Wu"))!.role).toBe("viewer");
    const fay = (await member("Fay"))!;
    const removal = await say("602", `staff remove ${fay.userId}`);
    expect(words(removal)).toContain(`remove staff member Fay (${fay.userId}, finance)`);
    expect(words(await bot.handle(turn("601", press(buttons(removal)[0]!.data))))).toMatch(/^Approved and done/);
    expect(await member("Fay")).toBeUndefined();
    expect(words(await say("604", "help"))).toBe(
      "This console is for the shop's staff only. Your attempt was recorded.",
    );
  });

  it("bad staff commands get a specific answer and change nothing", async () => {
    const before = (await con.staff.list(cli)).length;
    const lee = (await member("Lee Wu"))!;
    const cases: Array<[string, RegExp]> = [
      ["staff add wizard telegram:1 Merlin", /“wizard” is not a role: owner, admin/],
      ["staff add support Merlin", /^Usage: staff \| staff add/],
      ["staff add support telegram:1 telegram:2 Merlin", /^Usage:/],
      ["staff add support telegram:601 Olga Again", /already a staff member/],
      ["staff add support telegram:12ab Bad Id", /Telegram/],
      ["staff role not-an-id admin", /^Usage:/],
      [`staff role ${lee.userId} viewer`, /already viewer/],
      ["staff role 0190a0a0-0000-7000-8000-00000000beef operator", /Not done: .*staff/i],
      ["staff remove", /^Usage:/],
      ["staff fire everyone", /^Usage:/],
    ];
    for (const [text, expected] of cases) expect(words(await say("601", text)), text).toMatch(expected);
    expect((await con.staff.list(cli)).length).toBe(before);
  });

  it("the last owner stays: removing the other owner leaves one, who cannot then be demoted", async () => {
    const oleg = (await member("Oleg"))!;
    const asked = await say("601", `staff remove ${oleg.userId}`);
    // Oleg himself may decide on his removal (he is not the asker).
    expect(words(await bot.handle(turn("602", press(buttons(asked)[0]!.data))))).toMatch(/^Approved and done/);
    const olga = (await member("Olga"))!;
    const demote = await say("601", `staff role ${olga.userId} admin`);
    // Nobody else may approve it now, and the staff module would refuse it anyway.
    expect(words(demote)).toContain("Needs a second person's approval");
    expect(words(await bot.handle(turn("603", press(buttons(demote)[0]!.data))))).toMatch(/may not do that/);
    await expect(con.staff.setRole(cli, { userId: olga.userId, role: "admin" })).rejects.toMatchObject({
      code: "last_owner",
    });
  });

  describe("bulk refunds", () => {
    const paid = async () => (await shop.paidTopUp(productId, 1)).order;
    const status = async (id: string) => (await shop.order(id)).status;

    it("a few small orders are refunded at once, each exactly as a single refund", async () => {
      const [a, b] = [await paid(), await paid()];
      expect(words(await say("605", `refund ${a.id} ${b.id} supplier sent bad codes`))).toBe(
        "2 orders refunded to their buyers' wallets.",
      );
      expect([await status(a.id), await status(b.id)]).toEqual(["REFUNDED", "REFUNDED"]);
    });

    it("more than the count needs a second person; a double press refunds every order once", async () => {
      const orders = [await paid(), await paid(), await paid(), await paid()];
      const wallets = await Promise.all(orders.map((o) => shop.walletBalance(o.userId)));
      const asked = await say("605", `refund ${orders.map((o) => o.id).join(" ")} promotion cancelled`);
      expect(words(asked)).toContain("refund 4 orders, ¥120.00 in all");
      expect(await Promise.all(orders.map((o) => status(o.id)))).toEqual(["PAID", "PAID", "PAID", "PAID"]);
      const approve = buttons(asked)[0]!.data;
      const both = await Promise.all([
        bot.handle(turn("601", press(approve))),
        bot.handle(turn("603", press(approve))),
      ]);
      expect(both.map(words).filter((w) => w.startsWith("Approved and done"))).toHaveLength(1);
      expect(await Promise.all(orders.map((o) => status(o.id)))).toEqual([
        "REFUNDED",
        "REFUNDED",
        "REFUNDED",
        "REFUNDED",
      ]);
      const after = await Promise.all(orders.map((o) => shop.walletBalance(o.userId)));
      expect(after.map((v, i) => v - wallets[i]!)).toEqual([3000n, 3000n, 3000n, 3000n]);
      expect(await shop.invariants()).toMatchObject({ ledgerOk: true, reconcileOk: true });
    });

    it("one order that cannot be refunded stops the whole request, naming it; nothing changes", async () => {
      const [a, b] = [await paid(), await paid()];
      await say("605", `refund ${a.id} first time`);
      const n = await auditCount();
      expect(words(await say("605", `refund ${a.id} ${b.id} again`))).toMatch(
        new RegExp(`not refundable: ${(await shop.order(a.id)).number} \\(REFUNDED\\)`),
      );
      expect(await status(b.id)).toBe("PAID");
      expect(await auditCount()).toBeGreaterThan(n); // the refusal is audited
      expect(words(await say("605", `refund ${b.id} ${b.id} twice`))).toMatch(/named twice/);
      expect(words(await say("605", `refund ${b.id} ${a.id}`))).toMatch(/^Usage: refund <order id>/);
      expect(await status(b.id)).toBe("PAID");
    });
  });
});
