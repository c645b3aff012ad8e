import { sql, type SqlExecutor } from "../shared/index.ts";
import { parseAccountCode } from "./account-codes.ts";
import type { StatementLine } from "./ledger.types.ts";

/**
 * An account's newest entries, newest first, with each one's transaction (kind, memo, time) and the
 * balance right after it (a running sum over the account's entries, in the statement's snapshot).
 */
export async function accountStatement(db: SqlExecutor, code: string, limit: number): Promise<StatementLine[]> {
  parseAccountCode(code);
  const n = Math.min(Math.max(Math.trunc(limit), 1), 200);
  const rows = await db.query<{
    transaction_id: string;
    kind: string;
    memo: string | null;
    amount: bigint;
    balance_after: bigint;
    created_at: Date;
  }>(sql`
    SELECT x.transaction_id, x.kind, x.memo, x.amount, x.balance_after, x.created_at FROM (
      SELECT e.id, e.transaction_id::text AS transaction_id, t.kind, t.memo, e.amount, e.created_at,
             (sum(e.amount) OVER (ORDER BY e.id))::bigint AS balance_after
      FROM ledger_accounts a
      JOIN ledger_entries e ON e.account_id = a.id
      JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE a.code = ${code}::text) x
    ORDER BY x.id DESC LIMIT ${n}::int`);
  return rows.map((r) => ({
    transactionId: r.transaction_id,
    kind: r.kind,
    memo: r.memo,
    amount: BigInt(r.amount),
    balanceAfter: BigInt(r.balance_after),
    at: r.created_at,
  }));
}
