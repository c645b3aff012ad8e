import { authorize, requires, type AccessRules } from "../shared/index.ts";
import type { Inventory } from "./inventory.service.ts";

const fulfil = requires("orders.fulfil");

/**
 * Who may call what. Claims, sales and reveals are the order flows' (which check the buyer first and act
 * as the system); a code is revealed to nobody else — staff included. Shop windows count stock publicly.
 */
export const inventoryAccess: AccessRules<Inventory> = {
  importCodes: requires("codes.import"),
  claim: fulfil,
  knownShort: "public",
  claimedSql: "pure",
  release: fulfil,
  markSold: fulfil,
  burnSold: fulfil,
  voidBatch: requires("codes.import"),
  addSupplierCodes: fulfil,
  reveal: requires("codes.reveal"),
  maskedCodes: requires("orders.read"),
  stock: requires("stock.read"),
  availableCounts: "public",
  lowStock: requires("stock.read"),
  expireCodes: fulfil,
  subscribeRestock: (ctx, input) =>
    authorize(ctx, "restock.subscribe", {
      owner: input.userId,
      hide: { code: "user_not_found", message: "no such user" },
    }),
  unsubscribeRestock: (ctx, input) =>
    authorize(ctx, "restock.subscribe", {
      owner: input.userId,
      hide: { code: "user_not_found", message: "no such user" },
    }),
  dueRestockNotifications: fulfil,
};
