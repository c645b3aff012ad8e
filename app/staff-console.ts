import { createAudit, type Audit } from "../core/audit/index.ts";
import { createIdentity } from "../core/identity/index.ts";
import { createStaff, type Staff } from "../core/staff/index.ts";
import type { Container } from "./container.ts";

/** The operators' console's core modules, wired from the container (the CLI and the staff bot share them). */
export interface StaffConsole {
  staff: Staff;
  audit: Audit;
}

export function createStaffConsole(c: Pick<Container, "db" | "clock" | "secrets">): StaffConsole {
  const audit = createAudit({ sql: c.db.sql, clock: c.clock });
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const staff = createStaff({ sql: c.db.sql, clock: c.clock, users: identity, audit });
  return { staff, audit };
}
