import type { Currency, DbOrTx } from "../shared/index.ts";
import type { AccountBalance, CheckResult, Mismatch, ReconcileResult } from "./ledger.types.ts";

/**
 * Rebuilds every balance from its entries and every `held` from active holds; lists unbalanced
 * transactions. CACHED accounts: the cached balance must equal the rebuilt one. SUMMED accounts have
 * no cached balance (0 by CHECK): their rebuilt balances are reported, and one that must not be
 * negative (the order escrow) but is fails the check.
 */
export async function checkLedger(tx: DbOrTx): Promise<CheckResult> {
  const mismatched = await tx.$queryRaw<Mismatch[]>`SELECT a.code AS account, a.balance AS cached,
      COALESCE(e.total, 0)::bigint AS rebuilt
    FROM ledger_accounts a
    LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id
    WHERE a.balance_mode = 'CACHED' AND a.balance <> COALESCE(e.total, 0) ORDER BY a.code`;
  const summedRows = await tx.$queryRaw<(AccountBalance & { allowNegative: boolean })[]>`SELECT a.code AS account,
      a.allow_negative AS "allowNegative",
      (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)::bigint AS balance
    FROM ledger_accounts a WHERE a.balance_mode = 'SUMMED' ORDER BY a.code`;
  const summed = summedRows.map((r) => ({ account: r.account, balance: BigInt(r.balance) }));
  const negative = summedRows
    .filter((r) => !r.allowNegative && BigInt(r.balance) < 0n)
    .map((r) => ({ account: r.account, balance: BigInt(r.balance) }));
  const heldMismatched = await tx.$queryRaw<Mismatch[]>`SELECT a.code AS account, a.held AS cached,
      COALESCE(h.total, 0)::bigint AS rebuilt
    FROM ledger_accounts a
    LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_holds WHERE status = 'ACTIVE' GROUP BY account_id) h
      ON h.account_id = a.id
    WHERE a.held <> COALESCE(h.total, 0) ORDER BY a.code`;
  const unbalanced = await tx.$queryRaw<{ id: string }[]>`SELECT transaction_id::text AS id FROM ledger_entries
      GROUP BY transaction_id, currency HAVING SUM(amount) <> 0
    UNION
    SELECT t.id::text FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
      GROUP BY t.id HAVING COUNT(e.id) < 2`;
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
export async function reconcileCurrency(tx: DbOrTx, currency: Currency): Promise<ReconcileResult> {
  const [row] = await tx.$queryRaw<{ custody: bigint; customerFunds: bigint }[]>`SELECT
      COALESCE(SUM(b.balance) FILTER (WHERE b.kind = 'CUSTODY'), 0)::bigint AS custody,
      COALESCE(SUM(b.balance) FILTER (WHERE b.kind IN ('WALLET', 'ESCROW')), 0)::bigint AS "customerFunds"
    FROM (
      SELECT a.kind, CASE WHEN a.balance_mode = 'SUMMED'
          THEN (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)
          ELSE a.balance END AS balance
      FROM ledger_accounts a WHERE a.currency = ${currency} AND a.kind IN ('CUSTODY', 'WALLET', 'ESCROW')
    ) b`;
  const custody = BigInt(row?.custody ?? 0n);
  const customerFunds = BigInt(row?.customerFunds ?? 0n);
  return { ok: custody + customerFunds === 0n, custody, customerFunds };
}
