import { authorize, requires, type AccessRules, type CoreContext } from "../shared/index.ts";
import { parseAccountCode } from "./account-codes.ts";
import type { Ledger } from "./ledger.types.ts";

const post = requires("ledger.post");

/** A wallet's owner (or staff with wallet.read); any other account: ledger.read. */
function readAccount(ctx: CoreContext, code: string): void {
  const account = parseAccountCode(code);
  if (account.kind === "WALLET")
    authorize(ctx, "wallet.read", {
      owner: account.ownerId ?? undefined,
      hide: { code: "account_not_found", message: "no such account" },
    });
  else authorize(ctx, "ledger.read");
}

/** Who may call what: postings come from flows and jobs on a checked request; a wallet is read by its owner or staff. */
export const ledgerAccess: AccessRules<Ledger> = {
  accountFor: post,
  post,
  reverse: post,
  hold: post,
  captureHold: post,
  releaseHold: post,
  expireHolds: post,
  balance: readAccount,
  entries: readAccount,
  check: requires("ledger.read"),
  reconcile: requires("ledger.read"),
  deferredFailure: "pure",
  walletCode: "pure",
  systemCode: "pure",
  supplierPayableCode: "pure",
};
