import { forbidden, requires, type AccessRules, type CoreContext } from "../shared/index.ts";
import type { Alerts } from "./alerts.types.ts";

/** Raising and clearing alerts is the platform's (its checks and consumers); no person raises one by hand. */
const platformOnly = (ctx: CoreContext) => {
  if (ctx.actor.kind !== "system") throw forbidden("forbidden", `${ctx.actor.kind} may not raise or clear alerts`);
};

export const alertsAccess: AccessRules<Alerts> = {
  raise: platformOnly,
  resolve: platformOnly,
  sweep: platformOnly,
  notify: platformOnly,
  open: requires("reports.read"),
};
