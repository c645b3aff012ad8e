import { randomUUID } from "node:crypto";
import { systemCode, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import { systemContext, type Currency } from "../../../core/shared/index.ts";
import type { Database } from "../../../app/db/database.ts";
import { createPgliteDatabase, createTestDatabase } from "../../support/databases.ts";

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

/**
 * The databases the ledger suites run on: PostgreSQL (pipelined runner) and the embedded PGlite — the
 * same ledger over the same SqlRunner port.
 */
export function ledgerDatabases(label: string) {
  return [
    {
      engine: "PostgreSQL",
      async open(): Promise<{ db: Database; close(): Promise<void> }> {
        const t = await createTestDatabase(label);
        return { db: t.db, close: () => t.drop() };
      },
    },
    {
      engine: "embedded PGlite",
      async open(): Promise<{ db: Database; close(): Promise<void> }> {
        const db = await createPgliteDatabase();
        return { db, close: () => db.close() };
      },
    },
  ];
}
