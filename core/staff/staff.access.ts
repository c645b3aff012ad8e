import { requires, type AccessRules } from "../shared/index.ts";
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
};
