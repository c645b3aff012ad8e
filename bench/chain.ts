import type { Container } from "../app/container.ts";
import { newId, sql, systemContext } from "../core/shared/index.ts";
import { userId } from "./seed/ids.ts";

/**
 * Chain buyers for the bench (issue 12 §9): seeded users n ∈ `buyers` become L2 distributors in the teams of
 * three gold L1s (a 2% team markup), all referred by one user — so each of their `/v1` orders goes through a
 * two-level price chain and funds a referral reward in its one settlement posting.
 */
export async function setupChainBuyers(c: Container, buyers: number[]): Promise<void> {
  const ctx = systemContext("bench", { channel: "cli" });
  const l1s: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = newId();
    await c.db.prisma.user.create({ data: { id, displayName: `bench L1 ${i + 1}` } });
    await c.distribution.add(ctx, { userId: id, tierId: "gold" });
    await c.distribution.setRule(ctx, { scope: "TEAM", ownerId: id, target: "all", mode: "MARKUP_PCT", value: 200n });
    l1s.push(id);
  }
  const referrer = newId();
  await c.db.prisma.user.create({ data: { id: referrer, displayName: "bench referrer" } });
  const ids = buyers.map((n) => userId(n));
  for (const [i, id] of ids.entries()) await c.distribution.recruit(ctx, { l1: l1s[i % l1s.length]!, userId: id });
  await c.db.sql
    .execute(sql`UPDATE users SET referred_by = ${referrer}::uuid, referred_at = now(), start_payload = 'ref_bench'
    WHERE id = ANY(${ids}::uuid[])`);
}
