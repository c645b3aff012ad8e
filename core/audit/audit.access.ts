import { requires, type AccessRules } from "../shared/index.ts";
import type { Audit } from "./audit.service.ts";

/**
 * Anyone's call may leave a record — a refusal of a visitor included — and the record's actor is always the
 * caller's own, so nobody writes in another's name. Reading and verifying the trail is for owners and admins.
 */
export const auditAccess: AccessRules<Audit> = {
  record: "public",
  verify: requires("audit.read"),
  trail: requires("audit.read"),
};
