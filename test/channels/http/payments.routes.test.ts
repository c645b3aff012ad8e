import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentRoutes } from "../../../channels/http/payments.routes.ts";
import { createLedger, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import { createPayments, signSandboxPayload, type Payment, type Payments } from "../../../core/payments/index.ts";
import { ManualClock, systemContext } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const ctx = systemContext("test-payment-routes");
const SECRET = "whsec_test_secret_0123456789";
const clock = new ManualClock(new Date("2026-03-01T00:00:00Z"));
let tdb: TestDatabase;
let ledger: Ledger;
let payments: Payments;
let app: ReturnType<typeof paymentRoutes>;

beforeAll(async () => {
  tdb = await createTestDatabase("paymentroutes");
  ledger = createLedger({ sql: tdb.db.sql, clock });
  payments = createPayments({
    sql: tdb.db.sql,
    clock,
    ledger,
    sandbox: { secret: SECRET, publicUrl: "http://localhost:3000" },
  });
  app = paymentRoutes({ payments, checkoutSimulator: true });
});
afterAll(async () => tdb?.drop());

async function newPayment(amount = 1234n): Promise<Payment> {
  const { payment } = await payments.startTopUp(ctx, {
    userId: randomUUID(),
    amount,
    currency: "CNY",
    provider: "sandbox",
    idempotencyKey: randomUUID(),
  });
  return payment;
}

function event(p: Payment, over: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: `evt_${randomUUID().replaceAll("-", "")}`,
    type: "payment.succeeded",
    payment_id: p.id,
    amount: Number(p.amount),
    currency: p.currency,
    created: Math.floor(clock.now().getTime() / 1000),
    ...over,
  });
}

function deliver(body: string, signature: string | null = signSandboxPayload(SECRET, body, clock.now())) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["X-Sandbox-Signature"] = signature;
  return app.request("/webhooks/sandbox", { method: "POST", body, headers });
}

const balanceOf = async (p: Payment) => (await ledger.balance(ctx, walletCode(p.userId, p.currency))).balance;
const eventRecorded = async (body: string) => {
  const id = (JSON.parse(body) as { id: string }).id;
  return (await tdb.db.prisma.webhookEvent.count({ where: { source: "sandbox", eventId: id } })) === 1;
};

describe("sandbox checkout page", () => {
  it("shows the amount and a Pay button; pressing it makes the provider send a signed webhook that credits once", async () => {
    const p = await newPayment(1234n);
    const page = await app.request(`/pay/sandbox/${p.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("12.34");
    expect(html).toMatch(/<button[^>]*value="succeeded"[^>]*>Pay/);
    const pay = () =>
      app.request(`/pay/sandbox/${p.id}/pay`, {
        method: "POST",
        body: new URLSearchParams({ outcome: "succeeded" }),
      });
    // Post/Redirect/Get: pressing Pay lands on the payment's own page, which shows its result.
    const first = await pay();
    expect(first.status).toBe(303);
    const landing = new URL(first.headers.get("location")!, `http://shop.test/pay/sandbox/${p.id}/pay`);
    expect(landing.pathname).toBe(`/pay/sandbox/${p.id}`);
    const result = await app.request(landing.pathname);
    expect(result.status).toBe(200);
    const shown = await result.text();
    expect(shown).toContain("Paid 支付成功");
    expect(shown).toContain("¥12.34 has been added to your wallet");
    expect(shown).toContain("return to the chat");
    expect(shown).not.toMatch(/HTTP \d{3}|<button/);
    const second = await pay(); // a repeated POST (back button) pays nothing twice and lands on the same page
    expect(second.status).toBe(303);
    expect(await balanceOf(p)).toBe(1234n);
    expect(await (await app.request(`/pay/sandbox/${p.id}`)).text()).toContain("已充值到您的钱包");
  });

  it("Decline marks the payment failed; unknown payments are a 404", async () => {
    const p = await newPayment();
    const r = await app.request(`/pay/sandbox/${p.id}/pay`, {
      method: "POST",
      body: new URLSearchParams({ outcome: "failed" }),
    });
    expect(r.status).toBe(303);
    const declined = await (await app.request(`/pay/sandbox/${p.id}`)).text();
    expect(declined).toContain("Payment declined 支付未完成");
    expect(declined).toContain("Nothing was charged");
    expect((await payments.getPayment(ctx, p.id))!.status).toBe("FAILED");
    expect((await app.request(`/pay/sandbox/${randomUUID()}`)).status).toBe(404);
    expect((await app.request(`/pay/sandbox/not-a-uuid`)).status).toBe(404);
  });
});

describe("POST /webhooks/sandbox", () => {
  it("a valid webhook delivered 5× in a row and 5× at once credits once", async () => {
    const p = await newPayment(500n);
    const body = event(p);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await deliver(body);
      expect(r.status).toBe(200);
      outcomes.push(((await r.json()) as { outcome: string }).outcome);
    }
    expect(outcomes).toEqual(["credited", "duplicate", "duplicate", "duplicate", "duplicate"]);
    expect(await balanceOf(p)).toBe(500n);

    const q = await newPayment(700n);
    const qBody = event(q);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => deliver(qBody)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const qOutcomes = await Promise.all(concurrent.map(async (r) => ((await r.json()) as { outcome: string }).outcome));
    expect(qOutcomes.filter((o) => o === "credited")).toHaveLength(1);
    expect(qOutcomes.filter((o) => o === "duplicate")).toHaveLength(4);
    // Distinct events for the same payment (the customer pressed Pay twice) still credit once.
    const distinct = await Promise.all(Array.from({ length: 5 }, () => deliver(event(q))));
    const distinctOutcomes = await Promise.all(
      distinct.map(async (r) => ((await r.json()) as { outcome: string }).outcome),
    );
    expect(distinctOutcomes).toEqual(Array(5).fill("already_succeeded"));
    expect(await balanceOf(q)).toBe(700n);
    expect(await tdb.db.prisma.ledgerTransaction.count({ where: { idempotencyKey: `topup:${q.id}` } })).toBe(1);
  });

  it("rejects a tampered body, bad or missing signatures and stale timestamps, crediting nothing", async () => {
    const p = await newPayment(900n);
    const body = event(p);
    const signature = signSandboxPayload(SECRET, body, clock.now());
    const tampered = body.replace('"amount":900', '"amount":90000');
    const cases: [string, Response, number, string][] = [
      ["tampered", await deliver(tampered, signature), 401, "invalid_signature"],
      [
        "wrong secret",
        await deliver(body, signSandboxPayload("whsec_wrong_secret_000000", body, clock.now())),
        401,
        "invalid_signature",
      ],
      ["missing", await deliver(body, null), 401, "missing_signature"],
      ["malformed header", await deliver(body, "v1=abc"), 401, "invalid_signature"],
      [
        "stale",
        await deliver(body, signSandboxPayload(SECRET, body, new Date(clock.now().getTime() - 6 * 60_000))),
        400,
        "stale_timestamp",
      ],
      [
        "future",
        await deliver(body, signSandboxPayload(SECRET, body, new Date(clock.now().getTime() + 6 * 60_000))),
        400,
        "stale_timestamp",
      ],
    ];
    for (const [name, res, status, code] of cases) {
      expect(res.status, name).toBe(status);
      expect(await res.json(), name).toMatchObject({ error: { code, message: expect.any(String) } });
    }
    expect(await balanceOf(p)).toBe(0n);
    expect(await eventRecorded(body)).toBe(false);
    expect((await payments.getPayment(ctx, p.id))!.status).toBe("PENDING");
    // The genuine delivery still works afterwards.
    expect(await (await deliver(body)).json()).toMatchObject({ outcome: "credited" });
  });

  it("malformed JSON and invalid events are 400 with a code", async () => {
    const bad = await deliver("{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "malformed_json", message: expect.any(String) } });
    const p = await newPayment();
    const invalid = await deliver(event(p, { amount: "12.5" }));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: "invalid_event" } });
    const wrongType = await deliver(event(p, { type: "payment.refunded" }));
    expect(wrongType.status).toBe(400);
    expect(await balanceOf(p)).toBe(0n);
  });

  it("an event for an unknown payment is ignored (200) and recorded", async () => {
    const ghost = { id: randomUUID(), amount: 100n, currency: "CNY" } as Payment;
    for (const body of [event(ghost), event(ghost, { payment_id: "pay_unknown" })]) {
      const r = await deliver(body);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ outcome: "ignored", reason: "unknown_payment" });
      expect(await eventRecorded(body)).toBe(true);
    }
  });

  it("an amount or currency mismatch is rejected and recorded, and its redelivery never credits", async () => {
    const p = await newPayment(1000n);
    for (const over of [{ amount: 1 }, { currency: "USD" }]) {
      const body = event(p, over);
      const r = await deliver(body);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ outcome: "rejected" });
      expect(await eventRecorded(body)).toBe(true);
      expect(await (await deliver(body)).json()).toMatchObject({ outcome: "duplicate" });
    }
    expect(await balanceOf(p)).toBe(0n);
    expect((await payments.getPayment(ctx, p.id))!.status).toBe("PENDING");
  });

  it("out-of-order events: a failure after success is ignored and never regresses the status", async () => {
    const p = await newPayment(250n);
    expect(await (await deliver(event(p))).json()).toMatchObject({ outcome: "credited" });
    expect(await (await deliver(event(p, { type: "payment.failed" }))).json()).toMatchObject({ outcome: "ignored" });
    expect((await payments.getPayment(ctx, p.id))!.status).toBe("SUCCEEDED");
    expect(await balanceOf(p)).toBe(250n);
    expect((await ledger.check(ctx)).ok).toBe(true);
    expect((await ledger.reconcile(ctx, "CNY")).ok).toBe(true);
  });
});
