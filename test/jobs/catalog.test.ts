import { describe, expect, it } from "vitest";
import { backoffDelay, jobCatalog, withOverrides, type JobPayload } from "../../jobs/catalog.ts";

const orderId = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

describe("job catalog", () => {
  it("defines every job with attempts, exponential backoff and a timeout", () => {
    expect(Object.keys(jobCatalog).sort()).toEqual([
      "backorders",
      "check-custody",
      "check-ledger",
      "deliver-webhook",
      "expire-approvals",
      "expire-held-orders",
      "expire-holds",
      "expire-orders",
      "expire-withdrawals",
      "fulfil-order",
      "poll-supplier-requests",
      "retry-unknown-payouts",
      "sweep-staff-alerts",
      "sweep-tier-downgrades",
    ]);
    for (const spec of Object.values(jobCatalog)) {
      expect(spec.attempts).toBeGreaterThanOrEqual(1);
      expect(spec.backoff.type).toBe("exponential");
      expect(spec.timeoutMs).toBeGreaterThan(0);
    }
    expect(jobCatalog["fulfil-order"]).toMatchObject({ attempts: 8, backoff: { delayMs: 500 } });
  });

  it("validates payloads", () => {
    const fulfil = jobCatalog["fulfil-order"].schema;
    expect(fulfil.safeParse({ orderId }).success).toBe(true);
    expect(fulfil.safeParse({ orderId: "42" }).success).toBe(false);
    const ok: JobPayload<"fulfil-order"> = { orderId };
    expect(fulfil.safeParse({ ...ok, extra: 1 }).data).toEqual(ok);
    expect(fulfil.safeParse({}).success).toBe(false);
    expect(jobCatalog["expire-orders"].schema.safeParse({}).success).toBe(true);
  });

  it("computes BullMQ's exponential backoff and allows overrides for tests", () => {
    expect([1, 2, 3].map((n) => backoffDelay(jobCatalog["fulfil-order"], n))).toEqual([500, 1000, 2000]);
    const fast = withOverrides(jobCatalog, { "fulfil-order": { backoff: { type: "exponential", delayMs: 5 } } });
    expect(fast["fulfil-order"].backoff.delayMs).toBe(5);
    expect(fast["fulfil-order"].attempts).toBe(8);
    expect(fast["expire-orders"]).toEqual(jobCatalog["expire-orders"]);
  });
});
