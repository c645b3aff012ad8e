import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemCode, walletCode } from "../../../core/ledger/index.ts";
import { raw, sql } from "../../../core/shared/index.ts";
import { buyer, card, CUR, openWithdrawals, staffCtx, sys, type WithdrawalsFixture } from "./withdrawals-fixture.ts";

/** Two people are needed above 500.00. */
const OVER = 50_000n;
let f: WithdrawalsFixture;
beforeAll(async () => {
  f = await openWithdrawals("withdrawals", { CNY: OVER });
});
afterAll(() => f.close());
beforeEach(() => {
  Object.assign(f.rules, { minAmount: 1_000n, feeBps: 100n, dailyLimit: 10_000_000n, allowed: true });
});

const key = () => `k-${Math.random().toString(36).slice(2)}`;
const events = async (type: string, withdrawalId: string) =>
  f.count("outbox_events", `type = '${type}' AND payload->>'withdrawalId' = '${withdrawalId}'`);
const pendingFor = async (withdrawalId: string) =>
  (await f.approvals.pending(sys, { limit: 500 })).filter(
    (r) => (r.payload as { withdrawalId: string }).withdrawalId === withdrawalId,
  );

async function requested(amount: bigint, balance = 100_000n) {
  const u = await f.newUser(balance);
  const r = await f.request(buyer(u.userId), {
    userId: u.userId,
    payoutAccountId: u.accountId,
    amount,
    currency: CUR,
    idempotencyKey: key(),
  });
  if (!r.ok) throw new Error(`request refused: ${r.code}`);
  return { ...u, withdrawal: r.withdrawal };
}

describe("payout accounts", () => {
  it("stores the number encrypted and shows it masked", async () => {
    const number = card("622202020055667");
    const u = await f.newUser(0n, { account: number });
    const [row] = await f.t.db.sql.query<{ account_enc: string; masked: string }>(
      sql`SELECT account_enc, masked FROM payout_accounts WHERE id = ${u.accountId}::uuid`,
    );
    expect(row!.account_enc).not.toContain(number.slice(-8));
    expect(row!.masked).toBe(`**** **** **** ${number.slice(-4)}`);
    const listed = await f.withdrawals.payoutAccounts(buyer(u.userId), { userId: u.userId });
    expect(JSON.stringify(listed)).not.toContain(number.slice(0, 12));
  });

  it("refuses a bad number, a bad kind, someone else's user id, and writes nothing", async () => {
    const u = await f.newUser(0n);
    const before = await f.count("payout_accounts");
    const add = (userId: string, kind: string, account: string, who = buyer(u.userId)) =>
      f.withdrawals.addPayoutAccount(who, { userId, kind: kind as "alipay", account, holderName: "李四" });
    await expect(add(u.userId, "bank_card", "6222020200112234")).rejects.toMatchObject({
      code: "invalid_payout_account",
    });
    await expect(add(u.userId, "alipay", "not-an-account")).rejects.toMatchObject({ code: "invalid_payout_account" });
    await expect(add(u.userId, "wechat", "13800138000")).rejects.toMatchObject({ code: "invalid_input" });
    await expect(add(crypto.randomUUID(), "alipay", "13800138000")).rejects.toMatchObject({ type: "forbidden" });
    await expect(add(u.userId, "alipay", "13800138000", staffCtx("owner"))).rejects.toMatchObject({
      type: "forbidden",
    });
    expect(await f.count("payout_accounts")).toBe(before);
  });
});

describe("a withdrawal request", () => {
  it("holds the amount on the wallet and asks staff (pending in approvals)", async () => {
    const { userId, withdrawal } = await requested(20_000n);
    expect(withdrawal).toMatchObject({ status: "PENDING", amount: 20_000n, fee: 200n });
    expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 20_000n, available: 80_000n });
    const pending = await pendingFor(withdrawal.id);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ action: "withdrawals.pay", requestedBy: null, id: withdrawal.approvalId });
    expect(await events("withdrawal.requested", withdrawal.id)).toBe(1);
  });

  it("answers a replay with the same withdrawal and holds once", async () => {
    const u = await f.newUser(50_000n);
    const input = {
      userId: u.userId,
      payoutAccountId: u.accountId,
      amount: 10_000n,
      currency: CUR,
      idempotencyKey: "same",
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => f.request(buyer(u.userId), input)));
    const ids = new Set(results.map((r) => (r.ok ? r.withdrawal.id : r.code)));
    expect(ids.size).toBe(1);
    expect((await f.wallet(u.userId)).held).toBe(10_000n);
    await expect(f.request(buyer(u.userId), { ...input, amount: 11_000n })).rejects.toMatchObject({
      code: "idempotency_conflict",
    });
  });

  it("refuses without KYC, below the minimum, over the daily limit, over the balance — nothing held", async () => {
    const noKyc = await f.newUser(50_000n, { kyc: false });
    const ask = (u: { userId: string; accountId: string }, amount: bigint) =>
      f.request(buyer(u.userId), {
        userId: u.userId,
        payoutAccountId: u.accountId,
        amount,
        currency: CUR,
        idempotencyKey: key(),
      });
    expect(await ask(noKyc, 10_000n)).toEqual({ ok: false, code: "kyc_required" });
    expect(await f.wallet(noKyc.userId)).toMatchObject({ held: 0n });

    const u = await f.newUser(50_000n);
    expect(await ask(u, 999n)).toEqual({ ok: false, code: "below_minimum", minAmount: 1_000n });
    expect(await ask(u, 60_000n)).toEqual({ ok: false, code: "insufficient_funds" });
    f.rules.dailyLimit = 30_000n;
    expect((await ask(u, 20_000n)).ok).toBe(true);
    expect(await ask(u, 15_000n)).toEqual({ ok: false, code: "daily_limit", dailyLimit: 30_000n, usedToday: 20_000n });
    f.rules.allowed = false;
    expect(await ask(u, 5_000n)).toEqual({ ok: false, code: "not_allowed", message: "only distributors withdraw" });
    expect(await f.wallet(u.userId)).toMatchObject({ held: 20_000n });
    expect(await f.count("withdrawals", `user_id = '${u.userId}'`)).toBe(1);
    expect(await f.count("withdrawals", `user_id = '${noKyc.userId}'`)).toBe(0);
  });

  it("refuses bad input and other people's wallets with a clear error, changing nothing", async () => {
    const u = await f.newUser(50_000n);
    const before = await f.count("withdrawals");
    const base = {
      userId: u.userId,
      payoutAccountId: u.accountId,
      amount: 5_000n,
      currency: CUR,
      idempotencyKey: key(),
    };
    await expect(f.request(buyer(u.userId), { ...base, amount: 0n })).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining("amount"),
    });
    await expect(f.request(buyer(u.userId), { ...base, amount: -5n })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(f.request(buyer(u.userId), { ...base, currency: "EUR" as "CNY" })).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining("currency"),
    });
    await expect(f.request(buyer(u.userId), { ...base, payoutAccountId: "nope" })).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(f.request(buyer(u.userId), { ...base, payoutAccountId: crypto.randomUUID() })).rejects.toMatchObject({
      code: "payout_account_not_found",
    });
    const other = await f.newUser(50_000n);
    // Someone else's payout account, someone else's wallet, a staff member for a user: refused.
    await expect(f.request(buyer(u.userId), { ...base, payoutAccountId: other.accountId })).rejects.toMatchObject({
      code: "payout_account_not_found",
    });
    await expect(f.request(buyer(other.userId), base)).rejects.toMatchObject({ type: "forbidden" });
    await expect(f.request(staffCtx("owner"), base)).rejects.toMatchObject({ type: "forbidden" });
    expect(await f.count("withdrawals")).toBe(before);
    expect(await f.wallet(u.userId)).toMatchObject({ held: 0n });
  });

  it("racing withdrawals for one balance hold at most the balance", async () => {
    const u = await f.newUser(100_000n);
    const results = await Promise.all(
      Array.from({ length: 24 }, () =>
        f.request(buyer(u.userId), {
          userId: u.userId,
          payoutAccountId: u.accountId,
          amount: 30_000n,
          currency: CUR,
          idempotencyKey: key(),
        }),
      ),
    );
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(3);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === "insufficient_funds")).toBe(true);
    expect(await f.wallet(u.userId)).toEqual({ balance: 100_000n, held: 90_000n, available: 10_000n });
    expect((await f.ledger.check(sys)).ok).toBe(true);
  });
});

describe("the staff decision", () => {
  it("one staff approval under the threshold pays once: money leaves custody, the fee is revenue", async () => {
    const { userId, withdrawal } = await requested(20_000n);
    const custodyBefore = (await f.ledger.balance(sys, systemCode("custody", CUR))).balance;
    const revenueBefore = (await f.ledger.balance(sys, systemCode("revenue", CUR))).balance;
    const r = await f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! });
    expect(r).toMatchObject({ ok: true, result: { withdrawalId: withdrawal.id, status: "PAID" } });
    const w = await f.withdrawals.get(buyer(userId), { withdrawalId: withdrawal.id });
    expect(w).toMatchObject({ status: "PAID", payoutRef: expect.stringMatching(/^sbx_po_/) });
    expect(await f.wallet(userId)).toEqual({ balance: 80_000n, held: 0n, available: 80_000n });
    expect((await f.ledger.balance(sys, systemCode("custody", CUR))).balance - custodyBefore).toBe(20_000n);
    expect((await f.ledger.balance(sys, systemCode("revenue", CUR))).balance - revenueBefore).toBe(200n);
    expect(f.payouts.get(withdrawal.id)).toMatchObject({ status: "paid" });
    expect((await f.ledger.check(sys)).ok).toBe(true);
    expect((await f.ledger.reconcile(sys, CUR)).ok).toBe(true);
    expect(await events("withdrawal.paid", withdrawal.id)).toBe(1);
    expect(await f.count("audit_log", `target_id = '${withdrawal.id}' AND action = 'withdrawals.paid'`)).toBe(1);
  });

  it("twenty racing approvals pay exactly once", async () => {
    const { userId, withdrawal } = await requested(30_000n);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await f.wallet(userId)).toEqual({ balance: 70_000n, held: 0n, available: 70_000n });
    expect(await f.count("ledger_transactions", `idempotency_key = 'withdrawal-payout:${withdrawal.id}'`)).toBe(1);
    expect(await events("withdrawal.paid", withdrawal.id)).toBe(1);
    // Paying it again directly changes nothing.
    const again = await f.withdrawals.pay(staffCtx(), { withdrawalId: withdrawal.id, decidedBy: "x" });
    expect(again).toMatchObject({ ok: true, withdrawal: { status: "PAID" } });
    expect(await f.wallet(userId)).toMatchObject({ balance: 70_000n });
  });

  it("ten direct pay calls at once pay out once", async () => {
    const { userId, withdrawal } = await requested(12_000n);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => f.withdrawals.pay(staffCtx(), { withdrawalId: withdrawal.id, decidedBy: "t" })),
    );
    expect(results.every((r) => r.ok && r.withdrawal.status === "PAID")).toBe(true);
    expect(await f.wallet(userId)).toEqual({ balance: 88_000n, held: 0n, available: 88_000n });
    expect(await f.count("ledger_transactions", `idempotency_key LIKE 'withdrawal-%:${withdrawal.id}'`)).toBe(2);
    expect(await events("withdrawal.paid", withdrawal.id)).toBe(1);
  });

  it("an approval racing a rejection ends one way, with the hold captured or released — never both", async () => {
    for (let i = 0; i < 5; i++) {
      const { userId, withdrawal } = await requested(10_000n);
      await Promise.all([
        f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! }),
        f.approvals.reject(staffCtx(), { requestId: withdrawal.approvalId!, note: "race" }),
      ]);
      const w = await f.withdrawals.get(sys, { withdrawalId: withdrawal.id });
      expect(["PAID", "REJECTED"]).toContain(w.status);
      expect(await f.wallet(userId)).toEqual(
        w.status === "PAID"
          ? { balance: 90_000n, held: 0n, available: 90_000n }
          : { balance: 100_000n, held: 0n, available: 100_000n },
      );
    }
    expect((await f.ledger.check(sys)).ok).toBe(true);
  });

  it("over the threshold it takes two different staff members", async () => {
    const { userId, withdrawal } = await requested(60_000n);
    const first = staffCtx();
    const r1 = await f.approvals.approve(first, { requestId: withdrawal.approvalId! });
    expect(r1).toMatchObject({ ok: true, result: { status: "AWAITING_SECOND_APPROVAL" } });
    const confirmId = (r1 as { result: { approvalId: string } }).result.approvalId;
    expect(await f.wallet(userId)).toMatchObject({ balance: 100_000n, held: 60_000n });
    expect(await f.approvals.approve(first, { requestId: confirmId })).toMatchObject({
      ok: false,
      code: "own_request",
    });
    expect(await f.approvals.approve(staffCtx("owner"), { requestId: confirmId })).toMatchObject({
      ok: true,
      result: { status: "PAID" },
    });
    expect(await f.wallet(userId)).toEqual({ balance: 40_000n, held: 0n, available: 40_000n });
  });

  it("a role without withdrawals.approve cannot decide", async () => {
    const { withdrawal } = await requested(5_000n);
    await expect(f.approvals.approve(staffCtx("support"), { requestId: withdrawal.approvalId! })).rejects.toMatchObject(
      {
        type: "forbidden",
      },
    );
    expect((await f.withdrawals.get(sys, { withdrawalId: withdrawal.id })).status).toBe("PENDING");
  });

  it("a rejection releases the hold, once", async () => {
    const { userId, withdrawal } = await requested(25_000n);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        f.approvals.reject(staffCtx(), { requestId: withdrawal.approvalId!, note: "name does not match" }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 0n, available: 100_000n });
    expect(await f.withdrawals.get(buyer(userId), { withdrawalId: withdrawal.id })).toMatchObject({
      status: "REJECTED",
      reason: "name does not match",
    });
    expect(await events("withdrawal.rejected", withdrawal.id)).toBe(1);
    // A late approval cannot pay a rejected withdrawal.
    expect(await f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! })).toMatchObject({
      ok: false,
      code: "already_decided",
    });
    expect(await f.wallet(userId)).toMatchObject({ balance: 100_000n });
  });

  it("an undecided request expires: the hold is released", async () => {
    const { userId, withdrawal } = await requested(10_000n);
    f.clock.advance(25 * 3_600_000);
    expect(await f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! })).toMatchObject({
      ok: false,
      code: "expired",
    });
    expect(await f.withdrawals.get(sys, { withdrawalId: withdrawal.id })).toMatchObject({ status: "EXPIRED" });
    expect(await f.wallet(userId)).toMatchObject({ held: 0n });
    // The withdrawals' own sweeper closes any left PENDING past its expiry.
    const other = await requested(10_000n);
    f.clock.advance(73 * 3_600_000);
    expect((await f.withdrawals.expireDue(sys)).expired).toBeGreaterThanOrEqual(1);
    expect(await f.wallet(other.userId)).toMatchObject({ held: 0n });
    expect((await f.ledger.check(sys)).ok).toBe(true);
  });

  it("a payout the provider refuses fails the withdrawal and releases the hold", async () => {
    const u = await f.newUser(50_000n, { kind: "alipay", account: "13800000000" });
    const r = await f.request(buyer(u.userId), {
      userId: u.userId,
      payoutAccountId: u.accountId,
      amount: 10_000n,
      currency: CUR,
      idempotencyKey: key(),
    });
    if (!r.ok) throw new Error(r.code);
    const a = await f.approvals.approve(staffCtx(), { requestId: r.withdrawal.approvalId! });
    expect(a).toMatchObject({ ok: false, code: "execution_failed", error: expect.stringContaining("account closed") });
    expect(await f.withdrawals.get(sys, { withdrawalId: r.withdrawal.id })).toMatchObject({ status: "FAILED" });
    expect(await f.wallet(u.userId)).toEqual({ balance: 50_000n, held: 0n, available: 50_000n });
    expect(await events("withdrawal.rejected", r.withdrawal.id)).toBe(1);
  });

  it("a payout whose answer was lost stays PAYING with the hold; asking again pays once, same reference", async () => {
    const { userId, withdrawal } = await requested(15_000n);
    f.loseNextAnswers(1);
    const first = await f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! });
    expect(first.ok).toBe(false);
    expect(await f.withdrawals.get(sys, { withdrawalId: withdrawal.id })).toMatchObject({ status: "PAYING" });
    // The provider paid, but until it says so the money stays held: neither paid out in the ledger nor released.
    expect(f.payouts.get(withdrawal.id)).toMatchObject({ status: "paid" });
    expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 15_000n, available: 85_000n });
    expect(await events("withdrawal.paid", withdrawal.id)).toBe(0);

    // Ten operators press "retry" at once (the CLI's `withdrawal retry-payout` is this call).
    const retries = await Promise.all(
      Array.from({ length: 10 }, () => f.withdrawals.pay(staffCtx(), { withdrawalId: withdrawal.id, decidedBy: "t" })),
    );
    expect(retries.every((r) => r.ok && r.withdrawal.status === "PAID")).toBe(true);
    expect(await f.withdrawals.get(sys, { withdrawalId: withdrawal.id })).toMatchObject({
      status: "PAID",
      payoutRef: (f.payouts.get(withdrawal.id) as { providerRef: string }).providerRef,
    });
    expect(await f.wallet(userId)).toEqual({ balance: 85_000n, held: 0n, available: 85_000n });
    expect(await f.count("ledger_transactions", `idempotency_key = 'withdrawal-payout:${withdrawal.id}'`)).toBe(1);
    expect(await events("withdrawal.paid", withdrawal.id)).toBe(1);
    expect((await f.ledger.check(sys)).ok).toBe(true);
  });

  it("the payout sweeper asks again about PAYING withdrawals decided long enough ago, and records each once", async () => {
    const { userId, withdrawal } = await requested(11_000n);
    f.loseNextAnswers(1);
    expect((await f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! })).ok).toBe(false);
    // Too recent: left alone; later, the provider still silent: counted unknown, the hold stays.
    expect(await f.withdrawals.retryUnknownPayouts(sys, { olderThanMs: 60_000 })).toEqual({
      paid: 0,
      failed: 0,
      unknown: 0,
    });
    f.clock.advance(120_000);
    f.loseNextAnswers(1);
    expect(await f.withdrawals.retryUnknownPayouts(sys, { olderThanMs: 60_000 })).toMatchObject({ unknown: 1 });
    expect(await f.wallet(userId)).toMatchObject({ held: 11_000n });
    const runs = await Promise.all(
      [1, 2, 3].map(() => f.withdrawals.retryUnknownPayouts(sys, { olderThanMs: 60_000 })),
    );
    expect(runs.reduce((n, r) => n + r.paid, 0)).toBeGreaterThanOrEqual(1);
    expect(await f.withdrawals.get(sys, { withdrawalId: withdrawal.id })).toMatchObject({ status: "PAID" });
    expect(await f.wallet(userId)).toEqual({ balance: 89_000n, held: 0n, available: 89_000n });
    expect(await f.count("ledger_transactions", `idempotency_key = 'withdrawal-payout:${withdrawal.id}'`)).toBe(1);
    expect(await events("withdrawal.paid", withdrawal.id)).toBe(1);
    await expect(f.withdrawals.retryUnknownPayouts(buyer(userId))).rejects.toMatchObject({ code: "forbidden" });
  });

  it("the outbox payloads carry no payout account", async () => {
    const rows = await f.t.db.sql.query<{ payload: unknown }>(
      raw(`SELECT payload FROM outbox_events WHERE type LIKE 'withdrawal.%'`),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(JSON.stringify(r.payload)).not.toMatch(/6222|1380000/);
  });

  it("the ledger check and reconciliation hold after all of it", async () => {
    expect((await f.ledger.check(sys)).ok).toBe(true);
    expect((await f.ledger.reconcile(sys, CUR)).ok).toBe(true);
    expect(walletCode).toBeTypeOf("function");
  });
});
