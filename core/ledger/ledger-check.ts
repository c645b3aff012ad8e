import type { Currency, SqlExecutor } from "../shared/index.ts";
import { cachedMismatchSql, custodySql, heldMismatchSql, summedBalancesSql, unbalancedSql } from "./ledger.sql.ts";
import type { AccountBalance, CheckResult, Mismatch, ReconcileResult } from "./ledger.types.ts";

/**
 * Rebuilds every balance from its entries and every `held` from active holds; lists unbalanced
 * transactions. CACHED accounts: the cached balance must equal the rebuilt one. SUMMED accounts have
 * no cached balance (0 by CHECK): their rebuilt balances are reported, and one that must not be
 * negative (the order escrow) but is fails the check.
 */
export async function checkLedger(tx: SqlExecutor): Promise<CheckResult> {
  const mismatched = await tx.query<Mismatch>(cachedMismatchSql);
  const summedRows = await tx.query<AccountBalance & { allowNegative: boolean }>(summedBalancesSql);
  const summed = summedRows.map((r) => ({ account: r.account, balance: BigInt(r.balance) }));
  const negative = summedRows
    .filter((r) => !r.allowNegative && BigInt(r.balance) < 0n)
    .map((r) => ({ account: r.account, balance: BigInt(r.balance) }));
  const heldMismatched = await tx.query<Mismatch>(heldMismatchSql);
  const unbalanced = await tx.query<{ id: string }>(unbalancedSql);
  const norm = (m: Mismatch): Mismatch => ({
    account: m.account,
    cached: BigInt(m.cached),
    rebuilt: BigInt(m.rebuilt),
  });
  return {
    ok: mismatched.length === 0 && heldMismatched.length === 0 && unbalanced.length === 0 && negative.length === 0,
    unbalanced: unbalanced.map((r) => r.id).sort(),
    mismatched: mismatched.map(norm),
    heldMismatched: heldMismatched.map(norm),
    summed,
    negative,
  };
}

/**
 * Customer funds (wallets + order escrow) must be matched by the custody asset: custody + funds = 0.
 * One statement, so cached wallets and summed escrow/custody are read in one snapshot.
 */
export async function reconcileCurrency(tx: SqlExecutor, currency: Currency): Promise<ReconcileResult> {
  const [row] = await tx.query<{ custody: bigint; customerFunds: bigint }>(custodySql(currency));
  const custody = BigInt(row?.custody ?? 0n);
  const customerFunds = BigInt(row?.customerFunds ?? 0n);
  return { ok: custody + customerFunds === 0n, custody, customerFunds };
}
