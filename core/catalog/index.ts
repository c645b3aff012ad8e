export { createCatalog, checkTarget, type Catalog, type CatalogDeps, type ReadOptions } from "./catalog.service.ts";
export { parseMainlandMobile } from "./mobile-number.ts";
export {
  checkTargetPattern,
  MAX_PATTERN_LENGTH,
  MAX_TARGET_LENGTH,
  DEFAULT_ACCOUNT_PATTERN,
} from "./target-pattern.ts";
export { MAX_ORDER_QUANTITY } from "./catalog.schemas.ts";
export { CARRIERS } from "./catalog.types.ts";
export type {
  Carrier,
  Category,
  CategoryInput,
  DeliveryKind,
  MobileParseResult,
  PriceRule,
  Product,
  ProductInput,
  ProductPatch,
  QuoteResult,
  TargetKind,
  TargetResult,
} from "./catalog.types.ts";
