import { authorize, type AccessRules } from "../shared/index.ts";
import type { Custody } from "./custody.service.ts";

/** Statements and the reconciliation are finance's (`custody.manage`: finance, admin, owner) and the platform's. */
export const custodyAccess: AccessRules<Custody> = {
  importStatement: (ctx) => authorize(ctx, "custody.manage"),
  report: (ctx) => authorize(ctx, "custody.manage"),
  check: (ctx) => authorize(ctx, "custody.manage"),
};
