import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole } from "../../../app/staff-console.ts";
import type { RiskSubject } from "../../../core/risk/index.ts";
import { asBuyer, sql, type CoreContext } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { staffContexts } from "../staff/staff-contexts.ts";

/*
 * Every signal and aggregation issue 14 lists is available to rules (docs/risk.md "Signals"): each is
 * used by a rule of its own, which fires on an event that matches and stays quiet on one that does not,
 * and records the value it saw. The shipped rules are disabled here so only the rule under test decides.
 */
describe("risk signals, each through a rule that uses it", () => {
  let shop: Shop;
  let ada: CoreContext;
  let productId: string;
  let categoryId: string;
  const DAY = 86_400_000;

  beforeAll(async () => {
    shop = await createShop("risksignals", { env: { RISK_ENABLED: "true" } });
    ada = (await staffContexts(createStaffConsole(shop.c), { ada: "admin" })).ada!;
    for (const r of await shop.c.risk.rules(ada)) await shop.c.risk.setEnabled(ada, { name: r.name, enabled: false });
    const p = await shop.codeProduct({ price: 1_000n, stock: 20 });
    productId = p.id;
    categoryId = p.categoryId;
  });
  afterAll(() => shop.dispose());

  const subject = (userId: string, over: Partial<RiskSubject> = {}): RiskSubject => ({
    subject: "order",
    eventId: randomUUID(),
    userId,
    channel: "telegram",
    amount: 1_000n,
    currency: "CNY",
    quantity: 1,
    productId,
    categoryId,
    target: "13800138000",
    ip: "203.0.113.7",
    device: "browser-1",
    ...over,
  });

  let ruleSeq = 0;
  /** Puts a review rule with `condition`, runs `fn` with its name, then disables it. */
  async function withRule(condition: unknown, fn: (name: string) => Promise<void>) {
    const name = `sig-${++ruleSeq}`;
    await shop.c.risk.putRule(ada, { name, action: "review", subject: "order", condition });
    try {
      await fn(name);
    } finally {
      await shop.c.risk.setEnabled(ada, { name, enabled: false });
    }
  }
  /** The named rule's firing on this event (with the values it saw), or undefined. */
  const fired = async (name: string, s: RiskSubject) => {
    const d = await shop.c.risk.assess(asBuyer(ctx, s.userId), s);
    return d.fired.find((f) => f.name === name);
  };

  it("the order's own signals: channel, product, category, amount, quantity, target, IP, device", async () => {
    const u = await shop.user();
    const cases: Array<[unknown, Partial<RiskSubject>, Partial<RiskSubject>, string, unknown]> = [
      [{ signal: "channel", op: "eq", value: "wechat" }, { channel: "wechat" }, {}, "channel", "wechat"],
      [{ signal: "product.id", op: "eq", value: productId }, {}, { productId: randomUUID() }, "product.id", productId],
      [
        { signal: "category.id", op: "in", value: [categoryId] },
        {},
        { categoryId: randomUUID() },
        "category.id",
        categoryId,
      ],
      [{ signal: "amount", op: "gte", value: 5_000 }, { amount: 5_000n }, { amount: 4_999n }, "amount", 5_000],
      [{ signal: "quantity", op: "gt", value: 3 }, { quantity: 4 }, { quantity: 3 }, "quantity", 4],
      [{ signal: "target", op: "eq", value: "13900000000" }, { target: "13900000000" }, {}, "target", "13900000000"],
      [{ signal: "ip", op: "eq", value: "198.51.100.1" }, { ip: "198.51.100.1" }, {}, "ip", "198.51.100.1"],
      [{ signal: "device", op: "neq", value: "browser-1" }, { device: "browser-2" }, {}, "device", "browser-2"],
    ];
    for (const [condition, hit, miss, key, value] of cases)
      await withRule(condition, async (name) => {
        expect((await fired(name, subject(u, hit)))?.seen[key], key).toEqual(value);
        expect(await fired(name, subject(u, miss)), key).toBeUndefined();
      });
  });

  it("the buyer's account: age in days and minutes, KYC status, distributor tier and its rank", async () => {
    const young = await shop.user();
    const old = await shop.user();
    await shop.c.db.sql.execute(
      sql`UPDATE users SET created_at = now() - ${`${3 * DAY} milliseconds`}::interval WHERE id = ${old}::uuid`,
    );
    await withRule({ signal: "buyer.age_days", op: "lt", value: 1 }, async (name) => {
      expect((await fired(name, subject(young)))?.seen["buyer.age_days"]).toBe(0);
      expect(await fired(name, subject(old))).toBeUndefined();
    });
    await withRule({ signal: "buyer.age_minutes", op: "lt", value: 30 }, async (name) => {
      expect(await fired(name, subject(young))).toBeDefined();
      expect(await fired(name, subject(old))).toBeUndefined();
    });
    await withRule({ signal: "buyer.kyc", op: "eq", value: "unverified" }, async (name) => {
      expect((await fired(name, subject(young)))?.seen["buyer.kyc"]).toBe("unverified");
    });
    await shop.c.db.sql.execute(sql`INSERT INTO distributors (user_id, tier_id) VALUES (${old}::uuid, 'gold')`);
    await withRule({ signal: "buyer.tier", op: "in", value: ["gold", "core"] }, async (name) => {
      expect((await fired(name, subject(old)))?.seen["buyer.tier"]).toBe("gold");
      expect(await fired(name, subject(young))).toBeUndefined();
    });
    await withRule({ signal: "buyer.tier", op: "eq", value: "none" }, async (name) => {
      expect(await fired(name, subject(young))).toBeDefined();
    });
    await withRule({ signal: "buyer.tier_rank", op: "gte", value: 3 }, async (name) => {
      expect((await fired(name, subject(old)))?.seen["buyer.tier_rank"]).toBe(3);
      expect((await fired(name, subject(young)))?.seen).toBeUndefined();
    });
  });

  it("the buyer's history: first order after account creation, delivered order count, lifetime spend", async () => {
    const { userId } = await shop.buyer(100_000n);
    const firstOrderSoon = {
      all: [
        { signal: "buyer.first_order", op: "eq", value: true },
        { signal: "buyer.age_minutes", op: "lt", value: 60 },
      ],
    };
    await withRule(firstOrderSoon, async (name) => {
      expect((await fired(name, subject(userId)))?.seen).toMatchObject({ "buyer.first_order": true });
    });
    await withRule({ signal: "buyer.order_count", op: "gte", value: 2 }, async (count) => {
      await withRule({ signal: "buyer.lifetime_spend", op: "gte", value: 2_000 }, async (spend) => {
        expect(await fired(count, subject(userId))).toBeUndefined();
        expect(await fired(spend, subject(userId))).toBeUndefined();
        const ids = [];
        for (let i = 0; i < 2; i++) {
          const r = await shop.c.orders.place(asBuyer(ctx, userId), {
            userId,
            productId,
            quantity: 1,
            idempotencyKey: `sig-history-${i}`,
            payWith: "wallet",
          });
          if (!r.ok) throw new Error(r.code);
          ids.push(r.order.id);
        }
        await shop.waitForStatus(ids, ["DELIVERED"]);
        expect((await fired(count, subject(userId)))?.seen["buyer.order_count"]).toBe(2);
        expect((await fired(spend, subject(userId)))?.seen["buyer.lifetime_spend"]).toBe(2_000);
      });
    });
    await withRule(firstOrderSoon, async (name) => {
      expect(await fired(name, subject(userId))).toBeUndefined();
    });
  });

  it("windowed orders and amounts per buyer, target, IP and device: the event that passes the threshold fires", async () => {
    for (const per of ["buyer", "target", "ip", "device"] as const) {
      const u = await shop.user();
      const own = {
        target: `1370000${per.length}${randomUUID().slice(0, 4)}`,
        ip: `192.0.2.${per.length}`,
        device: randomUUID(),
      };
      await withRule({ agg: { measure: "count", per, windowMinutes: 10 }, op: "gt", value: 2 }, async (name) => {
        // Different buyers share the target, IP and device; the buyer's series is the buyer's own.
        const who = () => (per === "buyer" ? u : randomUUID());
        expect(await fired(name, subject(who(), own))).toBeUndefined();
        expect(await fired(name, subject(who(), own))).toBeUndefined();
        expect((await fired(name, subject(who(), own)))?.seen[`count/${per}/10m`]).toBe(3);
      });
      await withRule({ agg: { measure: "amount", per, windowMinutes: 60 }, op: "gte", value: 10_000 }, async (name) => {
        const who = per === "buyer" ? u : randomUUID();
        // The three events above (3 × 10.00) are in the hour's amount too.
        expect(await fired(name, subject(who, { ...own, amount: 6_000n }))).toBeUndefined();
        expect((await fired(name, subject(who, { ...own, amount: 1_000n })))?.seen[`amount/${per}/60m`]).toBe(10_000);
      });
    }
  });

  it("distinct buyers per target, IP and device; distinct targets per buyer", async () => {
    for (const per of ["target", "ip", "device"] as const) {
      const own = {
        target: `1360000${randomUUID().slice(0, 4)}`,
        ip: `192.0.2.${100 + per.length}`,
        device: randomUUID(),
      };
      await withRule(
        { agg: { measure: "distinct_buyers", per, windowMinutes: 60 }, op: "gte", value: 3 },
        async (name) => {
          const a = randomUUID();
          expect(await fired(name, subject(a, own))).toBeUndefined();
          expect(await fired(name, subject(a, own))).toBeUndefined();
          expect(await fired(name, subject(randomUUID(), own))).toBeUndefined();
          expect((await fired(name, subject(randomUUID(), own)))?.seen[`distinct_buyers/${per}/60m`]).toBe(3);
        },
      );
    }
    const u = randomUUID();
    await withRule(
      { agg: { measure: "distinct_targets", per: "buyer", windowMinutes: 60 }, op: "gt", value: 2 },
      async (name) => {
        expect(await fired(name, subject(u, { target: "13500000001" }))).toBeUndefined();
        expect(await fired(name, subject(u, { target: "13500000001" }))).toBeUndefined();
        expect(await fired(name, subject(u, { target: "13500000002" }))).toBeUndefined();
        expect((await fired(name, subject(u, { target: "13500000003" })))?.seen["distinct_targets/buyer/60m"]).toBe(3);
      },
    );
  });

  it("failed payments per buyer in a window, read from the payments", async () => {
    const u = await shop.user();
    const fail = (minutesAgo: number) =>
      shop.c.db.sql.execute(sql`
        INSERT INTO payments (id, provider, purpose, user_id, currency, amount, status, idempotency_key, created_at, updated_at)
        VALUES (${randomUUID()}::uuid, 'sandbox', 'topup', ${u}::uuid, 'CNY', 1000, 'FAILED', ${randomUUID()},
                now() - ${`${minutesAgo} minutes`}::interval, now() - ${`${minutesAgo} minutes`}::interval)`);
    await fail(5);
    await fail(20);
    await fail(90);
    await withRule(
      { agg: { measure: "failed_payments", per: "buyer", windowMinutes: 30 }, op: "gte", value: 2 },
      async (name) => {
        expect((await fired(name, subject(u)))?.seen["failed_payments/buyer/30m"]).toBe(2);
        expect(await fired(name, subject(await shop.user()))).toBeUndefined();
      },
    );
    await withRule(
      { agg: { measure: "failed_payments", per: "buyer", windowMinutes: 10 }, op: "gte", value: 2 },
      async (name) => {
        expect(await fired(name, subject(u))).toBeUndefined();
      },
    );
    // Counted per buyer only: a rule asking it per target is refused, and nothing is saved.
    await expect(
      shop.c.risk.putRule(ada, {
        name: "bad-failed",
        action: "review",
        condition: { agg: { measure: "failed_payments", per: "target", windowMinutes: 10 }, op: "gt", value: 1 },
      }),
    ).rejects.toMatchObject({ code: "invalid_condition" });
    expect((await shop.c.risk.rules(ada)).some((r) => r.name === "bad-failed")).toBe(false);
  });
});
