export { createLedger, type LedgerDeps } from "./ledger.service.ts";
export {
  walletCode,
  systemCode,
  supplierPayableCode,
  parseAccountCode,
  SYSTEM_ACCOUNT_NAMES,
} from "./account-codes.ts";
export type { ParsedAccountCode } from "./account-codes.ts";
export type * from "./ledger.types.ts";
