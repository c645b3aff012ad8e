import { withAccess } from "../shared/index.ts";
import { catalogAccess } from "./catalog.access.ts";
import { createCatalog as createUncheckedCatalog, type Catalog, type CatalogDeps } from "./catalog.service.ts";

export { checkTarget, type Catalog, type CatalogDeps, type ReadOptions } from "./catalog.service.ts";
/** The catalog, every call checked against its actor (catalog.access.ts). */
export const createCatalog = (deps: CatalogDeps): Catalog =>
  withAccess("catalog", createUncheckedCatalog(deps), catalogAccess);
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
