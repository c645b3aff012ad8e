export {
  createSuppliers,
  requestKey,
  type Suppliers,
  type SuppliersDeps,
  type SupplierConnection,
} from "./suppliers.service.ts";
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
