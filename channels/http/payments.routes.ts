import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { SANDBOX_SIGNATURE_HEADER, type Payments, type SandboxWebhookResult } from "../../core/payments/index.ts";
import { newId, systemContext } from "../../core/shared/index.ts";
import { errorJson } from "./errors.ts";
import { checkoutPage, messagePage } from "./payments-sandbox-page.ts";

export interface PaymentRoutesDeps {
  payments: Pick<Payments, "getPayment" | "handleSandboxWebhook" | "simulateSandboxEvent">;
  /** Serve the simulated provider's checkout page (it credits wallets for free): never in production. */
  checkoutSimulator: boolean;
  /** Told about each refused webhook by its failure code (for `/metrics`). */
  onRejected?(reason: Extract<SandboxWebhookResult, { ok: false }>["code"]): void;
}

const FAILURE_STATUS: Record<Extract<SandboxWebhookResult, { ok: false }>["code"], ContentfulStatusCode> = {
  missing_signature: 401,
  invalid_signature: 401,
  stale_timestamp: 400,
  malformed_json: 400,
  invalid_event: 400,
};

/**
 * The sandbox provider's two faces, mounted at the root: its hosted checkout page (whose buttons make
 * the simulated provider deliver a signed webhook) and our webhook receiver.
 */
export function paymentRoutes({ payments, checkoutSimulator, onRejected }: PaymentRoutesDeps) {
  const app = new Hono();
  if (checkoutSimulator) mountCheckoutSimulator(app, payments);

  app.post("/webhooks/sandbox", async (c) => {
    const rawBody = await c.req.text();
    const result = await payments.handleSandboxWebhook(rawBody, c.req.raw.headers);
    if (!result.ok) {
      onRejected?.(result.code);
      return errorJson(c, FAILURE_STATUS[result.code], result.code, result.message);
    }
    return c.json({
      received: true,
      eventId: result.eventId,
      outcome: result.outcome,
      ...(result.reason ? { reason: result.reason } : {}),
    });
  });

  return app;
}

function mountCheckoutSimulator(app: Hono, payments: PaymentRoutesDeps["payments"]) {
  app.get("/pay/sandbox/:paymentId", async (c) => {
    const payment = await payments.getPayment(systemContext(newId(), { channel: "http" }), c.req.param("paymentId"));
    if (!payment || payment.provider !== "sandbox")
      return c.html(
        messagePage("Payment not found 未找到支付", "This checkout link is not valid. 此支付链接无效。"),
        404,
      );
    return c.html(checkoutPage(payment));
  });

  // The simulated provider: signs the event with the shared secret and delivers it to our webhook.
  app.post("/pay/sandbox/:paymentId/pay", async (c) => {
    const form = await c.req.parseBody();
    const outcome = form.outcome === "failed" ? "failed" : "succeeded";
    const ctx = systemContext(newId(), { channel: "http" });
    const payment = await payments.getPayment(ctx, c.req.param("paymentId"));
    if (!payment || payment.provider !== "sandbox")
      return c.html(
        messagePage("Payment not found 未找到支付", "This checkout link is not valid. 此支付链接无效。"),
        404,
      );
    const delivery = await payments.simulateSandboxEvent(ctx, { paymentId: payment.id, outcome });
    const res = await app.request("/webhooks/sandbox", {
      method: "POST",
      body: delivery.rawBody,
      headers: { "content-type": "application/json", [SANDBOX_SIGNATURE_HEADER]: delivery.signature },
    });
    if (!res.ok) {
      const body = (await res.json()) as { error?: { message: string } };
      return c.html(messagePage("Payment error 支付出错", body.error?.message ?? "the webhook was refused"), 502);
    }
    // Post/Redirect/Get: the result is the payment's own page, so reloading it pays nothing twice.
    return c.redirect(`../${payment.id}`, 303);
  });
}
