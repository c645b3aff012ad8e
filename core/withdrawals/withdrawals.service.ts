import { z } from "zod";
import { recordEvents } from "../events/index.ts";
import {
  conflict,
  currencySchema,
  describeActor,
  inSqlTx,
  invalidData,
  MAX_MINOR,
  newId,
  notFound,
  type Clock,
  type CoreContext,
  type Currency,
  type SecretBox,
  type SqlRunner,
  type SqlTx,
} from "../shared/index.ts";
import { normalizeAccount, sealAccount } from "./payout-accounts.ts";
import {
  attachApprovalSql,
  closeSql,
  dueSql,
  payingDueSql,
  insertPayoutAccountSql,
  insertWithdrawalSql,
  kycSql,
  listAllSql,
  listByStatusSql,
  listByUserSql,
  lockWithdrawalSql,
  markPaidSql,
  openWithdrawalsToSql,
  payoutAccountByHashSql,
  livePayoutAccountForShareSql,
  payoutAccountSecretSql,
  payoutAccountsSql,
  removePayoutAccountSql,
  setKycSql,
  startPayingSql,
  usedSinceSql,
  withdrawalByKeySql,
  withdrawalSql,
} from "./withdrawals.sql.ts";
import {
  PAYOUT_ACCOUNT_KINDS,
  WITHDRAWAL_STATUSES,
  type KycCheck,
  type PayoutAccount,
  type PayoutProvider,
  type PreviewWithdrawalResult,
  type RequestWithdrawalResult,
  type Withdrawal,
  type WithdrawalPolicy,
  type WithdrawalRules,
  type Withdrawals,
  type WithdrawalsAudit,
  type WithdrawalsLedger,
} from "./withdrawals.types.ts";

export interface WithdrawalsDeps {
  sql: SqlRunner;
  clock: Clock;
  secrets: SecretBox;
  ledger: WithdrawalsLedger;
  audit: WithdrawalsAudit;
  policy: WithdrawalPolicy;
  /** Null: the default, the `kyc_flags` staff set (setKycVerified). */
  kyc?: KycCheck;
  payouts: PayoutProvider;
  /** How long a request waits for staff before it expires (its hold released); default 72 h. */
  ttlMs?: number;
  /** The day a daily limit counts, as an offset from UTC (default +8 h: China Standard Time). */
  dayOffsetMs?: number;
}

const uuid = z.uuid({ message: "must be an id" }).transform((s) => s.toLowerCase());
const requestSchema = z.object({
  userId: uuid,
  payoutAccountId: uuid,
  amount: z
    .bigint({ message: "must be a whole number of minor units" })
    .refine((v) => v > 0n && v < MAX_MINOR, { message: "must be positive" }),
  currency: currencySchema,
  idempotencyKey: z.string().trim().min(1, { message: "is required" }).max(200),
});
const termsSchema = z.object({ userId: uuid, currency: currencySchema });
const previewSchema = z.object({
  userId: uuid,
  amount: requestSchema.shape.amount,
  currency: currencySchema,
  available: z.bigint().optional(),
});
const accountSchema = z.object({
  userId: uuid,
  kind: z.enum(PAYOUT_ACCOUNT_KINDS, { message: `is one of ${PAYOUT_ACCOUNT_KINDS.join(", ")}` }),
  account: z.string().min(1, { message: "is required" }).max(100),
  holderName: z.string().trim().min(1, { message: "is required" }).max(60),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw invalidData(
    "invalid_input",
    r.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "),
  );
}

/** Thrown inside the request's transaction to roll it back with a refusal to return. */
class Refusal extends Error {
  constructor(readonly result: Exclude<RequestWithdrawalResult, { ok: true }>) {
    super(result.code);
  }
}

export function createWithdrawals(deps: WithdrawalsDeps): Withdrawals {
  const { sql, clock, secrets, ledger, audit, policy, payouts } = deps;
  const ttlMs = deps.ttlMs ?? 72 * 3_600_000;
  const dayOffsetMs = deps.dayOffsetMs ?? 8 * 3_600_000;
  // The staff flag (`kyc set`) is an override next to real-name verification (core/kyc fills `deps.kyc`):
  // a withdrawal needs one of them.
  const staffFlag: KycCheck = {
    isVerified: async (_ctx, userId) => (await sql.query<{ verified: boolean }>(kycSql(userId)))[0]?.verified ?? false,
  };
  const realName = deps.kyc;
  const kyc: KycCheck = realName
    ? {
        isVerified: async (ctx, userId) =>
          (await realName.isVerified(ctx, userId)) || staffFlag.isVerified(ctx, userId),
      }
    : staffFlag;

  const startOfDay = (now: Date) => {
    const local = now.getTime() + dayOffsetMs;
    return new Date(local - (local % 86_400_000) - dayOffsetMs);
  };

  async function load(tx: SqlTx | SqlRunner, withdrawalId: string, lock = false): Promise<Withdrawal> {
    const id = parse(uuid, withdrawalId);
    const [row] = await tx.query<Withdrawal>(lock ? lockWithdrawalSql(id) : withdrawalSql(id));
    if (!row) throw notFound("withdrawal_not_found", "no such withdrawal", { withdrawalId });
    return row;
  }

  const by = (ctx: CoreContext) => describeActor(ctx.actor);

  async function closeIn(
    ctx: CoreContext,
    tx: SqlTx,
    w: Withdrawal,
    to: "REJECTED" | "EXPIRED" | "FAILED" | "CANCELLED",
    reason: string,
    decidedBy: string,
  ): Promise<Withdrawal> {
    const [closed] = await tx.query<Withdrawal>(
      closeSql(w.id, to === "FAILED" ? "PAYING" : "PENDING", to, reason, decidedBy, clock.now()),
    );
    if (!closed) throw new Error(`withdrawal ${w.id} moved under its lock`);
    await ledger.releaseHold(ctx, { holdId: w.holdId }, { tx });
    const base = { withdrawalId: w.id, userId: w.userId, amount: w.amount, currency: w.currency };
    await recordEvents(tx, [
      to === "CANCELLED"
        ? { type: "withdrawal.cancelled", payload: base }
        : { type: "withdrawal.rejected", payload: { ...base, status: to, reason } },
    ]);
    await audit.record(
      ctx,
      {
        action: `withdrawals.${to.toLowerCase()}`,
        outcome: "ok",
        targetType: "withdrawal",
        targetId: w.id,
        details: { amount: w.amount, currency: w.currency, reason },
      },
      { tx },
    );
    return closed;
  }

  return {
    async addPayoutAccount(ctx, input) {
      const p = parse(accountSchema, input);
      const account = normalizeAccount(p.kind, p.account);
      const sealed = sealAccount(secrets, p.userId, p.kind, account);
      return sql.transaction(async (tx) => {
        const [existing] = await tx.query<PayoutAccount>(payoutAccountByHashSql(p.userId, sealed.accountHash));
        if (existing) return existing;
        const [row] = await tx.query<PayoutAccount>(
          insertPayoutAccountSql({
            id: newId(),
            userId: p.userId,
            kind: p.kind,
            holderName: p.holderName,
            ...sealed,
            now: clock.now(),
          }),
        );
        return row!;
      });
    },

    payoutAccounts: async (_ctx, input) => sql.query<PayoutAccount>(payoutAccountsSql(parse(uuid, input.userId))),

    async removePayoutAccount(_ctx, input) {
      const id = parse(uuid, input.payoutAccountId);
      const userId = parse(uuid, input.userId);
      // The row first (a request in flight holds it FOR SHARE until it commits), then its withdrawals:
      // one committed meanwhile is counted and the removal rolls back.
      await sql.transaction(async (tx) => {
        const n = await tx.execute(removePayoutAccountSql(id, userId, clock.now()));
        if (n === 0) throw notFound("payout_account_not_found", "no such payout account");
        const [open] = await tx.query<{ n: number }>(openWithdrawalsToSql(id));
        if ((open?.n ?? 0) > 0)
          throw conflict("payout_account_in_use", "a withdrawal to this account is still waiting to be paid");
      });
    },

    async request(ctx, input) {
      const p = parse(requestSchema, input);
      const [earlier] = await sql.query<Withdrawal>(withdrawalByKeySql(p.userId, p.idempotencyKey));
      if (earlier) return replay(earlier, p);
      const checked = await checkTerms(ctx, p);
      if (!checked.ok) return checked;
      const { rules, fee } = checked;
      const now = clock.now();
      const id = newId();
      try {
        return await sql.transaction(async (tx) => {
          // Read under a lock held to the commit: a removal racing this request waits for it (or went
          // first: then there is no account).
          const [account] = await tx.query<PayoutAccount>(livePayoutAccountForShareSql(p.payoutAccountId, p.userId));
          if (!account) throw notFound("payout_account_not_found", "no such payout account");
          // The hold locks the wallet row until the commit: this user's requests queue here, so the
          // daily total read after it counts every request that committed before.
          const held = await ledger.hold(
            ctx,
            {
              account: ledger.walletCode(p.userId, p.currency),
              amount: p.amount,
              idempotencyKey: `withdrawal:${p.userId}:${p.idempotencyKey}`,
            },
            { tx },
          );
          if (!held.ok) throw new Refusal({ ok: false, code: "insufficient_funds" });
          // The same key committed meanwhile: roll back and answer what it made (below).
          if (held.replayed) throw new Error("withdrawal request raced under the same key");
          const [{ used }] = (await tx.query<{ used: bigint }>(
            usedSinceSql(p.userId, p.currency, startOfDay(now)),
          )) as [{ used: bigint }];
          if (BigInt(used) + p.amount > rules.dailyLimit)
            throw new Refusal({
              ok: false,
              code: "daily_limit",
              dailyLimit: rules.dailyLimit,
              usedToday: BigInt(used),
            });
          const [row] = await tx.query<Withdrawal>(
            insertWithdrawalSql(
              {
                id,
                userId: p.userId,
                payoutAccountId: p.payoutAccountId,
                currency: p.currency,
                amount: p.amount,
                fee,
                status: "PENDING",
                holdId: held.holdId,
                approvalId: null,
                payoutRef: null,
                ledgerTransactionId: null,
                reason: null,
                decidedBy: null,
                expiresAt: new Date(now.getTime() + ttlMs),
                createdAt: now,
                decidedAt: null,
              },
              p.idempotencyKey,
            ),
          );
          await recordEvents(tx, [
            {
              type: "withdrawal.requested",
              payload: { withdrawalId: id, userId: p.userId, amount: p.amount, fee, currency: p.currency },
            },
          ]);
          await audit.record(
            ctx,
            {
              action: "withdrawals.request",
              outcome: "ok",
              targetType: "withdrawal",
              targetId: id,
              details: { amount: p.amount, fee, currency: p.currency, payoutAccount: account.masked },
            },
            { tx },
          );
          return { ok: true as const, withdrawal: row!, replayed: false };
        });
      } catch (e) {
        if (e instanceof Refusal) return e.result;
        // The same key raced this request and won: answer what it made.
        const [winner] = await sql.query<Withdrawal>(withdrawalByKeySql(p.userId, p.idempotencyKey));
        if (winner) return replay(winner, p);
        throw e;
      }
    },

    async terms(ctx, input) {
      const p = parse(termsSchema, input);
      const [kycVerified, rules, used] = await Promise.all([
        kyc.isVerified(ctx, p.userId),
        policy.rulesFor(ctx, p.userId, p.currency),
        usedToday(sql, p.userId, p.currency),
      ]);
      return {
        kycVerified,
        allowed: rules.allowed,
        ...(rules.refusal !== undefined ? { refusal: rules.refusal } : {}),
        minAmount: rules.minAmount,
        ...(rules.feeBps !== undefined ? { feeBps: rules.feeBps } : {}),
        dailyLimit: rules.dailyLimit,
        usedToday: used,
      };
    },

    async preview(ctx, input): Promise<PreviewWithdrawalResult> {
      const p = parse(previewSchema, input);
      const checked = await checkTerms(ctx, p);
      if (!checked.ok) return checked;
      if (p.available !== undefined && p.amount > p.available) return { ok: false, code: "insufficient_funds" };
      const used = await usedToday(sql, p.userId, p.currency);
      if (used + p.amount > checked.rules.dailyLimit)
        return { ok: false, code: "daily_limit", dailyLimit: checked.rules.dailyLimit, usedToday: used };
      return { ok: true, amount: p.amount, fee: checked.fee, net: p.amount - checked.fee };
    },

    async cancel(ctx, input) {
      const userId = parse(uuid, input.userId);
      return sql.transaction(async (tx) => {
        const w = await load(tx, input.withdrawalId, true);
        // Someone else's withdrawal is answered as if it did not exist (ids cannot be probed).
        if (w.userId !== userId) throw notFound("withdrawal_not_found", "no such withdrawal");
        if (w.status !== "PENDING") return { changed: false, withdrawal: w };
        return { changed: true, withdrawal: await closeIn(ctx, tx, w, "CANCELLED", "cancelled by the user", by(ctx)) };
      });
    },

    async attachApproval(_ctx, input) {
      await sql.execute(attachApprovalSql(parse(uuid, input.withdrawalId), parse(uuid, input.approvalId)));
    },

    get: (_ctx, input) => load(sql, input.withdrawalId),

    async list(_ctx, input) {
      const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
      if (input.userId) return sql.query<Withdrawal>(listByUserSql(parse(uuid, input.userId), limit));
      if (input.status) {
        const status = parse(z.enum(WITHDRAWAL_STATUSES), input.status);
        return sql.query<Withdrawal>(listByStatusSql(status, limit));
      }
      return sql.query<Withdrawal>(listAllSql(limit));
    },

    async pay(ctx, input) {
      const decidedBy = input.decidedBy;
      // 1. PENDING → PAYING, once: whoever moves it pays; a PAYING one (an earlier answer unknown) is asked again.
      const started = await sql.transaction(async (tx) => {
        const w = await load(tx, input.withdrawalId, true);
        if (w.status === "PAID") return { done: w };
        if (w.status === "PENDING") {
          if (w.expiresAt.getTime() <= clock.now().getTime())
            throw conflict("withdrawal_expired", "the withdrawal expired before it was approved");
          const [paying] = await tx.query<Withdrawal>(startPayingSql(w.id, decidedBy, clock.now()));
          return { paying: paying! };
        }
        if (w.status === "PAYING") return { paying: w };
        throw conflict("withdrawal_not_pending", `the withdrawal is ${w.status}: nothing to pay`, { status: w.status });
      });
      if ("done" in started) return { ok: true, withdrawal: started.done! };
      const w = started.paying;
      // 2. The payout, outside any transaction (the provider dedupes on the withdrawal id).
      const [account] = await sql.query<PayoutAccount & { accountEnc: string }>(
        payoutAccountSecretSql(w.payoutAccountId, w.userId),
      );
      const outcome = account
        ? await payouts.pay({
            reference: w.id,
            kind: account.kind,
            account: secrets.decrypt(account.accountEnc),
            holderName: account.holderName,
            amount: w.amount - w.fee,
            currency: w.currency,
          })
        : ({ status: "failed", reason: "the payout account was removed" } as const);
      // 3. Recorded once, under the withdrawal's lock.
      return sql.transaction(async (tx) => {
        const cur = await load(tx, w.id, true);
        if (cur.status === "PAID") return { ok: true as const, withdrawal: cur };
        if (cur.status !== "PAYING")
          return {
            ok: false as const,
            code: "payout_failed" as const,
            withdrawal: cur,
            reason: cur.reason ?? cur.status,
          };
        if (outcome.status === "unknown")
          return { ok: false as const, code: "payout_unknown" as const, withdrawal: cur, reason: outcome.reason };
        if (outcome.status === "failed") {
          const failed = await closeIn(ctx, tx, cur, "FAILED", outcome.reason, decidedBy);
          return { ok: false as const, code: "payout_failed" as const, withdrawal: failed, reason: outcome.reason };
        }
        const cur8 = cur.currency;
        const paidOut = cur.amount - cur.fee;
        // The wallet's hold is captured: the payee's money leaves custody, the fee becomes revenue...
        const captured = await ledger.captureHold(
          ctx,
          {
            holdId: cur.holdId,
            idempotencyKey: `withdrawal-payout:${cur.id}`,
            kind: "withdrawal_payout",
            memo: `${payouts.name} payout ${outcome.providerRef}`,
            metadata: { withdrawalId: cur.id, provider: payouts.name, providerRef: outcome.providerRef },
            legs: [
              { account: ledger.systemCode("custody", cur8), amount: paidOut },
              ...(cur.fee > 0n ? [{ account: ledger.systemCode("revenue", cur8), amount: cur.fee }] : []),
            ],
          },
          { tx },
        );
        // ...and, as a settlement does, the fee's cash moves from custody to the platform's own.
        if (cur.fee > 0n)
          await ledger.post(
            ctx,
            {
              idempotencyKey: `withdrawal-fee:${cur.id}`,
              kind: "withdrawal_fee",
              metadata: { withdrawalId: cur.id },
              legs: [
                { account: ledger.systemCode("custody", cur8), amount: cur.fee },
                { account: ledger.systemCode("platform_cash", cur8), amount: -cur.fee },
              ],
            },
            { tx },
          );
        const [paid] = await tx.query<Withdrawal>(markPaidSql(cur.id, outcome.providerRef, captured.transactionId));
        await recordEvents(tx, [
          {
            type: "withdrawal.paid",
            payload: { withdrawalId: cur.id, userId: cur.userId, amount: cur.amount, fee: cur.fee, currency: cur8 },
          },
        ]);
        await audit.record(
          ctx,
          {
            action: "withdrawals.paid",
            outcome: "ok",
            targetType: "withdrawal",
            targetId: cur.id,
            details: {
              amount: cur.amount,
              fee: cur.fee,
              currency: cur8,
              provider: payouts.name,
              providerRef: outcome.providerRef,
            },
          },
          { tx },
        );
        return { ok: true as const, withdrawal: paid! };
      });
    },

    async close(ctx, input) {
      const reason = parse(z.string().trim().min(1, { message: "say why" }).max(500), input.reason);
      return sql.transaction(async (tx) => {
        const w = await load(tx, input.withdrawalId, true);
        if (w.status !== "PENDING") return { changed: false, withdrawal: w };
        return { changed: true, withdrawal: await closeIn(ctx, tx, w, input.as, reason, input.decidedBy) };
      });
    },

    async expireDue(ctx, opts) {
      const due = await sql.query<{ id: string }>(dueSql(clock.now(), Math.min(opts?.limit ?? 100, 1000)));
      let expired = 0;
      for (const { id } of due) {
        const r = await this.close(ctx, {
          withdrawalId: id,
          as: "EXPIRED",
          reason: "not decided in time",
          decidedBy: by(ctx),
        });
        if (r.changed) expired++;
      }
      return { expired };
    },

    async retryUnknownPayouts(ctx, opts) {
      const before = new Date(clock.now().getTime() - (opts?.olderThanMs ?? 300_000));
      const due = await sql.query<{ id: string; decidedBy: string | null }>(
        payingDueSql(before, Math.min(opts?.limit ?? 100, 1000)),
      );
      const tally = { paid: 0, failed: 0, unknown: 0 };
      for (const w of due) {
        const r = await this.pay(ctx, { withdrawalId: w.id, decidedBy: w.decidedBy ?? by(ctx) });
        if (r.ok) tally.paid++;
        else if (r.code === "payout_unknown") tally.unknown++;
        else tally.failed++;
      }
      return tally;
    },

    async setKycVerified(ctx, input) {
      const userId = parse(uuid, input.userId);
      await inSqlTx(sql, {}, async (tx) => {
        await tx.execute(setKycSql(userId, input.verified === true, by(ctx), clock.now()));
        await audit.record(
          ctx,
          {
            action: "kyc.set",
            outcome: "ok",
            targetType: "user",
            targetId: userId,
            details: { verified: input.verified === true },
          },
          { tx },
        );
      });
    },

    kycVerified: (ctx, input) => kyc.isVerified(ctx, parse(uuid, input.userId)),
  };

  async function usedToday(tx: SqlRunner | SqlTx, userId: string, currency: Currency): Promise<bigint> {
    const [row] = await tx.query<{ used: bigint }>(usedSinceSql(userId, currency, startOfDay(clock.now())));
    return BigInt(row?.used ?? 0n);
  }

  /** KYC, the policy, the minimum and the fee: what `request` and `preview` both refuse before any hold. */
  async function checkTerms(
    ctx: CoreContext,
    p: { userId: string; amount: bigint; currency: Currency },
  ): Promise<{ ok: true; rules: WithdrawalRules; fee: bigint } | Exclude<RequestWithdrawalResult, { ok: true }>> {
    if (!(await kyc.isVerified(ctx, p.userId))) return { ok: false, code: "kyc_required" };
    const rules = await policy.rulesFor(ctx, p.userId, p.currency);
    if (!rules.allowed)
      return { ok: false, code: "not_allowed", message: rules.refusal ?? "withdrawals are not open to you" };
    if (p.amount < rules.minAmount) return { ok: false, code: "below_minimum", minAmount: rules.minAmount };
    const fee = rules.fee(p.amount);
    if (fee < 0n || fee >= p.amount) return { ok: false, code: "below_minimum", minAmount: rules.minAmount };
    return { ok: true, rules, fee };
  }

  function replay(w: Withdrawal, p: z.output<typeof requestSchema>): RequestWithdrawalResult {
    if (w.amount !== p.amount || w.currency !== p.currency || w.payoutAccountId !== p.payoutAccountId)
      throw conflict("idempotency_conflict", "this idempotency key was already used for a different withdrawal");
    return { ok: true, withdrawal: w, replayed: true };
  }
}
