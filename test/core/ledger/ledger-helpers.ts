import { randomUUID } from "node:crypto";
import { systemCode, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import { systemContext, type Currency } from "../../../core/shared/index.ts";

export const ctx = systemContext("test-ledger");
export const CUR: Currency = "CNY";
export const custody = systemCode("custody", CUR);
export const escrow = systemCode("order_escrow", CUR);
export const revenue = systemCode("revenue", CUR);

export function newWallet(): string {
  return walletCode(randomUUID(), CUR);
}

/** Credits a wallet from custody, as a paid top-up does. */
export async function topUp(ledger: Ledger, wallet: string, amount: bigint, key = `topup:${randomUUID()}`) {
  const r = await ledger.post(ctx, {
    idempotencyKey: key,
    kind: "topup",
    legs: [
      { account: custody, amount: -amount },
      { account: wallet, amount },
    ],
  });
  if (!r.ok) throw new Error("top-up failed");
  return r;
}
