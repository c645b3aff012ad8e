import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { payoutSandboxRoutes } from "../../../channels/http/payouts-sandbox.routes.ts";
import { createApprovals, type Approvals } from "../../../core/approvals/index.ts";
import { createAudit } from "../../../core/audit/index.ts";
import { requestWithdrawalFlow, withdrawalPayAction } from "../../../core/flows/index.ts";
import { createLedger, systemCode, walletCode, type Ledger } from "../../../core/ledger/index.ts";
import {
  ManualClock,
  SecretBox,
  raw,
  systemContext,
  type CoreContext,
  type Currency,
  type StaffRole,
} from "../../../core/shared/index.ts";
import {
  createWithdrawals,
  HttpPayoutProvider,
  type WithdrawalRules,
  type Withdrawals,
} from "../../../core/withdrawals/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

export const CUR: Currency = "CNY";
export const sys = systemContext("test-withdrawals");
export const buyer = (userId: string): CoreContext => ({
  ...sys,
  channel: "telegram",
  actor: { kind: "buyer", userId },
});
export const staffCtx = (role: StaffRole = "finance", userId = randomUUID()): CoreContext => ({
  ...sys,
  channel: "slack",
  requestId: `req-${randomUUID()}`,
  actor: { kind: "staff", userId, role },
});

/** A card number with a valid check digit (Luhn) from 15 digits. */
export function card(base15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = Number(base15[14 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${base15}${(10 - (sum % 10)) % 10}`;
}

export interface WithdrawalsFixture {
  t: TestDatabase;
  clock: ManualClock;
  ledger: Ledger;
  approvals: Approvals;
  withdrawals: Withdrawals;
  request: ReturnType<typeof requestWithdrawalFlow>;
  /** What the sandbox payout provider answered, by reference (withdrawal id). */
  payouts: Map<string, unknown>;
  /** The provider's next `n` answers are lost on the way back (it paid; we see a 504): the "unknown" outcome. */
  loseNextAnswers(n: number): void;
  /**
   * Runs inside a withdrawal request's transaction, after its payout account is read and before the hold
   * (tests set it to interleave another call there).
   */
  insideRequest: { run: (() => Promise<void>) | null };
  /** Rules every user gets (tests change them). */
  rules: { minAmount: bigint; feeBps: bigint; dailyLimit: bigint; allowed: boolean };
  /** A user with a KYC-verified flag, a payout account and `balance` in their wallet. */
  newUser(
    balance: bigint,
    opts?: { kyc?: boolean; account?: string; kind?: "bank_card" | "alipay" },
  ): Promise<{
    userId: string;
    accountId: string;
  }>;
  wallet(userId: string): Promise<{ balance: bigint; held: bigint; available: bigint }>;
  count(table: string, where?: string): Promise<number>;
  close(): Promise<void>;
}

export async function openWithdrawals(
  label: string,
  thresholds: Partial<Record<Currency, bigint>>,
): Promise<WithdrawalsFixture> {
  const t = await createTestDatabase(label);
  const clock = new ManualClock();
  const secrets = new SecretBox(Buffer.alloc(32, 9));
  const secret = "posec_test_secret_0123456789";
  const sandbox = payoutSandboxRoutes({ secret, clock });
  let lose = 0;
  const front = async (req: Request) => {
    const res = await sandbox.fetch(req);
    if (lose === 0) return res;
    lose--;
    return new Response("gateway timeout", { status: 504 });
  };
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: front, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox`;
  const ledger = createLedger({ sql: t.db.sql, clock });
  for (const name of ["custody", "platform_cash", "revenue", "order_escrow"] as const)
    await ledger.accountFor(sys, systemCode(name, CUR), CUR);
  const audit = createAudit({ sql: t.db.sql, clock });
  const rules = { minAmount: 1_000n, feeBps: 100n, dailyLimit: 10_000_000n, allowed: true };
  const insideRequest: WithdrawalsFixture["insideRequest"] = { run: null };
  const withdrawals = createWithdrawals({
    sql: t.db.sql,
    clock,
    secrets,
    ledger: {
      walletCode,
      systemCode,
      hold: async (c, i, o) => {
        await insideRequest.run?.();
        return ledger.hold(c, i, o);
      },
      captureHold: (c, i, o) => ledger.captureHold(c, i, o),
      releaseHold: (c, i, o) => ledger.releaseHold(c, i, o),
      post: (c, i, o) => ledger.post(c, i, o),
    },
    audit,
    policy: {
      rulesFor: async (): Promise<WithdrawalRules> => ({
        allowed: rules.allowed,
        refusal: "only distributors withdraw",
        minAmount: rules.minAmount,
        fee: (a) => (a * rules.feeBps + 9_999n) / 10_000n,
        dailyLimit: rules.dailyLimit,
      }),
    },
    payouts: new HttpPayoutProvider({ baseUrl, secret, clock, timeoutMs: 5_000 }),
  });
  const approvals: Approvals = createApprovals({
    sql: t.db.sql,
    clock,
    audit,
    actions: [withdrawalPayAction({ withdrawals, approvals: () => approvals, thresholds })],
  });
  const count = async (table: string, where = "true") =>
    (await t.db.sql.query<{ n: number }>(raw(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)))[0]!.n;
  return {
    t,
    clock,
    ledger,
    approvals,
    withdrawals,
    request: requestWithdrawalFlow({ withdrawals, approvals }),
    payouts: sandbox.payouts,
    loseNextAnswers: (n) => {
      lose = n;
    },
    rules,
    insideRequest,
    async newUser(balance, opts = {}) {
      const userId = randomUUID();
      if (balance > 0n) {
        const r = await ledger.post(sys, {
          idempotencyKey: `topup:${userId}`,
          kind: "topup",
          legs: [
            { account: systemCode("custody", CUR), amount: -balance },
            { account: walletCode(userId, CUR), amount: balance },
          ],
        });
        if (!r.ok) throw new Error("top-up failed");
      }
      if (opts.kyc !== false) await withdrawals.setKycVerified(staffCtx("admin"), { userId, verified: true });
      const acct = await withdrawals.addPayoutAccount(buyer(userId), {
        userId,
        kind: opts.kind ?? "bank_card",
        account: opts.account ?? card("622202020011223"),
        holderName: "张三",
      });
      return { userId, accountId: acct.id };
    },
    wallet: (userId) => ledger.balance(sys, walletCode(userId, CUR)),
    count,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await t.drop();
    },
  };
}
