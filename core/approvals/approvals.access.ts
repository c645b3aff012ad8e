import { forbidden, type AccessRules, type CoreContext } from "../shared/index.ts";
import type { Approvals } from "./approvals.service.ts";

/** Reading the queue and sweeping it: staff (any role) and the platform. */
const staffOrSystem = (ctx: CoreContext) => {
  if (ctx.actor.kind !== "staff" && ctx.actor.kind !== "system")
    throw forbidden("forbidden", `${ctx.actor.kind} may not see approval requests`);
};

/**
 * Each decision needs the permission of the action it is about, known only once the request is read, so
 * submit/approve/reject authorize inside (and audit their refusals before throwing them).
 */
export const approvalsAccess: AccessRules<Approvals> = {
  submit: { inside: "the action's permission, checked (and a refusal audited) once the action is known" },
  approve: { inside: "a staff member other than the asker with the action's permission; refusals audited" },
  reject: { inside: "a staff member with the action's permission; refusals audited" },
  withdraw: { inside: "the asker only (the platform for a request it made on a user's behalf); refusals audited" },
  get: staffOrSystem,
  pending: staffOrSystem,
  expireDue: staffOrSystem,
  actionNames: "pure",
};
