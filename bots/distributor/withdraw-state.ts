import type { PayoutAccountKind } from "../../core/withdrawals/index.ts";

/** What the withdrawal screens wait for as typed text (a payout account number is never kept here). */
export type WithdrawInputStep =
  | { at: "holder"; kind: PayoutAccountKind }
  | { at: "account"; kind: PayoutAccountKind; holderName: string }
  | { at: "amount"; accountId: string }
  /** A confirmation is showing: text gets "use the buttons". */
  | { at: "confirm" };

/** Kept in the shop conversation's state between turns. */
export interface WithdrawMemory {
  /** The confirmation on screen; its nonce is the request's idempotency key. */
  pending?: { nonce: string; accountId: string; amount: string; at: string };
  /** Recently confirmed nonces → their withdrawal, to answer double taps. */
  done?: { nonce: string; withdrawalId: string }[];
}
