import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCode, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import { createPayments, parseStarsRate, starsPrice, type Payments } from "../../../core/payments/index.ts";
import type { ManualClock } from "../../../core/shared/index.ts";
import { asBuyer, systemContext } from "../../../core/shared/index.ts";
import type { TestDatabase } from "../../support/databases.ts";
import { openPayments, SANDBOX_SECRET } from "./payments-fixture.ts";

const ctx = systemContext("test-stars-price");
const SECRET = SANDBOX_SECRET;

describe("starsPrice: a CNY amount in whole Stars at an exact decimal rate, rounded up", () => {
  it("converts fen at the rate and rounds any fraction of a Star up", () => {
    expect(starsPrice(1000n, "CNY", { CNY: "11" })).toEqual({ stars: 110n, rate: "11" });
    expect(starsPrice(980n, "CNY", { CNY: "11" })).toEqual({ stars: 108n, rate: "11" }); // 107.8 → 108
    expect(starsPrice(1n, "CNY", { CNY: "11" })).toEqual({ stars: 1n, rate: "11" }); // 0.11 → 1
    expect(starsPrice(1000n, "CNY", { CNY: "10.5" })).toEqual({ stars: 105n, rate: "10.5" });
    expect(starsPrice(333n, "CNY", { CNY: "0.333333" })).toEqual({ stars: 2n, rate: "0.333333" }); // 1.109… → 2
    // Far beyond any order: still exact (no floating point).
    expect(starsPrice(99_999_999_999_999n, "CNY", { CNY: "11" })?.stars).toBe(11_000_000_000_000n); // 10,999,999,999,999.89 → up
  });

  it("Stars prices are their own Stars; a currency without a rate has no Stars price", () => {
    expect(starsPrice(50n, "XTR", {})).toEqual({ stars: 50n, rate: "1" });
    expect(starsPrice(1000n, "CNY", {})).toBeNull();
    expect(starsPrice(1000n, "USD", { CNY: "11" })).toBeNull();
  });

  it("refuses a rate that is not a positive decimal, and a non-positive amount", () => {
    for (const bad of ["0", "0.0", "-1", "1e3", "11,5", "", "abc", "1.1234567", "1234567"])
      expect(() => parseStarsRate(bad), bad).toThrow(expect.objectContaining({ code: "invalid_stars_rate" }));
    expect(parseStarsRate("10.50")).toEqual({ num: 1050n, den: 100n });
    expect(() => starsPrice(0n, "CNY", { CNY: "11" })).toThrow(expect.objectContaining({ code: "invalid_amount" }));
  });
});

describe("payments: a Stars charge for a CNY order credits the CNY price, and its refund takes back the same", () => {
  let tdb: TestDatabase;
  let ledger: Ledger;
  let payments: Payments;
  let clock: ManualClock;

  beforeAll(async () => {
    ({ tdb, ledger, payments, clock } = await openPayments("starsprice", { starsRates: { CNY: "11" } }));
  });
  afterAll(async () => tdb?.drop());

  it("a bad configured rate stops the module from being built", () => {
    expect(() =>
      createPayments({
        sql: tdb.db.sql,
        clock,
        ledger,
        sandbox: { secret: SECRET, publicUrl: "https://x" },
        starsRates: { CNY: "eleven" },
      }),
    ).toThrow(expect.objectContaining({ code: "invalid_stars_rate" }));
  });

  it("startStarsPayment: one PENDING payment per (order, rate) with the Stars, the CNY credit and the rate", async () => {
    const userId = randomUUID();
    const orderId = randomUUID();
    const buyer = asBuyer(ctx, userId);
    const a = await payments.startStarsPayment(buyer, { userId, orderId, amount: 980n, currency: "CNY" });
    if (!a.ok) throw new Error(a.code);
    expect(a).toMatchObject({ stars: 108n, rate: "11", replayed: false });
    expect(a.payment).toMatchObject({
      provider: "telegram_stars",
      purpose: "order",
      orderId,
      amount: 108n,
      currency: "XTR",
      status: "PENDING",
      credit: { amount: 980n, currency: "CNY", exchangeRate: "11" },
    });
    const again = await payments.startStarsPayment(buyer, { userId, orderId, amount: 980n, currency: "CNY" });
    expect(again).toMatchObject({ ok: true, replayed: true, payment: { id: a.payment.id } });
    // Someone else's order: refused as not found (ids cannot be probed), nothing written.
    await expect(
      payments.startStarsPayment(asBuyer(ctx, randomUUID()), { userId, orderId, amount: 980n, currency: "CNY" }),
    ).rejects.toMatchObject({ type: "not_found" });
    // No rate for USD: not offered.
    expect(
      await payments.startStarsPayment(buyer, { userId, orderId: randomUUID(), amount: 100n, currency: "USD" }),
    ).toEqual({ ok: false, code: "stars_unavailable" });
    // An XTR order: the Stars are its price, no credit in another currency.
    const xtr = await payments.startStarsPayment(buyer, {
      userId,
      orderId: randomUUID(),
      amount: 50n,
      currency: "XTR",
    });
    expect(xtr).toMatchObject({ ok: true, stars: 50n, payment: { amount: 50n, currency: "XTR", credit: null } });
    expect(await tdb.db.prisma.payment.count({ where: { userId } })).toBe(2);
  });

  it("a credit in the charge's own currency or with a bad rate is refused", async () => {
    const base = {
      provider: "telegram_stars" as const,
      purpose: "order" as const,
      userId: randomUUID(),
      orderId: randomUUID(),
      amount: 10n,
      currency: "XTR" as const,
      idempotencyKey: randomUUID(),
    };
    await expect(
      payments.createPayment(ctx, { ...base, credit: { amount: 10n, currency: "XTR", exchangeRate: "1" } }),
    ).rejects.toMatchObject({ code: "invalid_credit" });
    await expect(
      payments.createPayment(ctx, { ...base, credit: { amount: 10n, currency: "CNY", exchangeRate: "x" } }),
    ).rejects.toMatchObject({ code: "invalid_stars_rate" });
    await expect(
      payments.createPayment(ctx, { ...base, credit: { amount: 0n, currency: "CNY", exchangeRate: "11" } }),
    ).rejects.toMatchObject({ code: "invalid_amount" });
    expect(await tdb.db.prisma.payment.count({ where: { userId: base.userId } })).toBe(0);
  });

  it("confirm credits the CNY price once; the provider refund takes the CNY back once; books balance", async () => {
    const userId = randomUUID();
    const orderId = randomUUID();
    const started = await payments.startStarsPayment(asBuyer(ctx, userId), {
      userId,
      orderId,
      amount: 1000n,
      currency: "CNY",
    });
    if (!started.ok) throw new Error(started.code);
    const confirm = () =>
      payments.confirm(ctx, {
        provider: "telegram_stars",
        paymentId: started.payment.id,
        externalId: `ch_${orderId}`,
        amount: 110n,
        currency: "XTR",
      });
    // Ten deliveries of the same charge at once: credited once.
    const results = await Promise.all(Array.from({ length: 10 }, confirm));
    expect(results.filter((r) => r.ok && r.credited)).toHaveLength(1);
    expect((await ledger.balance(ctx, walletCode(userId, "CNY"))).balance).toBe(1000n);
    expect((await ledger.balance(ctx, walletCode(userId, "XTR"))).balance).toBe(0n);
    // The wrong Stars amount is a mismatch, not a duplicate.
    expect(
      await payments.confirm(ctx, {
        provider: "telegram_stars",
        paymentId: started.payment.id,
        externalId: `ch_${orderId}`,
        amount: 100n,
        currency: "XTR",
      }),
    ).toMatchObject({ ok: false, code: "amount_mismatch" });
    const [posting] = await tdb.db.prisma.$queryRaw<{ metadata: Record<string, unknown> }[]>`
      SELECT metadata FROM ledger_transactions WHERE idempotency_key = ${`topup:${started.payment.id}`}`;
    expect(posting!.metadata).toMatchObject({ charged: "110 XTR", exchangeRate: "11 XTR/CNY" });

    const charge = await payments.findStarsChargeForOrder(ctx, { orderId });
    expect(charge).toMatchObject({
      amount: 110n,
      currency: "XTR",
      credit: { amount: 1000n, currency: "CNY", exchangeRate: "11" },
    });
    const custodyBefore = (await ledger.balance(ctx, systemCode("custody", "CNY"))).balance;
    const refunded = await payments.recordProviderRefund(ctx, { paymentId: started.payment.id, idempotencyKey: "r1" });
    expect(refunded).toMatchObject({ ok: true, replayed: false, payment: { status: "REFUNDED" } });
    expect(
      await payments.recordProviderRefund(ctx, { paymentId: started.payment.id, idempotencyKey: "r2" }),
    ).toMatchObject({ ok: true, replayed: true });
    expect((await ledger.balance(ctx, walletCode(userId, "CNY"))).balance).toBe(0n);
    expect((await ledger.balance(ctx, systemCode("custody", "CNY"))).balance).toBe(custodyBefore + 1000n);
    expect(await ledger.check(ctx)).toMatchObject({ ok: true });
    expect((await ledger.reconcile(ctx, "CNY")).ok).toBe(true);
  });
});
