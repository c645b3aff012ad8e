import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustody, type Custody, type CustodyPayoutsPort } from "../../../core/custody/index.ts";
import type { Ledger } from "../../../core/ledger/index.ts";
import { systemCode } from "../../../core/ledger/index.ts";
import type { Payment, Payments } from "../../../core/payments/index.ts";
import { raw, sql, systemContext, type ManualClock } from "../../../core/shared/index.ts";
import type { TestDatabase } from "../../support/databases.ts";
import { openPayments } from "../payments/payments-fixture.ts";
import { encodeGbk } from "./gbk.ts";

const ctx = systemContext("test", { channel: "cli" });
const finance = { ...ctx, actor: { kind: "staff" as const, userId: randomUUID(), role: "finance" as const } };
const utf8 = (s: string) => new TextEncoder().encode(s);
const cny = <T extends { currency: string }>(rs: T[]) => rs.find((r) => r.currency === "CNY");

/** A bank's export: account and period above the header, then the lines (UTF-8 or GBK). */
const statement = (rows: string[]) =>
  [
    "账号:,6222 0000 1234 5678",
    "户名:,卡盟科技有限公司客户资金存管户",
    "起止日期:,2026-03-01,2026-03-02",
    "",
    "交易日期,交易时间,收入金额,支出金额,余额,对方户名,摘要,交易流水号",
    ...rows,
    "合计,,,,,,,",
  ].join("\r\n");

describe("custody reconciliation against the bank statement", () => {
  let t: TestDatabase;
  let ledger: Ledger;
  let payments: Payments;
  let clock: ManualClock;
  let custody: Custody;
  const paid: Payment[] = [];
  const payout = {
    payoutId: randomUUID(),
    reference: "WD20260301000042",
    amount: 30_000n,
    currency: "CNY" as const,
    at: new Date("2026-03-01T06:00:00Z"),
  };
  // Withdrawals (issue 12) are not on main yet: their payouts reach custody through this port.
  const payouts: CustodyPayoutsPort = { paidOut: async () => [payout] };
  const count = async (table: string) =>
    (await t.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${raw(table)}`))[0]!.n;

  beforeAll(async () => {
    ({ tdb: t, ledger, payments, clock } = await openPayments("custody"));
    custody = createCustody({ sql: t.db.sql, clock, payments, payouts, ledger });
    for (const [i, amount] of [10_000n, 25_050n, 8_800n].entries()) {
      const user = randomUUID();
      const started = await payments.startTopUp(ctx, {
        userId: user,
        amount,
        currency: "CNY",
        provider: "sandbox",
        idempotencyKey: `k${i}`,
      });
      const done = await payments.confirm(ctx, {
        provider: "sandbox",
        paymentId: started.payment.id,
        externalId: `evt_sbx_${i}000${i}`,
        amount,
        currency: "CNY",
      });
      if (!done.ok) throw new Error("top-up failed");
      paid.push(done.payment);
      clock.advance(3_600_000);
    }
  });
  afterAll(() => t.drop());

  it("imports a statement, matching lines to top-ups by reference and amount and to payouts; re-import changes nothing", async () => {
    const [p1, p2, p3] = paid as [Payment, Payment, Payment];
    const file = utf8(
      statement([
        `2026-03-01,08:01:10,100.00,,100.00,张三,充值 ${p1.id},B0001`,
        `20260301,09:02:00,"250.50",,350.50,李四,SANDBOX ${p2.externalId},B0002`,
        `2026-03-01,10:00:00,50.00,,400.50,王五,转账,B0003`,
        `2026/03/01,14:00:00,,300.00,100.50,赵六,提现 WD20260301000042,B0004`,
        `2026-03-01,15:00:00,,1.20,99.30,银行,手续费,B0005`,
      ]),
    );
    const first = await custody.importStatement(finance, { fileName: "2026-03-01.csv", bytes: file, currency: "CNY" });
    expect(first).toMatchObject({ replayed: false, encoding: "utf-8", lines: 5, newLines: 5, matched: 3 });

    const report = await custody.report(finance, { currency: "CNY" });
    expect(report.bank).toEqual({ lines: 5, credits: 40_050n, debits: -30_120n, net: 9_930n });
    expect(report.matched).toEqual({ lines: 3, amount: 10_000n + 25_050n - 30_000n });
    expect(report.unmatchedLines.map((l) => l.serial)).toEqual(["B0003", "B0005"]);
    expect(report.missing.map((m) => m.id)).toEqual([p3.id]);
    expect(report.expected).toEqual({ movements: 4, net: 10_000n + 25_050n + 8_800n - 30_000n });
    expect(report.difference).toBe(9_930n - (10_000n + 25_050n + 8_800n - 30_000n));
    expect(report.ledger.ok).toBe(true);

    const lines = await count("custody_statement_lines");
    const again = await custody.importStatement(finance, { fileName: "copy.csv", bytes: file, currency: "CNY" });
    expect(again).toMatchObject({ replayed: true, statementId: first.statementId, newLines: 0, matched: 0 });
    expect(await count("custody_statement_lines")).toBe(lines);
    expect(await count("custody_statements")).toBe(1);
  });

  it("reads a GBK statement that overlaps the last one: only the new line is added, and it matches", async () => {
    const [p1, , p3] = paid as [Payment, Payment, Payment];
    const gbk = encodeGbk(
      statement([
        `2026-03-01,08:01:10,100.00,,100.00,张三,充值 ${p1.id},B0001`,
        `2026-03-01,15:00:00,,1.20,99.30,银行,手续费,B0005`,
        `2026-03-02,09:30:00,88.00,,187.30,孙七,充值 ${p3.id},B0006`,
      ]),
    );
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(gbk)).toThrow();
    const r = await custody.importStatement(finance, { fileName: "2026-03-02.csv", bytes: gbk, currency: "CNY" });
    expect(r).toMatchObject({ replayed: false, encoding: "gbk", lines: 3, newLines: 1, matched: 1 });
    const report = await custody.report(finance, { currency: "CNY" });
    expect(report.missing).toEqual([]);
    expect(report.unmatchedLines.map((l) => [l.serial, l.counterparty])).toEqual([
      ["B0003", "王五"],
      ["B0005", "银行"],
    ]);
  });

  it("refuses a bad file whole, saying which line and why, and changes nothing", async () => {
    const lines = await count("custody_statement_lines");
    const statements = await count("custody_statements");
    const bad = async (bytes: Uint8Array, code: string, message?: RegExp) => {
      const e = await custody
        .importStatement(finance, { fileName: "bad.csv", bytes, currency: "CNY" })
        .catch((x: unknown) => x);
      expect(e).toMatchObject({ type: "invalid_data", code });
      if (message) expect((e as Error).message).toMatch(message);
    };
    await bad(new Uint8Array(), "empty_file");
    await bad(utf8("a,b,c\n1,2,3\n"), "no_header");
    await bad(utf8("日期,对方户名\n2026-03-01,张三\n"), "no_amount_column");
    await bad(
      utf8(statement(["2026-03-01,08:00:00,12.345,,,张三,x,C1"])),
      "bad_line",
      /line 6: "12.345" has more than 2 decimals/,
    );
    await bad(utf8(statement(["2026-02-30,08:00:00,1.00,,,张三,x,C1"])), "bad_line", /line 6: .*not a real date/);
    await bad(
      utf8(statement(["2026-03-01,08:00:00,1.00,,,张三,x,C1", "2026-03-01,08:00:00,1.00,2.00,,张三,x,C2"])),
      "bad_line",
      /line 7: both credit and debit/,
    );
    await bad(utf8(statement(["2026-03-01,08:00:00,abc,,,张三,x,C1"])), "bad_line", /not an amount/);
    await bad(utf8(statement([])), "empty_statement");
    await bad(utf8('交易日期,金额\n2026-03-01,"1.00\n'), "malformed_csv");
    expect(await count("custody_statement_lines")).toBe(lines);
    expect(await count("custody_statements")).toBe(statements);
  });

  it("takes the operator's column mapping", async () => {
    const file = utf8("Value Date,Narrative,Amount\n2026-03-02,misc interest,0.31\n");
    await expect(
      custody.importStatement(finance, { fileName: "m.csv", bytes: file, currency: "CNY" }),
    ).resolves.toMatchObject({
      lines: 1,
    });
    const other = utf8("Posted,Narrative,Amount\n2026-03-02,misc interest 2,0.32\n");
    await expect(
      custody.importStatement(finance, { fileName: "n.csv", bytes: other, currency: "CNY" }),
    ).rejects.toMatchObject({ code: "no_header" });
    const r = await custody.importStatement(finance, {
      fileName: "n.csv",
      bytes: other,
      currency: "CNY",
      mapping: { date: "Posted", reference: "Narrative" },
    });
    expect(r).toMatchObject({ lines: 1, newLines: 1 });
  });

  it("the same new file imported 10 times at once is stored once", async () => {
    const file = utf8(
      statement(["2026-03-02,11:00:00,7.00,,,周八,杂项,C900", "2026-03-02,11:00:00,7.00,,,周八,杂项,C901"]),
    );
    const before = await count("custody_statement_lines");
    const rs = await Promise.all(
      Array.from({ length: 10 }, () =>
        custody.importStatement(finance, { fileName: "x.csv", bytes: file, currency: "CNY" }),
      ),
    );
    expect(rs.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(rs.map((r) => r.statementId)).size).toBe(1);
    expect(await count("custody_statement_lines")).toBe(before + 2);
  });

  it("only finance, admins and owners (and the platform) import and report", async () => {
    const viewer = { ...ctx, actor: { kind: "staff" as const, userId: randomUUID(), role: "support" as const } };
    await expect(custody.report(viewer, { currency: "CNY" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      custody.importStatement(
        { ...ctx, actor: { kind: "buyer", userId: randomUUID() } },
        { fileName: "a", bytes: utf8("x"), currency: "CNY" },
      ),
    ).rejects.toMatchObject({ code: "forbidden" });
  });

  it("the scheduled check records each run and announces a mismatch once, until it changes", async () => {
    const events = async () =>
      (
        await t.db.sql.query<{ payload: Record<string, string> }>(
          sql`SELECT payload FROM outbox_events WHERE type = 'custody.mismatch' ORDER BY id`,
        )
      ).map((r) => r.payload);
    expect(cny(await custody.check(ctx))).toMatchObject({ currency: "CNY", ok: true, alerted: false });
    // Money leaves the custody account for the platform's own account without leaving customer funds: a mismatch.
    await ledger.post(ctx, {
      idempotencyKey: "wrong-sweep",
      kind: "test",
      legs: [
        { account: systemCode("custody", "CNY"), amount: 500n },
        { account: systemCode("platform_cash", "CNY"), amount: -500n },
      ],
    });
    expect(cny(await custody.check(ctx))).toMatchObject({ ok: false, alerted: true });
    expect(cny(await custody.check(ctx))).toMatchObject({ ok: false, alerted: false });
    expect(await events()).toHaveLength(1);
    expect((await events())[0]).toMatchObject({ currency: "CNY", difference: "500" });
    await ledger.post(ctx, {
      idempotencyKey: "wrong-sweep-2",
      kind: "test",
      legs: [
        { account: systemCode("custody", "CNY"), amount: 100n },
        { account: systemCode("platform_cash", "CNY"), amount: -100n },
      ],
    });
    expect(cny(await custody.check(ctx))).toMatchObject({ ok: false, alerted: true });
    expect((await events()).at(-1)).toMatchObject({ difference: "600" });
    expect(await count("custody_checks")).toBe(4 * 3); // CNY, USD, XTR each run
  });
});
