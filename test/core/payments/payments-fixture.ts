import { createLedger, type Ledger } from "../../../core/ledger/index.ts";
import { createPayments, type Payments, type PaymentsDeps } from "../../../core/payments/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

export const SANDBOX_SECRET = "whsec_test_secret_0123456789";

/** The payments module over a ledger on its own test database, with the sandbox provider configured. */
export async function openPayments(
  label: string,
  extra: Partial<PaymentsDeps> = {},
): Promise<{ tdb: TestDatabase; ledger: Ledger; payments: Payments; clock: ManualClock }> {
  const clock = new ManualClock(new Date("2026-03-01T00:00:00Z"));
  const tdb = await createTestDatabase(label);
  const ledger = createLedger({ sql: tdb.db.sql, clock });
  const payments = createPayments({
    sql: tdb.db.sql,
    clock,
    ledger,
    sandbox: { secret: SANDBOX_SECRET, publicUrl: "https://shop.example.com/" },
    ...extra,
  });
  return { tdb, ledger, payments, clock };
}
