import { CURRENCIES, invalidData, type Currency } from "../shared/index.ts";
import type { AccountKind, BalanceMode, SystemAccountName } from "./ledger.types.ts";

// Lower-case only: the code is the account's identity, so one user must not get two spellings.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SYSTEM_KINDS: Record<SystemAccountName, AccountKind> = {
  order_escrow: "ESCROW",
  custody: "CUSTODY",
  platform_cash: "PLATFORM_CASH",
  revenue: "REVENUE",
};

/** Every system account name (one account per name and currency). */
export const SYSTEM_ACCOUNT_NAMES = Object.keys(SYSTEM_KINDS) as SystemAccountName[];

export interface ParsedAccountCode {
  code: string;
  kind: AccountKind;
  ownerId: string | null;
  currency: Currency;
  /**
   * Customer-fund accounts (wallets, order escrow) must never be negative. For a wallet (CACHED) the
   * posting guard and the database CHECK enforce it; for the escrow (SUMMED) see "Why the summed
   * order escrow…" below.
   */
  allowNegative: boolean;
  balanceMode: BalanceMode;
}

/** Wallets are per user and cached; every shared account is summed on read (see BalanceMode). */
export function balanceModeOf(kind: AccountKind): BalanceMode {
  return kind === "WALLET" ? "CACHED" : "SUMMED";
}

/*
 * Why the summed order escrow cannot go below zero although no row CHECK holds it:
 * the order flows are its only writers, and per order they post at most `+T` then at most one `−T`:
 * - `+T` is the payment (`order-pay:<orderId>`), posted in the transaction that moves the order
 *   CREATED → PAID under the order's row lock; the idempotency key makes a retry a replay.
 * - `−T` is either the settlement (`order-settle:<orderId>`, FULFILLING → DELIVERED) or the refund
 *   (the reversal of the payment transaction: `reverses_id` is unique, so at most once), each in the
 *   transaction that leaves a state only reachable after the payment committed; DELIVERED and REFUNDED
 *   are terminal and exclude each other (transitions under the order row lock).
 * So every order contributes T ≥ 0 while open and 0 once closed, and the escrow (their sum) is ≥ 0
 * at every commit. check() verifies it anyway and reports a negative escrow in `negative`.
 */

export function walletCode(userId: string, currency: Currency): string {
  return `wallet:${userId.toLowerCase()}:${currency}`;
}

export function systemCode(name: SystemAccountName, currency: Currency): string {
  return `system:${name}:${currency}`;
}

export function supplierPayableCode(supplierId: string, currency: Currency): string {
  return `supplier_payable:${supplierId.toLowerCase()}:${currency}`;
}

/** What a user owes the platform: commission clawed back beyond their wallet, netted against later commission. */
export function receivableCode(userId: string, currency: Currency): string {
  return `receivable:${userId.toLowerCase()}:${currency}`;
}

const isCurrency = (v: string | undefined): v is Currency => v !== undefined && Object.hasOwn(CURRENCIES, v);

/** Derives kind, owner, currency and sign rule from a chart-of-accounts code; throws invalidData otherwise. */
export function parseAccountCode(code: string): ParsedAccountCode {
  const parts = code.split(":");
  const [prefix, middle, currency] = parts;
  const bad = (why: string) => invalidData("invalid_account_code", `account code ${JSON.stringify(code)}: ${why}`);
  if (parts.length !== 3 || !middle) throw bad("expected <prefix>:<id or name>:<currency>");
  if (!isCurrency(currency)) throw bad("unknown currency");
  switch (prefix) {
    case "wallet":
      if (!UUID.test(middle)) throw bad("the user id must be a lower-case UUID");
      return { code, kind: "WALLET", ownerId: middle, currency, allowNegative: false, balanceMode: "CACHED" };
    case "supplier_payable":
      if (!UUID.test(middle)) throw bad("the supplier id must be a lower-case UUID");
      return {
        code,
        kind: "SUPPLIER_PAYABLE",
        ownerId: middle,
        currency,
        allowNegative: true,
        balanceMode: balanceModeOf("SUPPLIER_PAYABLE"),
      };
    case "receivable":
      if (!UUID.test(middle)) throw bad("the user id must be a lower-case UUID");
      return {
        code,
        kind: "RECEIVABLE",
        ownerId: middle,
        currency,
        allowNegative: true,
        balanceMode: balanceModeOf("RECEIVABLE"),
      };
    case "system": {
      const kind = Object.hasOwn(SYSTEM_KINDS, middle) ? SYSTEM_KINDS[middle as SystemAccountName] : undefined;
      if (!kind) throw bad(`unknown system account (one of ${Object.keys(SYSTEM_KINDS).join(", ")})`);
      return {
        code,
        kind,
        ownerId: null,
        currency,
        allowNegative: kind !== "ESCROW",
        balanceMode: balanceModeOf(kind),
      };
    }
    default:
      throw bad("unknown prefix (wallet, system, supplier_payable, receivable)");
  }
}
