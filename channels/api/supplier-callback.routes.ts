import { Hono, type Context } from "hono";
import { SUPPLIER_CALLBACK_PATH } from "../../core/suppliers/index.ts";
import type { FulfilResult, SupplierOutcomePort } from "../../core/flows/index.ts";
import { systemActor, type CoreContext } from "../../core/shared/index.ts";

export interface SupplierCallbackDeps {
  suppliers: {
    verifyCallback(
      ctx: CoreContext,
      input: { supplierCode: string; rawBody: string; headers: Headers },
    ): Promise<{ requestKey: string; orderId: string; supplierId: string; outcome: SupplierOutcomePort }>;
  };
  orders: {
    applySupplierOutcome(
      ctx: CoreContext,
      input: { orderId: string; supplierId: string; outcome: SupplierOutcomePort },
    ): Promise<FulfilResult>;
  };
}

/**
 * `POST /webhooks/suppliers/:supplierCode` (core/suppliers SUPPLIER_CALLBACK_PATH, what suppliers are
 * told) and its API alias `POST /v1/suppliers/:supplierCode/callback` — a supplier's signed callback. `verifyCallback` authenticates it (401
 * `bad_signature` for forged or stale ones, 404 for unknown suppliers or request keys) and records
 * the outcome; the order flow then delivers once (duplicates change nothing).
 */
export function supplierCallbackRoutes(deps: SupplierCallbackDeps) {
  const handler = async (c: Context) => {
    // Unknown until its signature checks out (verifyCallback); then the platform acts on it.
    const ctx: CoreContext = {
      channel: "http",
      actor: { kind: "visitor" },
      locale: "en",
      requestId: (c.get("requestId" as never) as string | undefined) ?? "",
      externalUserId: `supplier:${c.req.param("supplierCode")}`,
    };
    const verified = await deps.suppliers.verifyCallback(ctx, {
      supplierCode: c.req.param("supplierCode") ?? "",
      rawBody: await c.req.text(),
      headers: c.req.raw.headers,
    });
    const result = await deps.orders.applySupplierOutcome(
      { ...ctx, actor: systemActor("supplier-callback") },
      {
        orderId: verified.orderId,
        supplierId: verified.supplierId,
        outcome: verified.outcome,
      },
    );
    return c.json({ ok: true, order_id: result.orderId, status: result.status, changed: result.changed });
  };
  return new Hono().post(SUPPLIER_CALLBACK_PATH, handler).post("/v1/suppliers/:supplierCode/callback", handler);
}
