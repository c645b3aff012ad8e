import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyer, CUR, openWithdrawals, staffCtx, sys, type WithdrawalsFixture } from "./withdrawals-fixture.ts";

let f: WithdrawalsFixture;
beforeAll(async () => {
  f = await openWithdrawals("withdrawalcancel", { CNY: 50_000n });
});
afterAll(() => f.close());

let n = 0;
async function requested(amount: bigint, balance = 100_000n) {
  const u = await f.newUser(balance);
  const r = await f.request(buyer(u.userId), {
    userId: u.userId,
    payoutAccountId: u.accountId,
    amount,
    currency: CUR,
    idempotencyKey: `c-${++n}`,
  });
  if (!r.ok) throw new Error(`request refused: ${r.code}`);
  return { ...u, withdrawal: r.withdrawal };
}

describe("withdrawals: terms, preview and the owner's cancel (what the chat screens use)", () => {
  it("terms say the rules and what today used; preview refuses as request would, holding nothing", async () => {
    const { userId } = await requested(20_000n);
    const me = buyer(userId);
    expect(await f.withdrawals.terms(me, { userId, currency: CUR })).toMatchObject({
      kycVerified: true,
      allowed: true,
      minAmount: 1_000n,
      dailyLimit: 10_000_000n,
      usedToday: 20_000n,
    });
    const preview = (amount: bigint, available?: bigint) =>
      f.withdrawals.preview(me, { userId, amount, currency: CUR, ...(available !== undefined ? { available } : {}) });
    expect(await preview(10_000n, 80_000n)).toEqual({ ok: true, amount: 10_000n, fee: 100n, net: 9_900n });
    expect(await preview(500n)).toMatchObject({ ok: false, code: "below_minimum" });
    expect(await preview(90_000n, 80_000n)).toEqual({ ok: false, code: "insufficient_funds" });
    f.rules.dailyLimit = 25_000n;
    expect(await preview(10_000n)).toMatchObject({ ok: false, code: "daily_limit", usedToday: 20_000n });
    f.rules.dailyLimit = 10_000_000n;
    expect(await f.wallet(userId)).toMatchObject({ held: 20_000n });
    // Nobody else may look: terms and preview are the owner's.
    const other = await f.newUser(0n);
    await expect(f.withdrawals.terms(buyer(other.userId), { userId, currency: CUR })).rejects.toMatchObject({
      type: "forbidden",
    });
  });

  it("the owner cancels a PENDING request once: the hold is released, an event and an audit row written", async () => {
    const { userId, withdrawal } = await requested(10_000n);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => f.withdrawals.cancel(buyer(userId), { userId, withdrawalId: withdrawal.id })),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.every((r) => r.withdrawal.status === "CANCELLED")).toBe(true);
    expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 0n, available: 100_000n });
    expect(
      await f.count("outbox_events", `type = 'withdrawal.cancelled' AND payload->>'withdrawalId' = '${withdrawal.id}'`),
    ).toBe(1);
    expect(await f.count("audit_log", `action = 'withdrawals.cancelled' AND target_id = '${withdrawal.id}'`)).toBe(1);
    // The staff decision that still waits fails cleanly and pays nothing.
    const r = await f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! });
    expect(r.ok).toBe(false);
    expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 0n, available: 100_000n });
  });

  it("someone else (a buyer or staff) cannot cancel it", async () => {
    const { userId, withdrawal } = await requested(10_000n);
    const other = await f.newUser(0n);
    await expect(
      f.withdrawals.cancel(buyer(other.userId), { userId: other.userId, withdrawalId: withdrawal.id }),
    ).rejects.toMatchObject({ code: "withdrawal_not_found" });
    await expect(
      f.withdrawals.cancel(buyer(other.userId), { userId, withdrawalId: withdrawal.id }),
    ).rejects.toMatchObject({
      type: "forbidden",
    });
    await expect(
      f.withdrawals.cancel(staffCtx("owner"), { userId, withdrawalId: withdrawal.id }),
    ).rejects.toMatchObject({ type: "forbidden" });
    expect(await f.withdrawals.get(sys, { withdrawalId: withdrawal.id })).toMatchObject({ status: "PENDING" });
  });

  it("a cancel racing the staff approval ends one way: paid or cancelled, the hold captured or released once", async () => {
    for (let i = 0; i < 5; i++) {
      const { userId, withdrawal } = await requested(10_000n);
      await Promise.allSettled([
        f.approvals.approve(staffCtx(), { requestId: withdrawal.approvalId! }),
        f.withdrawals.cancel(buyer(userId), { userId, withdrawalId: withdrawal.id }),
      ]);
      const w = await f.withdrawals.get(sys, { withdrawalId: withdrawal.id });
      expect(["PAID", "CANCELLED"]).toContain(w.status);
      expect(await f.wallet(userId)).toEqual(
        w.status === "PAID"
          ? { balance: 90_000n, held: 0n, available: 90_000n }
          : { balance: 100_000n, held: 0n, available: 100_000n },
      );
    }
    expect((await f.ledger.check(sys)).ok).toBe(true);
  });

  it("an account with a withdrawal on its way cannot be removed; afterwards it can", async () => {
    const { userId, accountId, withdrawal } = await requested(10_000n);
    const remove = () => f.withdrawals.removePayoutAccount(buyer(userId), { userId, payoutAccountId: accountId });
    await expect(remove()).rejects.toMatchObject({ code: "payout_account_in_use" });
    await f.withdrawals.cancel(buyer(userId), { userId, withdrawalId: withdrawal.id });
    await remove();
    expect(await f.withdrawals.payoutAccounts(buyer(userId), { userId })).toEqual([]);
  });

  it("a removal while a request is in its transaction waits for it, then refuses: the account is in use", async () => {
    const { userId, accountId } = await f.newUser(100_000n);
    let removal: Promise<void> | undefined;
    f.insideRequest.run = async () => {
      f.insideRequest.run = null;
      removal = f.withdrawals.removePayoutAccount(buyer(userId), { userId, payoutAccountId: accountId });
      removal.catch(() => {});
      // Time enough for the removal to commit, were it not made to wait for this transaction.
      await new Promise((r) => setTimeout(r, 200));
    };
    const r = await f.request(buyer(userId), {
      userId,
      payoutAccountId: accountId,
      amount: 10_000n,
      currency: CUR,
      idempotencyKey: "inside-1",
    });
    expect(r.ok).toBe(true);
    await expect(removal).rejects.toMatchObject({ code: "payout_account_in_use" });
    expect((await f.withdrawals.payoutAccounts(buyer(userId), { userId })).map((a) => a.id)).toEqual([accountId]);
    // And a request after a removal finds no account, holding nothing.
    const other = await f.newUser(100_000n);
    await f.withdrawals.removePayoutAccount(buyer(other.userId), {
      userId: other.userId,
      payoutAccountId: other.accountId,
    });
    await expect(
      f.request(buyer(other.userId), {
        userId: other.userId,
        payoutAccountId: other.accountId,
        amount: 10_000n,
        currency: CUR,
        idempotencyKey: "after-removal",
      }),
    ).rejects.toMatchObject({ code: "payout_account_not_found" });
    expect(await f.wallet(other.userId)).toEqual({ balance: 100_000n, held: 0n, available: 100_000n });
  });

  it("a removal racing a request ends one way: the withdrawal with its account kept, or neither", async () => {
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const { userId, accountId } = await f.newUser(100_000n);
        const [request, removal] = await Promise.allSettled([
          f.request(buyer(userId), {
            userId,
            payoutAccountId: accountId,
            amount: 10_000n,
            currency: CUR,
            idempotencyKey: `race-${i}`,
          }),
          f.withdrawals.removePayoutAccount(buyer(userId), { userId, payoutAccountId: accountId }),
        ]);
        const accounts = await f.withdrawals.payoutAccounts(buyer(userId), { userId });
        const requested = request.status === "fulfilled" && request.value.ok;
        if (requested) {
          expect(removal).toMatchObject({ status: "rejected", reason: { code: "payout_account_in_use" } });
          expect(accounts.map((a) => a.id)).toEqual([accountId]);
          expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 10_000n, available: 90_000n });
        } else {
          expect(request).toMatchObject({ status: "rejected", reason: { code: "payout_account_not_found" } });
          expect(removal.status).toBe("fulfilled");
          expect(accounts).toEqual([]);
          expect(await f.wallet(userId)).toEqual({ balance: 100_000n, held: 0n, available: 100_000n });
        }
      }),
    );
  });
});
