export { createApiKeys, API_KEY_PATTERN, type ApiKeys, type ApiCaller } from "./api-keys.ts";
export { apiV1Routes, orderJson, type ApiV1Deps } from "./v1.routes.ts";
export { placeOrderFailureAnswer } from "./place-order-failures.ts";
export { supplierCallbackRoutes, type SupplierCallbackDeps } from "./supplier-callback.routes.ts";
export { openApiDocument } from "./openapi.ts";
export * from "./api-schemas.ts";
export { apiDocsRoutes } from "./docs.routes.ts";
export { API_ERRORS, type ApiErrorCode } from "./error-codes.ts";
