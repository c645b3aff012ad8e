import { withAccess } from "../shared/index.ts";
import { staffAccess } from "./staff.access.ts";
import { createStaff as createUncheckedStaff, type Staff, type StaffDeps } from "./staff.service.ts";

export * from "./staff.types.ts";
export {
  isStaffRole,
  type Staff,
  type StaffActor,
  type StaffAuditPort,
  type StaffDeps,
  type StaffUsersPort,
} from "./staff.service.ts";
export { STAFF_ROW } from "./staff.sql.ts";
/** Staff accounts, every call checked against its actor (staff.access.ts). */
export const createStaff = (deps: StaffDeps): Staff => withAccess("staff", createUncheckedStaff(deps), staffAccess);
