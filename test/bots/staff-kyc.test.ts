import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { residentIdCheckChar } from "../../core/kyc/index.ts";
import { newId, systemContext } from "../../core/shared/index.ts";
import type { ChatBot } from "../../bots/chat-bot.ts";
import { createShop, type Shop } from "../e2e/support/shop.ts";

const STAFF_GROUP = "-100888";
const cli = systemContext("cli:test", { channel: "cli" });
const id = (body17: string) => body17 + residentIdCheckChar(body17);
let seq = 0;
const turn = (from: string, input: TurnInput, lang = "en"): InboundTurn => ({
  id: `k${++seq}`,
  channel: "telegram",
  chat: { id: STAFF_GROUP, kind: "group" },
  from: { externalId: from, displayName: `user ${from}`, languageCode: lang },
  input,
});
const cmd = (payload: string): TurnInput => ({ kind: "command", command: "kyc", payload });
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");

describe("KYC review in the staff bot", () => {
  let shop: Shop;
  let con: StaffConsole;
  let bot: ChatBot;

  beforeAll(async () => {
    shop = await createShop("staffkyc", { workers: false });
    con = createStaffConsole(shop.c);
    await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "601" });
    await con.staff.add(cli, { name: "Olu", role: "operator", telegramUserId: "602" });
    await con.staff.add(cli, { name: "Fei", role: "finance", telegramUserId: "603" });
    bot = telegramStaffBot(shop.c, con, STAFF_GROUP, { kyc: shop.c.kyc, custody: shop.c.custody });
  });
  afterAll(() => shop.dispose());

  it("lists the queue masked with Approve buttons; approves by button once; rejects with a reason; audited", async () => {
    const number = id("44010619900307123");
    const a = await shop.c.kyc.submit(cli, { userId: newId(), name: "张三", idNumber: number });
    const b = await shop.c.kyc.submit(cli, { userId: newId(), name: "李四", idNumber: id("11010519850101123") });
    if (!a.ok || !b.ok) throw new Error("submit failed");

    const queue = await bot.handle(turn("601", cmd("")));
    const text = words(queue);
    expect(text).toContain(`4401**********${number.slice(-4)}`);
    expect(text).toContain("张*");
    expect(text).not.toContain(number);
    expect(text).not.toContain("张三");
    const approve = queue
      .flatMap((r) => (r.kind === "text" ? (r.buttons ?? []).flat() : []))
      .find((x) => x.kind === "callback" && x.data === `sk:a:${a.submission.id}`);
    expect(approve).toBeDefined();

    const press = (from: string) =>
      bot.handle(turn(from, { kind: "button", data: `sk:a:${a.submission.id}`, messageId: "9" }));
    const presses = await Promise.all([press("601"), press("601"), press("601")]);
    expect(presses.filter((r) => /^Verified: 张\*/.test(words(r)))).toHaveLength(1);
    expect(presses.filter((r) => /Not pending any more \(VERIFIED\)/.test(words(r)))).toHaveLength(2);

    expect(words(await bot.handle(turn("601", cmd(`reject ${b.submission.id}`))))).toMatch(/^Usage: kyc/);
    const rejected = words(await bot.handle(turn("601", cmd(`reject ${b.submission.id} 证件照片不清晰`), "zh-CN")));
    expect(rejected).toMatch(/已驳回：李\* .*证件照片不清晰/);
    expect((await shop.c.kyc.get(cli, b.submission.id)).status).toBe("REJECTED");

    const trail = await con.audit.trail(
      cli,
      { targetType: "kyc_submission", targetId: b.submission.id },
      { limit: 10 },
    );
    expect(trail.map((e) => `${e.action} ${e.outcome}`)).toEqual(
      expect.arrayContaining(["kyc.reject ok", "bot.kyc ok"]),
    );
  });

  it("needs kyc.review (an operator is refused) and the override for a shared ID number", async () => {
    const number = id("33010619880808123");
    const first = await shop.c.kyc.submit(cli, { userId: newId(), name: "钱七", idNumber: number });
    const second = await shop.c.kyc.submit(cli, { userId: newId(), name: "钱七", idNumber: number });
    if (!first.ok || !second.ok) throw new Error("submit failed");
    expect(words(await bot.handle(turn("602", cmd(`approve ${first.submission.id}`))))).toMatch(
      /role \(operator\) may not/,
    );
    await bot.handle(turn("601", cmd(`approve ${first.submission.id}`)));
    expect(words(await bot.handle(turn("601", cmd(`approve ${second.submission.id}`))))).toMatch(
      /already verifies .*kyc share/,
    );
    // The override needs a second staff member: an approval request with Approve/Reject buttons.
    const asked = await bot.handle(turn("601", cmd(`share ${second.submission.id} same person, second shop`)));
    const approveData = asked
      .flatMap((r) => (r.kind === "text" ? (r.buttons ?? []).flat() : []))
      .find((b) => b.kind === "callback" && b.data.startsWith("sa:a:"));
    expect(words(asked)).toMatch(/verify 钱\* .* although the ID number verifies/);
    if (approveData?.kind !== "callback") throw new Error("no approve button");
    expect((await shop.c.kyc.get(cli, second.submission.id)).status).toBe("PENDING");
    const own = await bot.handle(turn("601", { kind: "button", data: approveData.data, messageId: "5" }));
    expect(words(own)).toMatch(/You asked for this yourself/);
    const other = await bot.handle(turn("603", { kind: "button", data: approveData.data, messageId: "5" }));
    expect(words(other)).toMatch(/Approved/i);
    expect(await shop.c.kyc.get(cli, second.submission.id)).toMatchObject({ status: "VERIFIED", shared: true });
    expect(words(await bot.handle(turn("601", cmd(`approve ${newId()}`))))).toBe("No such KYC submission.");
  });

  it("imports a bank statement uploaded with the caption custody, answers the reconciliation, and a re-upload changes nothing", async () => {
    const csv = ["交易日期,收入金额,支出金额,对方户名,摘要,交易流水号", "2026-12-01,12.50,,王五,转账,U1"].join("\n");
    let reads = 0;
    const upload = (from: string, caption = "custody"): TurnInput => ({
      kind: "file",
      name: "statement.csv",
      mimeType: "text/csv",
      size: csv.length,
      caption,
      read: async () => {
        reads++;
        return new TextEncoder().encode(csv);
      },
    });
    expect(words(await bot.handle(turn("602", upload("602"))))).toMatch(/role \(operator\) may not/);
    const first = words(await bot.handle(turn("601", upload("601"))));
    expect(first).toMatch(/Statement imported \(utf-8\): 1 lines, 1 new, 0 matched/);
    expect(first).toMatch(/Unmatched bank lines: 1/);
    expect(words(await bot.handle(turn("601", upload("601"))))).toMatch(/imported before: nothing changed/);
    expect(words(await bot.handle(turn("601", upload("601", "holiday photos"))))).toMatch(/Unknown command/);
    const summary = words(await bot.handle(turn("601", { kind: "command", command: "custody", payload: "" })));
    expect(summary).toMatch(/Ledger: custody .* OK/);
    expect(reads).toBe(3);
  });
});
