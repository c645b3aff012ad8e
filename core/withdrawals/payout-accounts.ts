import { z } from "zod";
import { invalidData, type SecretBox } from "../shared/index.ts";
import type { PayoutAccountKind } from "./withdrawals.types.ts";

/** The keyed-hash purpose of payout account numbers (dedupe per user without decrypting). */
export const PAYOUT_ACCOUNT_HASH = "payout-account";

const BANK_CARD = /^\d{12,19}$/;
const ALIPAY_PHONE = /^1\d{10}$/;
const EMAIL = z.email();

/** Luhn check: most bank cards carry it (UnionPay debit cards do). */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** What is wrong with an account number as typed (a chat names it back), or null when it is fine. */
export type PayoutAccountProblem = "card_characters" | "card_length" | "card_checksum" | "alipay_format";

export function payoutAccountProblem(kind: PayoutAccountKind, account: string): PayoutAccountProblem | null {
  const raw = account.trim();
  if (kind === "bank_card") {
    const digits = raw.replace(/[\s-]/g, "");
    if (!/^\d+$/.test(digits)) return "card_characters";
    if (!BANK_CARD.test(digits)) return "card_length";
    return luhn(digits) ? null : "card_checksum";
  }
  return ALIPAY_PHONE.test(raw) || EMAIL.safeParse(raw).success ? null : "alipay_format";
}

/** The account number in its one stored spelling, or a refusal that says what is wrong. */
export function normalizeAccount(kind: PayoutAccountKind, account: string): string {
  const raw = account.trim();
  if (payoutAccountProblem(kind, raw) === null)
    return kind === "bank_card" ? raw.replace(/[\s-]/g, "") : ALIPAY_PHONE.test(raw) ? raw : raw.toLowerCase();
  if (kind === "bank_card")
    throw invalidData("invalid_payout_account", "a bank card number is 12–19 digits with a valid check digit");
  throw invalidData("invalid_payout_account", "an Alipay account is a mainland mobile number or an e-mail address");
}

/** What is shown: the last four digits of a card, a phone's first 3 and last 4, an e-mail's first 2 letters. */
export function maskAccount(kind: PayoutAccountKind, account: string): string {
  if (kind === "bank_card") return `**** **** **** ${account.slice(-4)}`;
  if (ALIPAY_PHONE.test(account)) return `${account.slice(0, 3)}****${account.slice(-4)}`;
  const [local = "", domain = ""] = account.split("@");
  return `${local.slice(0, 2)}***@${domain}`;
}

export function sealAccount(secrets: SecretBox, userId: string, kind: PayoutAccountKind, account: string) {
  return {
    accountEnc: secrets.encrypt(account),
    accountHash: secrets.keyedHash(`${userId}:${kind}:${account}`, PAYOUT_ACCOUNT_HASH),
    masked: maskAccount(kind, account),
  };
}
