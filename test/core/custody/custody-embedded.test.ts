import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../app/db/database.ts";
import { createCustody, noPayouts } from "../../../core/custody/index.ts";
import { createLedger } from "../../../core/ledger/index.ts";
import { createPayments } from "../../../core/payments/index.ts";
import { ManualClock, systemContext } from "../../../core/shared/index.ts";
import { createPgliteDatabase } from "../../support/databases.ts";
import { encodeGbk } from "./gbk.ts";

const ctx = systemContext("test", { channel: "cli" });

/** The embedded default: import, match (advisory lock, partial unique index) and re-import on PGlite. */
describe("custody reconciliation on the embedded database", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(() => db.close());

  it("matches a GBK statement to a top-up, reports the rest, and a re-import changes nothing", async () => {
    const clock = new ManualClock(new Date("2026-12-01T02:00:00Z"));
    const ledger = createLedger({ sql: db.sql, clock });
    const payments = createPayments({
      sql: db.sql,
      clock,
      ledger,
      sandbox: { secret: "whsec_test_secret_0123456789", publicUrl: "http://x" },
    });
    const custody = createCustody({ sql: db.sql, clock, payments, payouts: noPayouts, ledger });
    const started = await payments.startTopUp(ctx, {
      userId: randomUUID(),
      amount: 5_000n,
      currency: "CNY",
      provider: "sandbox",
      idempotencyKey: "e1",
    });
    await payments.confirm(ctx, {
      provider: "sandbox",
      paymentId: started.payment.id,
      externalId: "evt_embedded_1",
      amount: 5_000n,
      currency: "CNY",
    });
    const file = encodeGbk(
      [
        "交易日期,交易时间,收入金额,支出金额,对方户名,摘要",
        `2026-12-01,10:00:00,50.00,,张三,充值 evt_embedded_1`,
        "2026-12-01,11:00:00,,0.50,银行,手续费",
      ].join("\n"),
    );
    expect(await custody.importStatement(ctx, { fileName: "s.csv", bytes: file, currency: "CNY" })).toMatchObject({
      replayed: false,
      encoding: "gbk",
      newLines: 2,
      matched: 1,
    });
    expect(await custody.importStatement(ctx, { fileName: "s.csv", bytes: file, currency: "CNY" })).toMatchObject({
      replayed: true,
    });
    const report = await custody.report(ctx, { currency: "CNY" });
    expect(report).toMatchObject({ matched: { lines: 1, amount: 5_000n }, missing: [], difference: -50n });
    expect(report.unmatchedLines.map((l) => l.counterparty)).toEqual(["银行"]);
    expect((await custody.check(ctx)).every((r) => r.ok && !r.alerted)).toBe(true);
  });
});
