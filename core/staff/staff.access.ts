import { authorize, contextUserId, requires, type AccessRules } from "../shared/index.ts";
import type { Staff } from "./staff.service.ts";

const manage = requires("staff.manage");

/**
 * Staff accounts are the owners' business (and the platform's: the CLI makes the first owner).
 * `actorFor` is how an edge recognises an operator, so anyone may ask it, as `identity.resolve`.
 */
export const staffAccess: AccessRules<Staff> = {
  add: manage,
  list: manage,
  get: manage,
  setRole: manage,
  remove: manage,
  actorFor: "public",
  recognise: "public",
  // A member sets their own language; an owner anyone's.
  setLocale: (ctx, input) => {
    if (ctx.actor.kind === "staff" && contextUserId(ctx) === input.userId) return;
    authorize(ctx, "staff.manage");
  },
};
