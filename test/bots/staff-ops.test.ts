import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { BotRouter } from "../../bots/router.ts";
import { telegramStaffRouter } from "./support/staff-bot-harness.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { sql, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

/**
 * The staff console's operations commands (report, money, ledger, suppliers) through the staff bot, on a
 * real database: every command audited, every refusal specific (zh-CN and en), bad input changes nothing.
 */
const GROUP = "-100888";
const cli = systemContext("cli:test", { channel: "cli" });
let seq = 0;
const turn = (from: string, input: TurnInput, lang = "en"): InboundTurn => ({
  id: `ops${++seq}`,
  channel: "telegram",
  chat: { id: GROUP, kind: "group" },
  from: { externalId: from, displayName: `user ${from}`, languageCode: lang },
  input,
});
const text = (t: string): TurnInput => ({ kind: "text", text: t });
const words = (r: Reply[]) =>
  r
    .map((x) =>
      x.kind === "text"
        ? [toPlain(x.body), ...(x.fields ?? []).map((f) => `${f.label}: ${f.value}`)].join("\n")
        : x.kind,
    )
    .join("\n");
const buttonsOf = (r: Reply[]) => r.flatMap((x) => (x.kind === "text" ? (x.buttons ?? []).flat() : []));
const FANG = "601"; // finance
const FEI = "602"; // finance
const OLGA = "603"; // operator
const VERA = "604"; // viewer

describe("staff console operations", () => {
  let shop: Shop;
  let con: StaffConsole;
  let router: BotRouter;
  const say = (from: string, line: string, lang = "en") => router.handle(turn(from, text(line), lang));
  const lastAudit = async () => (await con.audit.trail(cli, { recent: true }, { limit: 1 }))[0]!;
  const ledgerOk = async () => {
    const c = await shop.c.ledger.check(ctx);
    const r = await shop.c.ledger.reconcile(ctx, "CNY");
    return c.ok && r.ok;
  };

  beforeAll(async () => {
    shop = await createShop("staffops", { workers: false, env: { STAFF_APPROVAL_CREDIT_OVER: "CNY:100" } });
    con = createStaffConsole(shop.c);
    await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: FANG });
    await con.staff.add(cli, { name: "Fei", role: "finance", telegramUserId: FEI });
    await con.staff.add(cli, { name: "Olga", role: "operator", telegramUserId: OLGA });
    await con.staff.add(cli, { name: "Vera", role: "viewer", telegramUserId: VERA });
    router = telegramStaffRouter(shop.c, con, GROUP);
  }, 60_000);
  afterAll(() => shop?.dispose());

  it("report today: orders, revenue, margin, top products, refunds; the same for a viewer; periods as buttons", async () => {
    const p = await shop.codeProduct({ stock: 10, price: 1500n, cost: 1000n, sku: "RPT-CARD" });
    for (let i = 0; i < 3; i++) {
      const { userId } = await shop.buyer(100_000n);
      const r = await shop.c.orders.place(
        { ...ctx, actor: { kind: "buyer", userId } },
        { userId, productId: p.id, quantity: 2, idempotencyKey: `rpt-${i}`, payWith: "wallet" },
      );
      if (!r.ok || r.order.status !== "DELIVERED") throw new Error("not delivered");
    }
    const r = await say(VERA, "report today");
    const w = words(r);
    expect(w).toMatch(/^Report — today/);
    expect(w).toContain("Orders placed: 3");
    expect(w).toContain("Paid / delivered: 3 / 3");
    expect(w).toContain("Revenue: ¥90.00");
    expect(w).toMatch(/Margin: ¥30\.00 \(33\.3%\)/);
    expect(w).toMatch(/Top products: RPT-CARD ×6 ¥90\.00/);
    expect(buttonsOf(r).map((b) => (b.kind === "callback" ? b.data : ""))).toEqual([
      "sc:report today",
      "sc:report yesterday",
      "sc:report 7d",
    ]);
    expect(await lastAudit()).toMatchObject({ action: "bot.report", outcome: "ok", role: "viewer" });
    // The button runs the same command; yesterday had nothing.
    const y = await router.handle(
      turn(VERA, { kind: "button", data: "sc:report yesterday", messageId: "1" } as TurnInput),
    );
    expect(words(y)).toContain("No orders in this period.");
    expect(words(await say(FANG, "report", "zh-CN"))).toMatch(/^报表 — 今天/);
  });

  it("credit under the threshold posts once through the ledger; over it needs a second person; the ledger still reconciles", async () => {
    const userId = await shop.user();
    const r1 = await say(FANG, `credit ${userId} 20.50 CNY goodwill for a late delivery`);
    expect(words(r1)).toContain(`Done: credit ¥20.50 · ${userId}`);
    expect(await shop.walletBalance(userId)).toBe(2050n);
    const r2 = await say(FANG, `credit ${userId} 150 CNY compensation for the outage`);
    expect(words(r2)).toContain("Needs a second person's approval: credit ¥150.00 to the wallet of user");
    const approve = buttonsOf(r2).find((b) => b.label === "Approve")!;
    expect(await shop.walletBalance(userId)).toBe(2050n);
    // The asker cannot approve; a second finance member's two presses execute it once.
    const own = await router.handle(
      turn(FANG, { kind: "button", data: (approve as { data: string }).data, messageId: "9" }),
    );
    expect(words(own)).toContain("You asked for this yourself");
    const presses = await Promise.all(
      [1, 2, 3].map(() =>
        router.handle(turn(FEI, { kind: "button", data: (approve as { data: string }).data, messageId: "9" })),
      ),
    );
    expect(presses.filter((p) => words(p).startsWith("Approved and done")).length).toBe(1);
    expect(await shop.walletBalance(userId)).toBe(17_050n);
    const stmt = words(await say(FEI, `statement ${userId}`));
    expect(stmt).toMatch(/\+¥150\.00 += ¥170\.50 {2}staff_credit\n/);
    expect(stmt).toMatch(/\+¥20\.50 += ¥20\.50 {2}staff_credit/);
    expect(words(await say(FEI, `balance ${userId}`))).toContain("CNY: balance ¥170.50, held ¥0.00, available ¥170.50");
    // A debit beyond the wallet fails, nothing moves.
    const empty = await shop.user();
    expect(words(await say(FEI, `debit ${empty} 5 CNY taking back too much`))).toMatch(
      /Not done: .*insufficient_funds/,
    );
    expect(await shop.walletBalance(empty)).toBe(0n);
    expect(words(await say(FEI, `debit ${userId} 0.50 CNY rounding correction`))).toContain("Done: debit ¥0.50");
    expect(await shop.walletBalance(userId)).toBe(17_000n);
    expect(await ledgerOk()).toBe(true);
    expect(words(await say(FEI, "ledger"))).toMatch(/Ledger check: OK[\s\S]*CNY: OK/);
    expect(await lastAudit()).toMatchObject({ action: "bot.ledger", outcome: "ok" });
  });

  it("bad input changes nothing and says what is wrong, in the sender's language; all of it audited", async () => {
    const userId = await shop.user();
    const before = Number(
      (await shop.c.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM ledger_transactions`))[0]!.n,
    );
    const cases: Array<[string, string, string | RegExp]> = [
      [
        FANG,
        `credit ${userId} -5 CNY oops`,
        "The amount must be a positive number in CNY with at most 2 decimal places.",
      ],
      [FANG, `credit ${userId} 1.234 CNY too precise`, /at most 2 decimal places/],
      [FANG, `credit ${userId} 5 EUR wrong currency`, "Unknown currency “EUR” (one of CNY, USD, XTR)."],
      [FANG, `credit ${userId} 5 CNY`, "Usage: credit <user id> <amount> <CNY|USD|XTR> <reason>"],
      [FANG, `credit not-a-user 5 CNY some reason`, /^Usage: credit/],
      [FANG, `credit 0190a0b0-0000-7000-8000-000000000001 5 CNY for nobody`, "No such user."],
      [FANG, `balance 0190a0b0-0000-7000-8000-000000000001`, "No such user."],
      [FANG, `statement ${userId} EUR`, /^Usage: statement/],
      [FANG, "report tomorrow", "Usage: report [today|yesterday|7d]"],
      [FANG, "ledger now please", "Usage: ledger [check]"],
      [
        OLGA,
        `credit ${userId} 5 CNY operator tries money`,
        "Your role (operator) may not do that. The attempt was recorded.",
      ],
      [OLGA, `balance ${userId}`, "Your role (operator) may not do that. The attempt was recorded."],
      [VERA, "ledger", "Your role (viewer) may not do that. The attempt was recorded."],
      [OLGA, "supplier off nosuchsupplier", "No supplier “nosuchsupplier”."],
      [OLGA, "supplier cost", /^Usage: supplier on\|off/],
    ];
    for (const [who, line, expected] of cases) {
      const w = words(await say(who, line));
      if (typeof expected === "string") expect(w, line).toBe(expected);
      else expect(w, line).toMatch(expected);
      const a = await lastAudit();
      expect(a.outcome, line).toBe("refused");
    }
    expect(words(await say(FANG, `credit ${userId} abc CNY 理由`, "zh-CN"))).toBe(
      "金额必须是正数（CNY，最多 2 位小数）。",
    );
    expect(await shop.walletBalance(userId)).toBe(0n);
    const after = Number(
      (await shop.c.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM ledger_transactions`))[0]!.n,
    );
    expect(after).toBe(before);
  });

  it("suppliers: health over the last hour; an operator disables one and changes its cost and priority, audited with before/after", async () => {
    const sup = await shop.supplier("opssim");
    const product = await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n);
    const list = words(await say(OLGA, "suppliers"));
    expect(list).toMatch(/Suppliers \(last hour\)/);
    expect(list).toMatch(new RegExp(`${sup.supplier.code}\\s+on\\s+closed`));
    expect(words(await say(OLGA, `supplier off ${sup.supplier.code}`))).toBe(`Supplier ${sup.supplier.code}: off.`);
    expect((await shop.c.suppliers.getSupplier(ctx, sup.supplier.id)).active).toBe(false);
    expect(await lastAudit()).toMatchObject({
      action: "bot.supplier",
      outcome: "ok",
      targetType: "supplier",
      details: { before: { active: true }, after: { active: false } },
    });
    await say(OLGA, `supplier on ${sup.supplier.code}`);
    expect((await shop.c.suppliers.getSupplier(ctx, sup.supplier.id)).active).toBe(true);
    expect(words(await say(OLGA, `supplier cost ${sup.supplier.code} ${product.sku} 24.00`))).toContain("cost ¥24.00");
    expect(words(await say(OLGA, `supplier priority ${sup.supplier.code} ${product.sku} 3`))).toContain("priority 3");
    const [link] = await shop.c.suppliers.productLinks(ctx, sup.supplier.id);
    expect(link).toMatchObject({ cost: 2400n, priority: 3 });
    expect(words(await say(FANG, `supplier off ${sup.supplier.code}`))).toBe(
      "Your role (finance) may not do that. The attempt was recorded.",
    );
    expect((await shop.c.suppliers.getSupplier(ctx, sup.supplier.id)).active).toBe(true);
  });

  it("catalog: a small price change at once, a large one through a second person; limits, off sale, stock by batch with days of cover", async () => {
    const p = await shop.codeProduct({ stock: 12, price: 1000n, sku: "CAT-CARD" });
    expect(words(await say(OLGA, "price CAT-CARD 11.00"))).toBe("CAT-CARD: price ¥11.00.");
    expect((await shop.c.catalog.getProduct(ctx, p.id))!.price).toBe(1100n);
    const big = await say(OLGA, "price CAT-CARD 5.00");
    expect(words(big)).toContain("Needs a second person's approval: price of CAT-CARD: ¥11.00 → ¥5.00");
    expect((await shop.c.catalog.getProduct(ctx, p.id))!.price).toBe(1100n);
    await con.staff.add(cli, { name: "Otto", role: "operator", telegramUserId: "605" });
    const approve = buttonsOf(big).find((b) => b.label === "Approve") as { data: string };
    expect(words(await router.handle(turn("605", { kind: "button", data: approve.data, messageId: "3" })))).toMatch(
      /^Approved and done: price of CAT-CARD/,
    );
    expect((await shop.c.catalog.getProduct(ctx, p.id))!.price).toBe(500n);

    expect(words(await say(OLGA, "limits CAT-CARD 2 5"))).toBe("CAT-CARD: 2–5.");
    expect(await shop.c.catalog.getProduct(ctx, p.id)).toMatchObject({ minQty: 2, maxQty: 5 });
    expect(words(await say(OLGA, "limits CAT-CARD 5 2"))).toBe("Limits must be whole numbers with 1 ≤ min ≤ max.");
    expect(await lastAudit()).toMatchObject({ action: "bot.limits", outcome: "refused" });
    expect(words(await say(OLGA, "sale CAT-CARD off"))).toBe("CAT-CARD: off sale.");
    expect((await shop.c.catalog.getProduct(ctx, p.id))!.active).toBe(false);
    expect(await lastAudit()).toMatchObject({
      action: "bot.sale",
      details: { before: { active: true }, after: { active: false } },
    });
    await say(OLGA, "sale CAT-CARD on");
    const b = words(await say(OLGA, "batches CAT-CARD"));
    expect(b).toMatch(/Stock of CAT-CARD by batch\n12 available; 0 sold in 7 days; no recent sales/);
    expect(b).toMatch(/test\s+12\s+12\s+0\s+0\s+0/);
    // Voiding the batch takes its unsold codes off sale for good.
    const [batch] = (await shop.c.inventory.stock(ctx, { productId: p.id })).batches;
    expect(words(await say(OLGA, `void ${batch!.batchId} supplier recalled the file`))).toBe(
      `Batch ${batch!.batchId}: 12 unsold codes voided (never sold).`,
    );
    expect(await lastAudit()).toMatchObject({ action: "bot.void", targetType: "batch", details: { voided: 12 } });
    expect(words(await say(OLGA, `void ${batch!.batchId} again please`))).toContain(": 0 unsold codes voided");
    expect(words(await say(OLGA, "batches CAT-CARD"))).toMatch(/0 available[\s\S]*\s12\s+0\s+0\s+0\s+0\s+12/);
    expect((await shop.c.inventory.availableCounts(ctx, { productIds: [p.id] })).get(p.id) ?? 0).toBe(0);
    expect(words(await say(OLGA, "void 0190a0b0-0000-7000-8000-000000000009 no such batch"))).toBe(
      "No such code batch.",
    );
    expect(words(await say(OLGA, `void ${batch!.batchId}`))).toBe("Usage: void <batch id> <reason>");
    expect(words(await say(FANG, `void ${batch!.batchId} finance tries`))).toMatch(/^Your role \(finance\)/);
    expect(words(await say(OLGA, "price NOPE 1"))).toBe("No product “NOPE”.");
    const cat = await shop.category("gift-cards");
    expect(words(await say(OLGA, "product add NEW-CARD gift-cards 25 CNY Steam 25"))).toBe(
      "Product NEW-CARD added at ¥25.00, on sale (card codes: import them to sell).",
    );
    expect(await shop.c.catalog.getProductBySku(ctx, "NEW-CARD")).toMatchObject({
      categoryId: cat.id,
      price: 2500n,
      nameEn: "Steam 25",
      deliveryKind: "CODE",
      active: true,
    });
    expect(words(await say(OLGA, "product add NEW-CARD gift-cards 25 CNY again"))).toBe(
      "A product “NEW-CARD” already exists.",
    );
    expect(words(await say(OLGA, "product add X-CARD nowhere 25 CNY X"))).toBe("No category “nowhere”.");
    expect(words(await say(OLGA, "product add X-CARD"))).toMatch(/^Usage: product add/);
    expect(await shop.c.catalog.getProductBySku(ctx, "X-CARD")).toBeNull();
    expect(words(await say(FANG, "sale CAT-CARD off"))).toBe(
      "Your role (finance) may not do that. The attempt was recorded.",
    );
    expect((await shop.c.catalog.getProduct(ctx, p.id))!.active).toBe(true);
  });
});
