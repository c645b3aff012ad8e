import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCode, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import { signSandboxPayload, verifySandboxSignature, type Payments } from "../../../core/payments/index.ts";
import { systemContext } from "../../../core/shared/index.ts";
import type { TestDatabase } from "../../support/databases.ts";
import { openPayments, SANDBOX_SECRET } from "./payments-fixture.ts";

const ctx = systemContext("test-payments");
const SECRET = SANDBOX_SECRET;
let tdb: TestDatabase;
let ledger: Ledger;
let payments: Payments;
beforeAll(async () => {
  ({ tdb, ledger, payments } = await openPayments("payments"));
});
afterAll(async () => tdb?.drop());

const topUp = (userId: string, amount: bigint, key: string = randomUUID()) =>
  payments.startTopUp(ctx, { userId, amount, currency: "CNY", provider: "sandbox", idempotencyKey: key });

describe("sandbox signature", () => {
  const now = new Date("2026-03-01T00:00:00Z");
  const body = '{"id":"evt_1"}';
  it("accepts its own signature within ±5 minutes and nothing else", () => {
    const sig = signSandboxPayload(SECRET, body, now);
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySandboxSignature(SECRET, sig, body, now)).toEqual({ ok: true });
    expect(verifySandboxSignature(SECRET, sig, body, new Date(now.getTime() + 299_000)).ok).toBe(true);
    expect(verifySandboxSignature(SECRET, sig, body, new Date(now.getTime() + 301_000))).toMatchObject({
      code: "stale_timestamp",
    });
    expect(verifySandboxSignature(SECRET, sig, body, new Date(now.getTime() - 301_000))).toMatchObject({
      code: "stale_timestamp",
    });
    expect(verifySandboxSignature(SECRET, sig, body + " ", now)).toMatchObject({ code: "invalid_signature" });
    expect(verifySandboxSignature("another_secret_0123456", sig, body, now)).toMatchObject({
      code: "invalid_signature",
    });
    expect(verifySandboxSignature(SECRET, undefined, body, now)).toMatchObject({ code: "missing_signature" });
    expect(verifySandboxSignature(SECRET, "garbage", body, now)).toMatchObject({ code: "invalid_signature" });
    // Secret rotation: any matching v1 passes.
    const [t, v1] = sig.split(",");
    expect(verifySandboxSignature(SECRET, `${t},v1=${"0".repeat(64)},${v1}`, body, now).ok).toBe(true);
  });
});

describe("payments", () => {
  it("startTopUp creates one pending payment per (user, key) and returns the checkout URL", async () => {
    const user = randomUUID();
    const a = await topUp(user, 1000n, "k1");
    expect(a.payment).toMatchObject({
      status: "PENDING",
      amount: 1000n,
      currency: "CNY",
      userId: user,
      purpose: "topup",
    });
    expect(a.checkoutUrl).toBe(`https://shop.example.com/pay/sandbox/${a.payment.id}`);
    expect(a.replayed).toBe(false);
    const b = await topUp(user, 1000n, "k1");
    expect(b.payment.id).toBe(a.payment.id);
    expect(b.replayed).toBe(true);
    await expect(topUp(user, 999n, "k1")).rejects.toMatchObject({ code: "idempotency_conflict" });
    const other = await topUp(randomUUID(), 1000n, "k1");
    expect(other.payment.id).not.toBe(a.payment.id);
    await expect(topUp(user, 0n)).rejects.toMatchObject({ code: "invalid_amount" });
  });

  it("createPayment makes pending payments for other providers (e.g. Stars for an order)", async () => {
    const user = randomUUID();
    const orderId = randomUUID();
    const input = {
      provider: "telegram_stars" as const,
      purpose: "order" as const,
      userId: user,
      orderId,
      amount: 50n,
      currency: "XTR" as const,
      idempotencyKey: `order:${orderId}`,
    };
    const a = await payments.createPayment(ctx, input);
    expect(a).toMatchObject({ replayed: false, payment: { status: "PENDING", orderId, provider: "telegram_stars" } });
    expect((await payments.createPayment(ctx, input)).payment.id).toBe(a.payment.id);
    const r = await payments.confirm(ctx, {
      provider: "telegram_stars",
      paymentId: a.payment.id,
      externalId: "tg_charge_1",
      amount: 50n,
      currency: "XTR",
    });
    expect(r).toMatchObject({ ok: true, credited: true });
    expect((await ledger.balance(ctx, walletCode(user, "XTR"))).balance).toBe(50n);
    expect((await ledger.reconcile(ctx, "XTR")).ok).toBe(true);
  });

  it("confirm credits once, even when called 10× at once, and records one outbox event", async () => {
    const user = randomUUID();
    const { payment } = await topUp(user, 500n);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        payments.confirm(ctx, {
          provider: "sandbox",
          paymentId: payment.id,
          externalId: `evt_${i}`,
          amount: 500n,
          currency: "CNY",
        }),
      ),
    );
    expect(results.filter((r) => r.ok && r.credited)).toHaveLength(1);
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await ledger.balance(ctx, walletCode(user, "CNY"))).balance).toBe(500n);
    const stored = await payments.getPayment(ctx, payment.id);
    expect(stored).toMatchObject({ status: "SUCCEEDED" });
    expect(stored!.ledgerTransactionId).toBeTruthy();
    const events = await tdb.db.prisma.outboxEvent.findMany({ where: { type: "payment.succeeded" } });
    const mine = events.filter((e) => (e.payload as { paymentId: string }).paymentId === payment.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.payload).toMatchObject({ userId: user, amount: "500", currency: "CNY" });
    expect((await ledger.reconcile(ctx, "CNY")).ok).toBe(true);
  });

  it("confirm refuses mismatches without crediting, and a failure never regresses a success", async () => {
    const user = randomUUID();
    const { payment } = await topUp(user, 300n);
    const base = { provider: "sandbox" as const, paymentId: payment.id, externalId: "x1", currency: "CNY" as const };
    expect(await payments.confirm(ctx, { ...base, amount: 301n })).toMatchObject({
      ok: false,
      code: "amount_mismatch",
    });
    expect(await payments.confirm(ctx, { ...base, amount: 300n, currency: "USD" })).toMatchObject({
      ok: false,
      code: "currency_mismatch",
    });
    expect(await payments.confirm(ctx, { ...base, provider: "telegram_stars", amount: 300n })).toMatchObject({
      code: "provider_mismatch",
    });
    expect(await payments.confirm(ctx, { ...base, paymentId: randomUUID(), amount: 300n })).toMatchObject({
      code: "payment_not_found",
    });
    expect((await ledger.balance(ctx, walletCode(user, "CNY"))).balance).toBe(0n);
    expect(await payments.fail(ctx, { provider: "sandbox", paymentId: payment.id })).toMatchObject({ changed: true });
    expect((await payments.confirm(ctx, { ...base, amount: 300n })).ok).toBe(true);
    expect(await payments.fail(ctx, { provider: "sandbox", paymentId: payment.id })).toMatchObject({
      ok: true,
      changed: false,
      payment: { status: "SUCCEEDED" },
    });
    expect((await ledger.balance(ctx, walletCode(user, "CNY"))).balance).toBe(300n);
  });

  it("payFromWallet is a ledger posting from the user's wallet", async () => {
    const user = randomUUID();
    const { payment } = await topUp(user, 100n);
    await payments.confirm(ctx, {
      provider: "sandbox",
      paymentId: payment.id,
      externalId: "e",
      amount: 100n,
      currency: "CNY",
    });
    const escrow = systemCode("order_escrow", "CNY");
    const pay = {
      userId: user,
      amount: 70n,
      currency: "CNY" as const,
      idempotencyKey: `order:${randomUUID()}`,
      to: escrow,
    };
    const r = await payments.payFromWallet(ctx, pay);
    expect(r).toMatchObject({ ok: true, replayed: false });
    expect(await payments.payFromWallet(ctx, pay)).toMatchObject({ ok: true, replayed: true });
    expect(await payments.payFromWallet(ctx, { ...pay, idempotencyKey: randomUUID() })).toEqual({
      ok: false,
      code: "insufficient_funds",
      account: walletCode(user, "CNY"),
    });
    expect((await ledger.balance(ctx, walletCode(user, "CNY"))).balance).toBe(30n);
  });
});

describe("Telegram Stars refunds", () => {
  /** A Stars order payment as the Telegram channel makes it: charge (custody −X, wallet +X), then pay the order. */
  async function starsPaidOrder(amount = 250n) {
    const userId = randomUUID();
    const orderId = randomUUID();
    const { payment } = await payments.createPayment(ctx, {
      provider: "telegram_stars",
      purpose: "order",
      userId,
      orderId,
      amount,
      currency: "XTR",
      idempotencyKey: `order:${orderId}`,
    });
    const chargeId = `stxCharge_${randomUUID()}`;
    const confirmed = await payments.confirm(ctx, {
      provider: "telegram_stars",
      paymentId: payment.id,
      externalId: chargeId,
      amount,
      currency: "XTR",
    });
    expect(confirmed.ok).toBe(true);
    const wallet = walletCode(userId, "XTR");
    const paid = await ledger.post(ctx, {
      idempotencyKey: `order-pay:${orderId}`,
      kind: "order_payment",
      legs: [
        { account: wallet, amount: -amount },
        { account: systemCode("order_escrow", "XTR"), amount },
      ],
    });
    if (!paid.ok) throw new Error("order payment failed");
    return { userId, orderId, payment, chargeId, wallet, paymentTxId: paid.transactionId, amount };
  }
  /** Fulfilment failed: the order is refunded to the XTR wallet (the reversal of its payment). */
  const refundToWallet = (o: { orderId: string; paymentTxId: string }) =>
    ledger.reverse(ctx, {
      transactionId: o.paymentTxId,
      idempotencyKey: `order-refund:${o.orderId}`,
      reason: "failed",
    });

  it("findStarsChargeForOrder finds the charged Stars payment of an order, and nothing else", async () => {
    const o = await starsPaidOrder();
    expect(await payments.findStarsChargeForOrder(ctx, { orderId: o.orderId })).toEqual({
      paymentId: o.payment.id,
      userId: o.userId,
      externalId: o.chargeId,
      amount: o.amount,
      currency: "XTR",
      credit: null,
      status: "SUCCEEDED",
    });
    expect(await payments.findStarsChargeForOrder(ctx, { orderId: randomUUID() })).toBeNull();
    expect(await payments.findStarsChargeForOrder(ctx, { orderId: "not-a-uuid" })).toBeNull();
    // An invoice that was never paid is not a charge.
    const unpaidOrder = randomUUID();
    await payments.createPayment(ctx, {
      provider: "telegram_stars",
      purpose: "order",
      userId: o.userId,
      orderId: unpaidOrder,
      amount: 10n,
      currency: "XTR",
      idempotencyKey: `order:${unpaidOrder}`,
    });
    expect(await payments.findStarsChargeForOrder(ctx, { orderId: unpaidOrder })).toBeNull();
  });

  it("recordProviderRefund takes the refunded Stars out of the wallet back to the payer, once", async () => {
    const o = await starsPaidOrder(300n);
    const custody = systemCode("custody", "XTR");
    const custodyBefore = (await ledger.balance(ctx, custody)).balance;
    expect((await refundToWallet(o)).ok).toBe(true);
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(300n);

    const r = await payments.recordProviderRefund(ctx, { paymentId: o.payment.id, idempotencyKey: "stars-refund:1" });
    if (!r.ok) throw new Error(`refund refused: ${r.code}`);
    expect(r.replayed).toBe(false);
    expect(r.payment).toMatchObject({ status: "REFUNDED", refundTransactionId: r.refundTransactionId });
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(0n);
    expect((await ledger.balance(ctx, custody)).balance).toBe(custodyBefore + 300n);
    const [tx] = await tdb.db.prisma.$queryRaw<{ key: string; kind: string }[]>`SELECT idempotency_key AS key, kind
      FROM ledger_transactions WHERE id = ${r.refundTransactionId}::uuid`;
    expect(tx).toEqual({ key: `provider-refund:${o.payment.id}`, kind: "provider_refund" });

    // Again (any key, or many at once): a replay, never a second debit.
    const again = await Promise.all(
      ["stars-refund:1", "stars-refund:1", "other-key"].map((k) =>
        payments.recordProviderRefund(ctx, { paymentId: o.payment.id, idempotencyKey: k }),
      ),
    );
    for (const a of again)
      expect(a).toMatchObject({ ok: true, replayed: true, refundTransactionId: r.refundTransactionId });
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(0n);
    const charge = await payments.findStarsChargeForOrder(ctx, { orderId: o.orderId });
    expect(charge).toMatchObject({ paymentId: o.payment.id, status: "REFUNDED" });

    // A late duplicate of the charge must not revive the payment nor credit again.
    const dup = await payments.confirm(ctx, {
      provider: "telegram_stars",
      paymentId: o.payment.id,
      externalId: o.chargeId,
      amount: 300n,
      currency: "XTR",
    });
    expect(dup).toMatchObject({ ok: true, credited: false, payment: { status: "REFUNDED" } });
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(0n);
    expect(await ledger.check(ctx)).toMatchObject({ ok: true });
    expect((await ledger.reconcile(ctx, "XTR")).ok).toBe(true);
  });

  it("concurrent refunds of one payment debit the wallet once", async () => {
    const o = await starsPaidOrder(40n);
    await refundToWallet(o);
    const rs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        payments.recordProviderRefund(ctx, { paymentId: o.payment.id, idempotencyKey: `k${i}` }),
      ),
    );
    expect(rs.every((r) => r.ok)).toBe(true);
    expect(rs.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(0n);
    const [n] = await tdb.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ledger_transactions
      WHERE idempotency_key = ${`provider-refund:${o.payment.id}`}`;
    expect(n!.n).toBe(1n);
  });

  it("refuses when the buyer already spent the refunded Stars: nothing is booked, the Stars must not go back", async () => {
    const o = await starsPaidOrder(100n);
    await refundToWallet(o);
    // The buyer spends part of the refunded balance on another order.
    const spent = await ledger.post(ctx, {
      idempotencyKey: `order-pay:${randomUUID()}`,
      kind: "order_payment",
      legs: [
        { account: o.wallet, amount: -30n },
        { account: systemCode("order_escrow", "XTR"), amount: 30n },
      ],
    });
    expect(spent.ok).toBe(true);
    const r = await payments.recordProviderRefund(ctx, { paymentId: o.payment.id, idempotencyKey: "stars-refund:x" });
    expect(r).toMatchObject({ ok: false, code: "insufficient_funds", payment: { status: "SUCCEEDED" } });
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(70n);
    expect(await payments.getPayment(ctx, o.payment.id)).toMatchObject({
      status: "SUCCEEDED",
      refundTransactionId: null,
    });
    const [n] = await tdb.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ledger_transactions
      WHERE idempotency_key = ${`provider-refund:${o.payment.id}`}`;
    expect(n!.n).toBe(0n);
  });

  it("refuses payments that were never charged and runs inside a caller's transaction", async () => {
    const userId = randomUUID();
    const { payment } = await payments.createPayment(ctx, {
      provider: "telegram_stars",
      purpose: "order",
      userId,
      orderId: randomUUID(),
      amount: 5n,
      currency: "XTR",
      idempotencyKey: "never-paid",
    });
    expect(await payments.recordProviderRefund(ctx, { paymentId: payment.id, idempotencyKey: "k" })).toMatchObject({
      ok: false,
      code: "not_refundable",
    });
    expect(await payments.recordProviderRefund(ctx, { paymentId: randomUUID(), idempotencyKey: "k" })).toMatchObject({
      ok: false,
      code: "payment_not_found",
    });

    // In a caller's transaction that rolls back, nothing remains.
    const o = await starsPaidOrder(20n);
    await refundToWallet(o);
    await expect(
      tdb.db.sql.transaction(async (tx) => {
        const r = await payments.recordProviderRefund(ctx, { paymentId: o.payment.id, idempotencyKey: "k" }, { tx });
        expect(r.ok).toBe(true);
        throw new Error("telegram refused");
      }),
    ).rejects.toThrow("telegram refused");
    expect(await payments.getPayment(ctx, o.payment.id)).toMatchObject({ status: "SUCCEEDED" });
    expect((await ledger.balance(ctx, o.wallet)).balance).toBe(20n);
  });
});
