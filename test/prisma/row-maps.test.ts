import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_ROW } from "../../core/approvals/index.ts";
import { AUDIT_ROW } from "../../core/audit/index.ts";
import { PAYOUT_ACCOUNT_ROW, WITHDRAWAL_ROW } from "../../core/withdrawals/index.ts";
import { DELIVERY_ROW, ENDPOINT_ROW } from "../../core/webhooks/index.ts";
import { CATEGORY_ROW, PRODUCT_ROW } from "../../core/catalog/catalog.sql.ts";
import { IDENTITY_ROW, USER_ROW } from "../../core/identity/identity.sql.ts";
import { ACCOUNT_ROW } from "../../core/ledger/ledger.sql.ts";
import { LINE_ROW } from "../../core/custody/index.ts";
import { KYC_ROW } from "../../core/kyc/index.ts";
import { ORDER_EVENT_ROW, ORDER_ROW } from "../../core/orders/order-store.ts";
import { NUMBERED_ORDER_ROW } from "../../core/orders/order-reads.ts";
import { PAYMENT_ROW } from "../../core/payments/payments.sql.ts";
import { CASE_ROW, LIST_ROW, RULE_ROW } from "../../core/risk/index.ts";
import type { RowMap } from "../../core/shared/index.ts";
import { STAFF_ROW } from "../../core/staff/index.ts";
import { PENDING_REQUEST_ROW, SUPPLIER_REQUEST_ROW, SUPPLIER_ROW } from "../../core/suppliers/suppliers.sql.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * Row types are read by hand-written SQL, so each one has a column map (`rowMap<T>`: the compiler ties
 * it to every field of T) and this test ties the map to its table: every column of the table is either
 * read into the type or listed as deliberately unread, and the map names no column the table lacks.
 * A migration that adds a column fails here until the row type (or the unread list) says what it is.
 */
const MAPS: Array<RowMap<never>> = [
  ORDER_ROW,
  NUMBERED_ORDER_ROW,
  ORDER_EVENT_ROW,
  PRODUCT_ROW,
  CATEGORY_ROW,
  PAYMENT_ROW,
  ACCOUNT_ROW,
  USER_ROW,
  IDENTITY_ROW,
  SUPPLIER_ROW,
  SUPPLIER_REQUEST_ROW,
  PENDING_REQUEST_ROW,
  STAFF_ROW,
  AUDIT_ROW,
  APPROVAL_ROW,
  KYC_ROW,
  LINE_ROW,
  PAYOUT_ACCOUNT_ROW,
  WITHDRAWAL_ROW,
  ENDPOINT_ROW,
  DELIVERY_ROW,
  RULE_ROW,
  LIST_ROW,
  CASE_ROW,
] as Array<RowMap<never>>;

type Query = Pick<pg.ClientBase, "query">;

/** What differs between a map and its table in the database `db` is connected to. */
async function drift(db: Query, map: RowMap<never>) {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [map.table],
  );
  const table = new Set(rows.map((r) => r.column_name));
  const known = new Set([...Object.values(map.columns).map((c) => (c as { column: string }).column), ...map.unread]);
  return {
    table: map.table,
    /** In the table, neither read into the row type nor listed as unread. */
    unmapped: [...table].filter((c) => !known.has(c)).sort(),
    /** Named by the map, absent from the table. */
    missing: [...known].filter((c) => !table.has(c)).sort(),
  };
}

describe("row maps in step with the schema", () => {
  let t: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    t = await createTestDatabase("rowmaps", { poolSize: 1 });
    client = new pg.Client({ connectionString: t.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await t?.drop();
  });

  it("every mapped table's columns are the map's (read or listed unread), no more and no fewer", async () => {
    for (const map of MAPS) expect(await drift(client, map)).toEqual({ table: map.table, unmapped: [], missing: [] });
  });

  it("a column added to a table but not to its row type fails the check", async () => {
    await client.query("BEGIN");
    try {
      await client.query("ALTER TABLE orders ADD COLUMN coupon_code text");
      await client.query("ALTER TABLE payments DROP COLUMN refund_transaction_id");
      expect(await drift(client, ORDER_ROW as RowMap<never>)).toEqual({
        table: "orders",
        unmapped: ["coupon_code"],
        missing: [],
      });
      expect(await drift(client, PAYMENT_ROW as RowMap<never>)).toEqual({
        table: "payments",
        unmapped: [],
        missing: ["refund_transaction_id"],
      });
    } finally {
      await client.query("ROLLBACK");
    }
    expect(await drift(client, ORDER_ROW as RowMap<never>)).toMatchObject({ unmapped: [], missing: [] });
  });
});
