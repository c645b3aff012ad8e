import type { WithdrawPorts } from "../bots/distributor/withdraw-ports.ts";
import type { Audit } from "../core/audit/index.ts";
import { systemCode, walletCode } from "../core/ledger/index.ts";
import { systemContext } from "../core/shared/index.ts";
import {
  createWithdrawals,
  HttpPayoutProvider,
  type PayoutProvider,
  type WithdrawalPolicy,
  type Withdrawals,
} from "../core/withdrawals/index.ts";
import { currencyAmounts, publicUrl, type Config } from "./config.ts";
import type { Container } from "./container.ts";
import type { StaffConsole } from "./staff-console.ts";

/**
 * The default WithdrawalPolicy: configuration values for everyone with a wallet (core/distribution's
 * tiers will fill the port per distributor). A currency without a minimum cannot be withdrawn.
 */
export function configWithdrawalPolicy(config: Config): WithdrawalPolicy {
  const min = currencyAmounts("WITHDRAWAL_MIN", config.WITHDRAWAL_MIN);
  const daily = currencyAmounts("WITHDRAWAL_DAILY_LIMIT", config.WITHDRAWAL_DAILY_LIMIT);
  const bps = BigInt(config.WITHDRAWAL_FEE_BPS);
  return {
    async rulesFor(_ctx, _userId, currency) {
      const minAmount = min[currency];
      if (minAmount === undefined)
        return {
          allowed: false,
          refusal: `withdrawals in ${currency} are not offered`,
          minAmount: 0n,
          fee: () => 0n,
          dailyLimit: 0n,
        };
      return {
        allowed: true,
        minAmount,
        // Rounded up: the platform never keeps less than the rate.
        fee: (amount) => (amount * bps + 9_999n) / 10_000n,
        feeBps: Number(bps),
        dailyLimit: daily[currency] ?? 0n,
      };
    },
  };
}

/**
 * A distributor's withdrawal limits are its tier's (core/distribution: `withdraw_min`, `withdraw_fee_bps`,
 * `withdraw_daily_limit`, in CNY); anyone else's, and other currencies, the configuration's.
 */
export function tierWithdrawalPolicy(
  distribution: Pick<Container["distribution"], "get" | "tier">,
  fallback: WithdrawalPolicy,
): WithdrawalPolicy {
  const platform = systemContext("withdrawals:policy");
  return {
    async rulesFor(ctx, userId, currency) {
      const distributor = currency === "CNY" ? await distribution.get(platform, userId) : null;
      if (!distributor) return fallback.rulesFor(ctx, userId, currency);
      const tier = await distribution.tier(platform, distributor.tierId);
      const bps = BigInt(tier.withdrawFeeBps);
      return {
        allowed: true,
        minAmount: tier.withdrawMin,
        fee: (amount) => (amount * bps + 9_999n) / 10_000n,
        feeBps: tier.withdrawFeeBps,
        dailyLimit: tier.withdrawDailyLimit,
      };
    },
  };
}

/** The payout provider: PAYOUT_PROVIDER_URL, else the built-in sandbox on this service. */
export function payoutProviderFor(c: Pick<Container, "config" | "clock" | "payoutProviderSecret">): PayoutProvider {
  const baseUrl = c.config.PAYOUT_PROVIDER_URL ?? `${publicUrl(c.config)}/sandbox`;
  return new HttpPayoutProvider({
    name: c.config.PAYOUT_PROVIDER_URL ? "http" : "sandbox",
    baseUrl,
    secret: c.payoutProviderSecret,
    clock: c.clock,
  });
}

export function createWithdrawalsFor(
  c: Pick<
    Container,
    "db" | "clock" | "secrets" | "config" | "ledger" | "payoutProviderSecret" | "kyc" | "distribution"
  >,
  audit: Audit,
  payouts?: PayoutProvider,
): Withdrawals {
  return createWithdrawals({
    sql: c.db.sql,
    clock: c.clock,
    secrets: c.secrets,
    ledger: {
      walletCode,
      systemCode,
      hold: (ctx, input, opts) => c.ledger.hold(ctx, input, opts),
      captureHold: (ctx, input, opts) => c.ledger.captureHold(ctx, input, opts),
      releaseHold: (ctx, input, opts) => c.ledger.releaseHold(ctx, input, opts),
      post: (ctx, input, opts) => c.ledger.post(ctx, input, opts),
    },
    audit,
    policy: tierWithdrawalPolicy(c.distribution, configWithdrawalPolicy(c.config)),
    // Real-name verification (core/kyc), asked as the platform: the requester and the approving staff both rely on it.
    kyc: { isVerified: (_ctx, userId) => c.kyc.isVerified(systemContext("withdrawals:kyc-check"), userId) },
    payouts: payouts ?? payoutProviderFor(c),
    // A withdrawal waits as long as its approval request does.
    ttlMs: c.config.STAFF_APPROVAL_TTL_HOURS * 3_600_000,
  });
}

/** The shop bot's withdrawal screens (bots/distributor/withdraw-*.ts) over the core: the staff console's flow. */
export function chatWithdrawPorts(
  distribution: Pick<Container["distribution"], "get">,
  con: Pick<StaffConsole, "withdrawals" | "requestWithdrawal" | "cancelWithdrawal">,
): WithdrawPorts {
  return {
    isDistributor: async (ctx, userId) => (await distribution.get(ctx, userId)) !== null,
    withdrawals: con.withdrawals,
    request: con.requestWithdrawal,
    cancel: con.cancelWithdrawal,
  };
}
