/**
 * A balanced posting as a core module hands it to the ledger through its own ledger port (core/ledger's
 * `post` input, which modules other than the ledger do not import: docs/data-access.md).
 */
export interface LedgerPostingInput {
  idempotencyKey: string;
  kind: string;
  memo?: string;
  metadata?: Record<string, unknown>;
  legs: Array<{ account: string; amount: bigint }>;
}
