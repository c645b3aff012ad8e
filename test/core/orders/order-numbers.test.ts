import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, migrate } from "../../../app/db/migrator.ts";
import { isOrderNumber, orderNumberCheck, parseOrderRef } from "../../../core/orders/index.ts";
import {
  buyerActor,
  newId,
  sql,
  systemContext,
  type CoreContext,
  type DomainError,
} from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const MIGRATION = "20261222000000_order_numbers";
const NUMBER_RE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const asBuyer = (userId: string): CoreContext => ({ ...systemContext("test"), actor: buyerActor(userId) });
const asStaff = (role: "support" | "viewer"): CoreContext => ({
  ...systemContext("test"),
  actor: { kind: "staff", userId: newId(), role },
});
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: DomainError) => ({ type: e.type, code: e.code, message: e.message }),
  );

/** An order row as an INSERT that names no number (as the order store's insert does). */
const insertOrder = (userId: string, i: number) => sql`
  INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price, total,
                      currency, status, expires_at)
  VALUES (${newId()}::uuid, ${userId}::uuid, ${`k${i}`}::text, 'h', 'http', ${newId()}::uuid, 1, 100, 100, 'CNY',
          'CREATED', now() + interval '15 minutes')
  RETURNING number`;

describe("order numbers assigned by the database", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("ordernumbers", { workers: false });
  });
  afterAll(() => shop?.dispose());

  it("1,000 concurrent inserts get 1,000 different, well-formed numbers that do not count up", async () => {
    const userId = await shop.user();
    const numbers = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const [row] = await shop.c.db.sql.query<{ number: string }>(insertOrder(userId, i));
        return row!.number;
      }),
    );
    expect(new Set(numbers).size).toBe(1000);
    for (const n of numbers) {
      expect(n).toMatch(NUMBER_RE);
      expect(isOrderNumber(n), n).toBe(true); // the database's check character is the one the core checks
    }
    const inOrder = await shop.c.db.sql.query<{ number: string }>(
      sql`SELECT number FROM orders WHERE user_id = ${userId}::uuid ORDER BY number`,
    );
    expect(inOrder).toHaveLength(1000);
    // In the order they were assigned (the sequence), neighbours are unrelated: about half go up.
    const bySeq = await shop.c.db.sql.query<{ number: string }>(
      sql`SELECT kameng_order_number(n) AS number FROM generate_series(1, 1000) AS n`,
    );
    const ups = bySeq.slice(1).filter((r, i) => r.number > bySeq[i]!.number).length;
    expect(ups).toBeGreaterThan(400);
    expect(ups).toBeLessThan(600);
  });

  it("is a permutation: 100,000 sequence values give 100,000 numbers; the last value works, beyond it fails", async () => {
    const [r] = await shop.c.db.sql.query<{ n: bigint }>(
      sql`SELECT count(DISTINCT kameng_order_number(n)) AS n FROM generate_series(1::bigint, 100000::bigint) AS n`,
    );
    expect(Number(r!.n)).toBe(100000);
    const [last] = await shop.c.db.sql.query<{ number: string }>(
      sql`SELECT kameng_order_number(34359738367::bigint) AS number`,
    );
    expect(isOrderNumber(last!.number)).toBe(true);
    await expect(shop.c.db.sql.query(sql`SELECT kameng_order_number(34359738368::bigint)`)).rejects.toThrow(
      /out of range/,
    );
  });

  it("is unique in the database: a second order with a taken number is refused", async () => {
    const userId = await shop.user();
    const [taken] = await shop.c.db.sql.query<{ number: string }>(insertOrder(userId, 5000));
    await expect(
      shop.c.db.sql.query(sql`UPDATE orders SET number = ${taken!.number}::text
        WHERE id = (SELECT id FROM orders WHERE number <> ${taken!.number}::text LIMIT 1)`),
    ).rejects.toThrow(/orders_number_key/);
  });

  describe("resolveRef: an order named by its number or id", () => {
    let owner: string;
    let other: string;
    let order: { id: string; number: string };
    beforeAll(async () => {
      owner = await shop.user();
      other = await shop.user();
      await shop.fund(owner, 10_000n);
      const product = await shop.codeProduct({ stock: 2 });
      const res = await shop.c.orders.place(asBuyer(owner), {
        userId: owner,
        productId: product.id,
        quantity: 1,
        idempotencyKey: "resolve-1",
        payWith: "wallet",
      });
      if (!res.ok) throw new Error(res.code);
      order = await shop.c.orders.get(asBuyer(owner), { orderId: res.order.id });
    });

    it("reads, lists and resolves orders with their number, as the buyer types it", async () => {
      expect(order.number).toMatch(NUMBER_RE);
      const [listed] = await shop.c.orders.listForUser(asBuyer(owner), { userId: owner });
      expect(listed).toMatchObject({ id: order.id, number: order.number });
      const compact = order.number.replace("-", "").toLowerCase();
      for (const ref of [
        order.number,
        `#${order.number}`,
        ` ${compact} `,
        `# ${compact.slice(0, 4)} ${compact.slice(4)}`,
      ])
        expect((await shop.c.orders.resolveRef(asBuyer(owner), { ref })).id, ref).toBe(order.id);
      expect((await shop.c.orders.resolveRef(asBuyer(owner), { ref: order.id.toUpperCase() })).number).toBe(
        order.number,
      );
      expect((await shop.c.orders.resolveRef(asStaff("support"), { ref: order.number })).id).toBe(order.id);
    });

    it("another buyer's number is not found, a wrong check character is mistyped, garbage is invalid", async () => {
      expect(await failure(shop.c.orders.resolveRef(asBuyer(other), { ref: order.number }))).toMatchObject({
        type: "not_found",
        code: "order_not_found",
      });
      const body = order.number.replace("-", "").slice(0, 7);
      const check = orderNumberCheck(body);
      const wrongCheck = `${order.number.slice(0, -1)}${check === "0" ? "1" : "0"}`;
      expect(parseOrderRef(wrongCheck).kind).toBe("mistyped");
      const mistyped = await failure(shop.c.orders.resolveRef(asBuyer(owner), { ref: wrongCheck }));
      expect(mistyped).toMatchObject({ type: "invalid_data", code: "order_number_mistyped" });
      expect(mistyped.message).toContain("mistyped");
      expect(await failure(shop.c.orders.resolveRef(asBuyer(owner), { ref: "hello" }))).toMatchObject({
        type: "invalid_data",
        code: "invalid_order_ref",
      });
      // A well-formed number no order has.
      let unused = "";
      for (let i = 0; !unused; i++) {
        const b = `ZZZZZZ${"0123456789"[i]}`;
        const candidate = `${b.slice(0, 4)}-${b.slice(4)}${orderNumberCheck(b)}`;
        const [hit] = await shop.c.db.sql.query(sql`SELECT 1 FROM orders WHERE number = ${candidate}::text`);
        if (!hit) unused = candidate;
      }
      expect(await failure(shop.c.orders.resolveRef(asStaff("support"), { ref: unused }))).toMatchObject({
        type: "not_found",
        code: "order_not_found",
      });
      expect(await failure(shop.c.orders.resolveRef(asStaff("viewer"), { ref: order.number }))).toMatchObject({
        type: "forbidden",
      });
    });
  });
});

describe(`migration ${MIGRATION}: existing orders get numbers`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("ordernumbersupgrade", { migrated: false });
  });
  afterAll(() => t?.drop());

  it("numbers every existing order, oldest first, and new orders continue the sequence", async () => {
    const all = await loadMigrations();
    const conn = await t.db.connect();
    try {
      await migrate(
        conn,
        all.filter((m) => m.name < MIGRATION),
      );
      const userId = newId();
      for (const [i, age] of ["3 days", "1 day", "2 days"].entries())
        await conn.query(
          `INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price,
             total, currency, status, expires_at, created_at)
           VALUES ($1, $2, $3, 'h', 'http', $4, 1, 100, 100, 'CNY', 'DELIVERED', now(), now() - $5::interval)`,
          [newId(), userId, `old-${i}`, newId(), age],
        );
      expect((await migrate(conn, all)).applied).toContain(MIGRATION);
      const rows = await conn.query<{ number: string; expected: string }>(
        `SELECT number, kameng_order_number(row_number() OVER (ORDER BY created_at)) AS expected
         FROM orders ORDER BY created_at`,
      );
      expect(rows.map((r) => r.number)).toEqual(rows.map((r) => r.expected));
      for (const r of rows) expect(isOrderNumber(r.number)).toBe(true);
      const [next] = await conn.query<{ number: string; expected: string }>(
        `INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price,
           total, currency, status, expires_at)
         VALUES ('${newId()}', '${newId()}', 'new', 'h', 'http', '${newId()}', 1, 100, 100, 'CNY', 'CREATED', now())
         RETURNING number, kameng_order_number(4) AS expected`,
      );
      expect(next!.number).toBe(next!.expected);
    } finally {
      await conn.close();
    }
  });
});

describe("order numbers on the embedded database (PGlite)", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("ordernumbers-embedded", { workers: false, embedded: true });
  });
  afterAll(() => shop?.dispose());

  it("assigns and resolves them the same way", async () => {
    const owner = await shop.user();
    await shop.fund(owner, 10_000n);
    const product = await shop.codeProduct({ stock: 1 });
    const res = await shop.c.orders.place(asBuyer(owner), {
      userId: owner,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "embedded-1",
      payWith: "wallet",
    });
    if (!res.ok) throw new Error(res.code);
    const [listed] = await shop.c.orders.listForUser(asBuyer(owner), { userId: owner });
    expect(isOrderNumber(listed!.number)).toBe(true);
    const typed = listed!.number.replace("-", " ").toLowerCase();
    expect((await shop.c.orders.resolveRef(asBuyer(owner), { ref: typed })).id).toBe(res.order.id);
  });
});
