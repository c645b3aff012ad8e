import { signPayload, SIGNATURE_TOLERANCE_MS, verifyPayload, type SignatureCheck } from "../shared/index.ts";

export const SANDBOX_SIGNATURE_HEADER = "X-Sandbox-Signature";
export const SANDBOX_TOLERANCE_MS = SIGNATURE_TOLERANCE_MS;

export type SandboxSignatureCheck = SignatureCheck;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<rawBody>")>` (core/shared/signed-payload.ts). */
export const signSandboxPayload = signPayload;
export const verifySandboxSignature = verifyPayload;
