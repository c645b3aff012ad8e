import { withAccess } from "../shared/index.ts";
import { ledgerAccess } from "./ledger.access.ts";
import { createLedger as createUncheckedLedger, type LedgerDeps } from "./ledger.service.ts";
import type { Ledger } from "./ledger.types.ts";

export type { LedgerDeps };
/** The ledger, every call checked against its actor (ledger.access.ts). */
export const createLedger = (deps: LedgerDeps): Ledger =>
  withAccess("ledger", createUncheckedLedger(deps), ledgerAccess);
export {
  walletCode,
  systemCode,
  supplierPayableCode,
  receivableCode,
  parseAccountCode,
  SYSTEM_ACCOUNT_NAMES,
} from "./account-codes.ts";
export type { ParsedAccountCode } from "./account-codes.ts";
export type * from "./ledger.types.ts";
