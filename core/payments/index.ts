export { createPayments, type PaymentsDeps } from "./payments.service.ts";
export {
  signSandboxPayload,
  verifySandboxSignature,
  SANDBOX_SIGNATURE_HEADER,
  SANDBOX_TOLERANCE_MS,
} from "./sandbox-signature.ts";
export { sandboxEventSchema, type SandboxEvent } from "./sandbox-event.ts";
export type * from "./payments.types.ts";
