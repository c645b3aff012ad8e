import { randomInt } from "node:crypto";
import { notFound, PG_UNIQUE_VIOLATION, sqlState, type CoreContext } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import { insertReferralCodeSql, referralCodeSql } from "./distribution.sql.ts";

// No 0/o, 1/l/i: a code read aloud or copied by hand survives.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

function generate(): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** The user's referral code (`/start ref_<code>`), made on first ask; the same code ever after. */
export async function referralCode(deps: DistributionDeps, _ctx: CoreContext, userId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [existing] = await deps.sql.query<{ code: string }>(referralCodeSql(userId));
    if (existing) return existing.code;
    try {
      const [made] = await deps.sql.query<{ code: string }>(
        insertReferralCodeSql(userId, generate(), deps.clock.now()),
      );
      if (made) return made.code;
      const [raced] = await deps.sql.query<{ code: string }>(referralCodeSql(userId));
      if (raced) return raced.code;
      throw notFound("user_not_found", "no such user", { userId });
    } catch (e) {
      // Another user holds this code (unique): draw again.
      if (sqlState(e) !== PG_UNIQUE_VIOLATION) throw e;
    }
  }
  throw new Error("could not draw a free referral code");
}
