import type { CoreContext } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import type { ChainQuote } from "./distribution.types.ts";

const PLAIN: ChainQuote = { ok: true, chain: null, referral: null };
/** How long "nothing applies to this buyer" is trusted in this process. */
const PLAIN_TTL_MS = 5_000;
const MAX_REMEMBERED = 50_000;

/**
 * Keeps the plain order's hot path free of the chain read (docs/distribution.md "Cost"): an order outside
 * a shop by a buyer who is not acting as a distributor has no chain, so only a referral could apply — none
 * when referral rewards are off (no read at all), and otherwise a buyer found with nothing that applies is
 * remembered for a few seconds. What that can miss is only in the harmless direction: a user made a
 * distributor or referred in those seconds pays retail / rewards nobody for them; never a wrong price.
 */
export function plainBuyers(deps: Pick<DistributionDeps, "referral" | "clock">) {
  const until = new Map<string, number>();
  return {
    async quote(
      ctx: CoreContext,
      input: { buyerUserId: string; shopId?: string | null },
      read: () => Promise<ChainQuote>,
    ): Promise<ChainQuote> {
      if (input.shopId) return read();
      const actor = ctx.actor.kind === "system" ? ctx.actor.onBehalfOf : ctx.actor;
      if (actor?.kind !== "distributor") {
        if (deps.referral.bps <= 0) return PLAIN;
        const known = until.get(input.buyerUserId);
        if (known !== undefined && known > deps.clock.now().getTime()) return PLAIN;
      }
      const q = await read();
      if (q.ok && !q.chain && !q.referral && actor?.kind !== "distributor") {
        if (until.size >= MAX_REMEMBERED) until.clear();
        until.set(input.buyerUserId, deps.clock.now().getTime() + PLAIN_TTL_MS);
      }
      return q;
    },
  };
}
