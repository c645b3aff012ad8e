import { createAudit } from "../../../core/audit/index.ts";
import { createKyc, createSandboxKycProvider, residentIdCheckChar, type Kyc } from "../../../core/kyc/index.ts";
import { ManualClock, newId, SecretBox, type CoreContext, type StaffRole } from "../../../core/shared/index.ts";
import { systemContext } from "../../../core/shared/index.ts";
import type { SqlRunner } from "../../../core/shared/index.ts";

/** A valid resident ID number: region, birth date and sequence, with its GB 11643 check character. */
export const residentId = (region: string, birth: string, seq = "123") =>
  `${region}${birth}${seq}${residentIdCheckChar(`${region}${birth}${seq}`)}`;

export const KEY = Buffer.alloc(32, 7);
export const HASH_KEY = Buffer.alloc(32, 9);

export interface KycFixture {
  kyc: Kyc;
  clock: ManualClock;
  secrets: SecretBox;
  buyer(userId?: string): CoreContext;
  staff(role: StaffRole, userId?: string): CoreContext;
  sys: CoreContext;
}

/** KYC on a test database: the sandbox provider, a fixed clock (2026-12-01), the real audit trail. */
export function openKyc(t: { db: { sql: SqlRunner } }): KycFixture {
  const clock = new ManualClock(new Date("2026-12-01T04:00:00Z"));
  const secrets = new SecretBox(KEY);
  const sys = systemContext("test", { channel: "cli" });
  const kyc = createKyc({
    sql: t.db.sql,
    clock,
    secrets,
    idHasher: new SecretBox(HASH_KEY),
    provider: createSandboxKycProvider(),
    audit: createAudit({ sql: t.db.sql, clock }),
  });
  return {
    kyc,
    clock,
    secrets,
    sys,
    buyer: (userId = newId()) => ({
      ...sys,
      channel: "telegram",
      requestId: `b-${userId}`,
      actor: { kind: "buyer", userId },
    }),
    staff: (role, userId = newId()) => ({
      ...sys,
      channel: "slack",
      requestId: `s-${userId}`,
      actor: { kind: "staff", userId, role },
    }),
  };
}
