import { authorize, requires, type AccessRules } from "../shared/index.ts";
import type { Payments } from "./payments.types.ts";

const confirm = requires("payments.confirm");
const own =
  (permission: "payments.topup" | "orders.pay") => (ctx: Parameters<typeof authorize>[0], input: { userId: string }) =>
    authorize(ctx, permission, { owner: input.userId, hide: { code: "user_not_found", message: "no such user" } });

/** A buyer starts their own top-ups; payment providers' confirmations are the platform's (after their signature). */
export const paymentsAccess: AccessRules<Payments> = {
  startTopUp: own("payments.topup"),
  createPayment: confirm,
  // The sandbox checkout page reads a payment by its id, an unguessable capability in the checkout link.
  getPayment: "public",
  quoteStars: "pure",
  // Issuing a Stars invoice for an order is its owner's (paying it); the charge itself is confirmed by the platform.
  startStarsPayment: own("orders.pay"),
  confirm,
  fail: confirm,
  handleSandboxWebhook: "pure",
  simulateSandboxEvent: confirm,
  payFromWallet: own("orders.pay"),
  findStarsChargeForOrder: confirm,
  recordProviderRefund: confirm,
  // Custody reconciliation reads it (custody.manage); the platform's scheduled checks too.
  custodyMovements: requires("custody.manage"),
};
