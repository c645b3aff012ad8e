import { withAccess } from "../shared/index.ts";
import { suppliersAccess } from "./suppliers.access.ts";
import {
  createSuppliers as createUncheckedSuppliers,
  type Suppliers,
  type SuppliersDeps,
} from "./suppliers.service.ts";

export type { SupplierAttempt } from "./supplier-attempts.ts";
export { requestKey, type Suppliers, type SuppliersDeps, type SupplierConnection } from "./suppliers.service.ts";
/** Suppliers, every call checked against its actor (suppliers.access.ts). */
export const createSuppliers = (deps: SuppliersDeps): Suppliers =>
  withAccess("suppliers", createUncheckedSuppliers(deps), suppliersAccess);
export type {
  SupplierClient,
  SupplierPlaceRequest,
  SupplierCode,
  SupplierOutcome,
  SupplierSucceeded,
  SupplierPending,
  SupplierFailed,
  SupplierFailureReason,
} from "./supplier-client.port.ts";
export { isFinalOutcome } from "./supplier-client.port.ts";
export {
  HttpSupplierClient,
  DEFAULT_SUPPLIER_TIMEOUT_MS,
  type HttpSupplierClientOptions,
} from "./http-supplier-client.ts";
export { classifySupplierFault, type SupplierFault } from "./supplier-failure.ts";
export { circuitState, DEFAULT_BREAKER, type BreakerOptions, type CircuitState } from "./circuit-breaker.ts";
export { rankCandidates } from "./routing.ts";
export {
  computeSignature,
  signedHeaders,
  verifySignature,
  headerValue,
  type HeaderSource,
  type SignatureCheck,
} from "./supplier-signature.ts";
export {
  TIMESTAMP_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_MS,
  SUPPLIER_CALLBACK_PATH,
  REQUEST_KEY_PATTERN,
  placeOrderBodySchema,
  supplierAnswerSchema,
  supplierErrorSchema,
  queryPayload,
  type PlaceOrderBody,
  type SupplierAnswer,
  type SupplierErrorBody,
} from "./supplier-protocol.ts";
export * from "./types.ts";
