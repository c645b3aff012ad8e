import { requires, type AccessRules } from "../shared/index.ts";
import type { Suppliers } from "./suppliers.service.ts";

const manage = requires("suppliers.manage");
const call = requires("suppliers.call");

/**
 * Operators configure suppliers; only the platform (fulfilment) buys from them. A callback is verified by
 * its signature, so anyone may present one.
 */
export const suppliersAccess: AccessRules<Suppliers> = {
  callbackUrlFor: "pure",
  upsertSupplier: manage,
  getSupplier: manage,
  listSuppliers: manage,
  linkProduct: manage,
  health: manage,
  productLinks: manage,
  candidates: call,
  requestKey: "pure",
  place: call,
  openRequest: call,
  send: call,
  recordSuccess: call,
  recordOutcome: call,
  query: call,
  verifyCallback: "public",
  pendingRequests: call,
};
