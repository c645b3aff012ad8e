import type {
  Clock,
  CoreContext,
  Currency,
  LedgerPostingInput,
  SqlExecutor,
  SqlRunner,
  SqlTx,
} from "../shared/index.ts";
import type { ReferralPolicy } from "./distribution.types.ts";

/** What core/distribution needs from the ledger (its port; the composition root passes the ledger). */
export interface DistributionLedgerPort {
  post(
    ctx: CoreContext,
    input: LedgerPostingInput,
    opts?: { tx?: SqlTx },
  ): Promise<{ ok: true; transactionId: string } | { ok: false; code: "insufficient_funds"; account: string }>;
  balance(ctx: CoreContext, code: string, opts?: { tx?: SqlExecutor }): Promise<{ balance: bigint; available: bigint }>;
  walletCode(userId: string, currency: Currency): string;
  systemCode(name: "custody" | "platform_cash", currency: Currency): string;
}

export interface DistributionDeps {
  sql: SqlRunner;
  clock: Clock;
  ledger: DistributionLedgerPort;
  /** The owner's receivable account code (core/ledger `receivableCode`). */
  receivableCode(userId: string, currency: Currency): string;
  /** Referral rewards: bps of the platform's margin for a period after attribution (0 bps: none). */
  referral: ReferralPolicy;
  /** The platform's maximum shop price over retail, in bps (null: no cap). */
  maxOverRetailBps: number | null;
  /** The tier a new distributor starts at (default the lowest rank). */
  defaultTierId?: string;
  /** Days of rolling volume a tier is judged on (default 30); a downgrade waits one more such period below. */
  volumeDays?: number;
}

export const DAY_MS = 86_400_000;
