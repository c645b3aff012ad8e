import { newId, type CoreContext, type Currency } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import { lockReceivableSql } from "./distribution.sql.ts";

/**
 * Nets what a distributor owes (its receivable: commission clawed back beyond its wallet) against what its
 * wallet now holds: `wallet −n, receivable +n` and the platform takes its money back out of custody
 * (`custody +n, platform_cash −n`). Serialised per receivable by a transaction lock, so two runs never net
 * the same debt twice; returns what was netted.
 */
export async function netReceivable(
  deps: DistributionDeps,
  ctx: CoreContext,
  input: { userId: string; currency: Currency },
): Promise<bigint> {
  const { ledger } = deps;
  const receivable = deps.receivableCode(input.userId, input.currency);
  const wallet = ledger.walletCode(input.userId, input.currency);
  return deps.sql.transaction(async (tx) => {
    await tx.query(lockReceivableSql(receivable));
    const owed = -(await ledger.balance(ctx, receivable, { tx })).balance;
    if (owed <= 0n) return 0n;
    const { available } = await ledger.balance(ctx, wallet, { tx });
    const n = owed < available ? owed : available;
    if (n <= 0n) return 0n;
    const posted = await ledger.post(
      ctx,
      {
        idempotencyKey: `receivable-net:${newId()}`,
        kind: "receivable_netting",
        metadata: { userId: input.userId },
        legs: [
          { account: wallet, amount: -n },
          { account: receivable, amount: n },
          { account: ledger.systemCode("custody", input.currency), amount: n },
          { account: ledger.systemCode("platform_cash", input.currency), amount: -n },
        ],
      },
      { tx },
    );
    return posted.ok ? n : 0n;
  });
}
