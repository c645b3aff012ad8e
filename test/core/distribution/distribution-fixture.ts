import { receivableCode, systemCode, walletCode } from "../../../core/ledger/index.ts";
import type { SetRuleInput } from "../../../core/distribution/index.ts";
import { createShop, ctx, type Shop, type ShopOptions } from "../../e2e/support/shop.ts";

/**
 * A test shop with the distribution helpers the distribution tests share: distributors at a tier, an L2
 * in an L1's team, shops with rules, shop orders, and the balances that settlement moves.
 */
export async function openDistribution(label: string, opts: ShopOptions = {}) {
  const shop: Shop = await createShop(label, { workers: false, ...opts });
  const d = shop.c.distribution;
  const accountBalance = async (code: string) => (await shop.c.ledger.balance(ctx, code)).balance;
  const fx = {
    shop,
    d,
    async distributor(tierId: string, parentId?: string) {
      const userId = await shop.user();
      if (parentId) {
        await d.recruit(ctx, { l1: parentId, userId });
        if (tierId !== "ordinary") await d.setTier(ctx, { userId, tierId });
      } else await d.add(ctx, { userId, tierId });
      return userId;
    },
    async shopOf(ownerId: string, rule?: Omit<SetRuleInput, "scope" | "ownerId">) {
      const s = await d.createShop(ctx, { ownerId, name: `Shop of ${ownerId.slice(0, 8)}` });
      if (rule) await d.setRule(ctx, { scope: "SHOP", ownerId: s.id, ...rule });
      return s;
    },
    /** A funded consumer's order in a shop, paid from the wallet (a CODE product: delivered at once). */
    async shopOrder(productId: string, shopId: string | null, buyer?: string, key = `k-${Math.random()}`) {
      const userId = buyer ?? (await shop.buyer(1_000_000n)).userId;
      const r = await shop.c.orders.place(
        { ...ctx, actor: { kind: "buyer", userId } },
        { userId, productId, quantity: 1, idempotencyKey: key, payWith: "wallet", shopId },
      );
      if (!r.ok) throw new Error(`order not placed: ${r.code}`);
      return { userId, order: r.order };
    },
    wallet: (userId: string) => shop.walletBalance(userId),
    receivable: (userId: string) => accountBalance(receivableCode(userId, "CNY")),
    revenue: () => accountBalance(systemCode("revenue", "CNY")),
    walletCode: (userId: string) => walletCode(userId, "CNY"),
    /** Money leaves a wallet (as a payout would): `wallet −x, custody +x`. */
    async spend(userId: string, amount: bigint) {
      const r = await shop.c.ledger.post(ctx, {
        idempotencyKey: `spend:${userId}:${Math.random()}`,
        kind: "test_payout",
        legs: [
          { account: walletCode(userId, "CNY"), amount: -amount },
          { account: systemCode("custody", "CNY"), amount },
        ],
      });
      if (!r.ok) throw new Error("spend failed");
    },
    async invariantsOk() {
      const inv = await shop.invariants();
      return inv.ledgerOk && inv.reconcileOk;
    },
    dispose: () => shop.dispose(),
  };
  return fx;
}

export type DistributionFixture = Awaited<ReturnType<typeof openDistribution>>;
