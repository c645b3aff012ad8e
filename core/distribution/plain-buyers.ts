import type { CoreContext } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import type { ChainQuote } from "./distribution.types.ts";

const PLAIN: ChainQuote = { ok: true, chain: null, referral: null };
/**
 * How long an answer outside a shop is trusted in this process: "nothing applies to this buyer", and a
 * distributor's own price for a product at a given retail price (the product routing cache is as stale).
 */
const REMEMBER_MS = 5_000;
const MAX_REMEMBERED = 50_000;

/**
 * Keeps the plain order's hot path free of the chain read (docs/distribution.md "Cost"): an order outside
 * a shop by a buyer who is not acting as a distributor has no chain, so only a referral could apply — none
 * when referral rewards are off (no read at all), and otherwise a buyer found with nothing that applies is
 * remembered for a few seconds. A distributor buying for itself (`/v1`) has its quote for (product, retail)
 * remembered as long. What that can miss in those seconds: a user made a distributor or referred pays
 * retail / rewards nobody; a tier or tier-price change applies a few seconds late. A retail change applies
 * at once (the retail price is part of the key), so a chain never prices from a retail it was not given.
 */
export function plainBuyers(deps: Pick<DistributionDeps, "referral" | "clock">) {
  const plainUntil = new Map<string, number>();
  const ownQuotes = new Map<string, { until: number; quote: ChainQuote }>();
  const remember = <V>(m: Map<string, V>, key: string, value: V) => {
    if (m.size >= MAX_REMEMBERED) m.clear();
    m.set(key, value);
  };
  return {
    async quote(
      ctx: CoreContext,
      input: { buyerUserId: string; productId: string; retail: bigint; shopId?: string | null },
      read: () => Promise<ChainQuote>,
    ): Promise<ChainQuote> {
      if (input.shopId) return read();
      const now = deps.clock.now().getTime();
      const actor = ctx.actor.kind === "system" ? ctx.actor.onBehalfOf : ctx.actor;
      if (actor?.kind === "distributor") {
        const key = `${input.buyerUserId}:${input.productId}:${input.retail}`;
        const known = ownQuotes.get(key);
        if (known && known.until > now) return known.quote;
        const q = await read();
        if (q.ok) remember(ownQuotes, key, { until: now + REMEMBER_MS, quote: q });
        return q;
      }
      if (deps.referral.bps <= 0) return PLAIN;
      const known = plainUntil.get(input.buyerUserId);
      if (known !== undefined && known > now) return PLAIN;
      const q = await read();
      if (q.ok && !q.chain && !q.referral) remember(plainUntil, input.buyerUserId, now + REMEMBER_MS);
      return q;
    },
  };
}
