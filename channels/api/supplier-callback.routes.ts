import { Hono, type Context } from "hono";
import { SUPPLIER_CALLBACK_PATH } from "../../core/suppliers/index.ts";
import type { FulfilResult, SupplierOutcomePort } from "../../core/flows/index.ts";
import { isDomainError, systemActor, type CoreContext } from "../../core/shared/index.ts";
import { errorJson } from "../http/errors.ts";

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
  /** Where refused callbacks are reported with their reason (the caller only learns "unauthorized"). */
  logger?: { warn(obj: object, msg: string): void };
  /** Told about each refused callback with its real reason (for `/metrics`; the caller only learns "unauthorized"). */
  onRejected?(reason: string): void;
}

/** Failures before a callback is authenticated: answered alike, so a caller learns nothing from which. */
const UNAUTHENTICATED = new Set(["supplier_not_found", "bad_signature"]);

/**
 * `POST /webhooks/suppliers/:supplierCode` (core/suppliers SUPPLIER_CALLBACK_PATH, what suppliers are
 * told) and its API alias `POST /v1/suppliers/:supplierCode/callback` — a supplier's signed callback. `verifyCallback` authenticates it and records
 * the outcome; the order flow then delivers once (duplicates change nothing). Until the signature checks
 * out the caller is a stranger: an unknown supplier and a forged, stale or unsigned callback all get the
 * same 401 `unauthorized` (the reason goes to the log). An authenticated callback about a request we do
 * not know gets 404.
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
    const supplierCode = c.req.param("supplierCode") ?? "";
    let verified: Awaited<ReturnType<SupplierCallbackDeps["suppliers"]["verifyCallback"]>>;
    try {
      verified = await deps.suppliers.verifyCallback(ctx, {
        supplierCode,
        rawBody: await c.req.text(),
        headers: c.req.raw.headers,
      });
    } catch (e) {
      if (!isDomainError(e) || !UNAUTHENTICATED.has(e.code)) throw e;
      deps.logger?.warn(
        { supplierCode: supplierCode.slice(0, 64), reason: e.code, detail: e.message, requestId: ctx.requestId },
        "supplier callback refused",
      );
      deps.onRejected?.(e.code);
      return errorJson(c, 401, "unauthorized", "the callback could not be authenticated");
    }
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
