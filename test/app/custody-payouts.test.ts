import { describe, expect, it } from "vitest";
import { withdrawalPayouts } from "../../app/custody-payouts.ts";
import type { Withdrawal } from "../../core/withdrawals/index.ts";
import { systemContext } from "../../core/shared/index.ts";

const w = (over: Partial<Withdrawal>): Withdrawal => ({
  id: "0190a0a0-0000-7000-8000-000000000001",
  userId: "0190a0a0-0000-7000-8000-0000000000aa",
  payoutAccountId: "0190a0a0-0000-7000-8000-0000000000bb",
  currency: "CNY",
  amount: 10_000n,
  fee: 100n,
  status: "PAID",
  holdId: "0190a0a0-0000-7000-8000-0000000000cc",
  approvalId: null,
  payoutRef: "ALI-778899",
  ledgerTransactionId: null,
  reason: null,
  decidedBy: "staff:x",
  expiresAt: new Date("2026-12-10T00:00:00Z"),
  createdAt: new Date("2026-12-01T01:00:00Z"),
  decidedAt: new Date("2026-12-01T02:00:00Z"),
  ...over,
});

/** Paid withdrawals as custody's payouts: what left the custody account, when, under which references. */
describe("withdrawalPayouts", () => {
  it("maps paid withdrawals of the currency and period to amount − fee, at their decision time", async () => {
    const asked: unknown[] = [];
    const port = withdrawalPayouts(() => ({
      list: async (_ctx, input) => {
        asked.push(input);
        return [
          w({}),
          w({ id: "0190a0a0-0000-7000-8000-000000000002", currency: "USD" }),
          w({ id: "0190a0a0-0000-7000-8000-000000000003", decidedAt: new Date("2026-12-03T00:00:00Z") }),
        ];
      },
    }));
    const out = await port.paidOut(systemContext("t"), {
      currency: "CNY",
      from: new Date("2026-11-30T16:00:00Z"),
      to: new Date("2026-12-01T16:00:00Z"),
    });
    expect(asked).toEqual([{ status: "PAID", limit: 500 }]);
    expect(out).toEqual([
      {
        payoutId: "0190a0a0-0000-7000-8000-000000000001",
        reference: "ALI-778899",
        amount: 9_900n,
        currency: "CNY",
        at: new Date("2026-12-01T02:00:00Z"),
      },
    ]);
  });
});
