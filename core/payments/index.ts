import { withAccess } from "../shared/index.ts";
import { paymentsAccess } from "./payments.access.ts";
import { createPayments as createUncheckedPayments, type PaymentsDeps } from "./payments.service.ts";
import type { Payments } from "./payments.types.ts";

export type { PaymentsDeps };
/** Payments, every call checked against its actor (payments.access.ts). */
export const createPayments = (deps: PaymentsDeps): Payments =>
  withAccess("payments", createUncheckedPayments(deps), paymentsAccess);
export {
  signSandboxPayload,
  verifySandboxSignature,
  SANDBOX_SIGNATURE_HEADER,
  SANDBOX_TOLERANCE_MS,
} from "./sandbox-signature.ts";
export { sandboxEventSchema, type SandboxEvent } from "./sandbox-event.ts";
export type * from "./payments.types.ts";
export { DEFAULT_STARS_PER_CNY, parseStarsRate, starsPrice, type StarsQuote, type StarsRates } from "./stars-price.ts";
