import { requires, type AccessRules } from "../shared/index.ts";
import type { Catalog } from "./catalog.service.ts";

const write = requires("catalog.write");

/** The shop window is public; only operators (and the platform: seed, imports) change it. */
export const catalogAccess: AccessRules<Catalog> = {
  listCategories: "public",
  getCategory: "public",
  listProducts: "public",
  getProduct: "public",
  getProductBySku: "public",
  upsertCategory: write,
  upsertProduct: write,
  updateProduct: write,
  quote: "public",
  priceFor: "public",
  validateTarget: "public",
  // A SQL guard the orders insert composes (the catalog owns products' SQL): no call, no data.
  stillOnSale: "pure",
  checkTarget: "pure",
  parseMainlandMobile: "pure",
};
