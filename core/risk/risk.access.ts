import { forbidden, requires, type AccessRules, type CoreContext } from "../shared/index.ts";
import type { Risk } from "./risk.service.ts";

/** A decision is asked for by whoever is acting (a buyer placing, the platform) — never by a visitor. */
const identified = (ctx: CoreContext) => {
  if (ctx.actor.kind === "visitor") throw forbidden("forbidden", "a visitor may not be assessed");
};

/** Staff read cases with `risk.read`, decide held orders with `risk.review`, edit rules and lists with `risk.manage`. */
export const riskAccess: AccessRules<Risk> = {
  assess: identified,
  seedDefaults: requires("risk.manage"),
  rules: requires("risk.read"),
  setEnabled: requires("risk.manage"),
  setThreshold: requires("risk.manage"),
  putRule: requires("risk.manage"),
  listEntries: requires("risk.read"),
  addListEntry: requires("risk.manage"),
  removeListEntry: requires("risk.manage"),
  caseFor: requires("risk.read"),
  caseByReference: requires("risk.read"),
  closeCase: requires("risk.review"),
  hasOpenReview: identified,
  backtest: requires("risk.read"),
};
