import {
  conflict,
  invalidData,
  MAX_MINOR,
  notFound,
  requestHash,
  type Clock,
  type SqlExecutor,
} from "../shared/index.ts";
import { parseAccountCode } from "./account-codes.ts";
import { lockAccounts, type KnownAccounts } from "./lock-accounts.ts";
import {
  captureTransactionSql,
  dueHoldsSql,
  holdByKeySql,
  insertHoldSql,
  lockHoldSql,
  markHoldCapturedSql,
  releaseHoldSql,
  type HoldRow,
} from "./ledger.sql.ts";
import type { CaptureHoldInput, CaptureHoldResult, HoldInput, HoldResult, ReleaseHoldResult } from "./ledger.types.ts";
import { postTransaction } from "./post-transaction.ts";
import { validateLegs } from "./validate-legs.ts";
import { assertKey, assertUuid } from "./ledger-input.ts";

export async function placeHold(
  tx: SqlExecutor,
  input: HoldInput,
  known: KnownAccounts,
  clock: Clock,
): Promise<HoldResult> {
  assertKey(input.idempotencyKey);
  const account = parseAccountCode(String(input.account));
  // A summed account has no cached `held` to reserve against (and its row is never locked).
  if (account.balanceMode !== "CACHED")
    throw invalidData("hold_not_supported", `holds are placed on wallets only, not on ${account.code}`);
  if (typeof input.amount !== "bigint" || input.amount <= 0n || input.amount >= MAX_MINOR)
    throw invalidData("invalid_amount", `a hold amount must be a positive bigint below ${MAX_MINOR}`);
  if (input.expiresAt !== undefined && !(input.expiresAt instanceof Date && !Number.isNaN(input.expiresAt.getTime())))
    throw invalidData("invalid_expiry", "expiresAt must be a valid Date");
  const hash = requestHash({ account: account.code, amount: input.amount, expiresAt: input.expiresAt });
  const now = clock.now();
  const locked = (await lockAccounts(tx, [account], known, now)).get(account.code)!;

  const earlier = async (): Promise<HoldResult | undefined> => {
    const [row] = await tx.query<{ id: string; requestHash: string }>(holdByKeySql(input.idempotencyKey));
    if (!row) return undefined;
    if (row.requestHash !== hash)
      throw conflict("idempotency_conflict", "this idempotency key was already used for a different hold");
    return { ok: true, holdId: row.id, replayed: true };
  };

  if (!locked.allowNegative && locked.balance - locked.held < input.amount)
    return (await earlier()) ?? { ok: false, code: "insufficient_funds", account: account.code };

  const rows = await tx.query<{ id: string }>(
    insertHoldSql({
      accountId: locked.id,
      amount: input.amount,
      idempotencyKey: input.idempotencyKey,
      requestHash: hash,
      expiresAt: input.expiresAt ?? null,
      now,
    }),
  );
  if (rows[0]) return { ok: true, holdId: rows[0].id, replayed: false };
  const replay = await earlier();
  if (!replay) throw new Error("hold idempotency row disappeared");
  return replay;
}

async function lockHold(tx: SqlExecutor, holdId: string): Promise<HoldRow> {
  assertUuid(holdId, "holdId");
  const [row] = await tx.query<HoldRow>(lockHoldSql(holdId));
  if (!row) throw notFound("hold_not_found", "no such hold", { holdId });
  return { ...row, amount: BigInt(row.amount) };
}

const notActive = (hold: HoldRow, why: string) =>
  conflict("hold_not_active", `the hold is ${why}`, { holdId: hold.id, status: hold.status });

export async function captureHold(
  tx: SqlExecutor,
  input: CaptureHoldInput,
  known: KnownAccounts,
  clock: Clock,
): Promise<CaptureHoldResult> {
  assertKey(input.idempotencyKey);
  if (!Array.isArray(input.legs) || input.legs.length === 0)
    throw invalidData("invalid_legs", "a capture needs at least one credit leg");
  for (const [i, leg] of input.legs.entries())
    if (typeof leg?.amount !== "bigint" || leg.amount <= 0n)
      throw invalidData("invalid_legs", `leg ${i}: a capture leg is a credit (positive bigint amount)`);
  const kind = input.kind ?? "hold_capture";
  const memo = input.memo ?? null;
  const metadata = input.metadata ?? null;
  const hash = requestHash({ capture: input.holdId, kind, memo, metadata, legs: input.legs });
  const now = clock.now();
  const hold = await lockHold(tx, input.holdId);

  if (hold.status === "CAPTURED") {
    const [prior] = await tx.query<{ key: string; requestHash: string }>(
      captureTransactionSql(hold.captureTransactionId),
    );
    if (prior?.key !== input.idempotencyKey) throw notActive(hold, "already captured");
    if (prior.requestHash !== hash)
      throw conflict("idempotency_conflict", "this hold was captured with different legs under this key");
    return { ok: true, transactionId: hold.captureTransactionId!, replayed: true };
  }
  if (hold.status !== "ACTIVE") throw notActive(hold, hold.status === "EXPIRED" ? "expired" : "released");
  if (hold.expiresAt && hold.expiresAt.getTime() <= now.getTime()) throw notActive(hold, "past its expiry");

  const legs = validateLegs([{ account: hold.accountCode, amount: -hold.amount }, ...input.legs]);
  const result = await postTransaction(
    tx,
    {
      idempotencyKey: input.idempotencyKey,
      requestHash: hash,
      kind,
      memo,
      metadata,
      reversesId: null,
      legs,
      release: { account: hold.accountCode, amount: hold.amount },
    },
    known,
    now,
  );
  // Credits and a debit fully covered by the hold cannot run short.
  if (!result.ok) throw new Error(`capturing hold ${hold.id} ran short on ${result.account}`);
  if (result.replayed)
    throw conflict("idempotency_conflict", "this idempotency key was already used for another posting");
  await tx.execute(markHoldCapturedSql(hold.id, result.transactionId, now));
  return { ok: true, transactionId: result.transactionId, replayed: false };
}

/** Releases an active hold (as RELEASED, or EXPIRED by the sweeper); releasing it again is a replay. */
export async function releaseHold(
  tx: SqlExecutor,
  holdId: string,
  clock: Clock,
  as: "RELEASED" | "EXPIRED" = "RELEASED",
): Promise<ReleaseHoldResult> {
  const hold = await lockHold(tx, holdId);
  if (hold.status === "CAPTURED") throw notActive(hold, "already captured");
  if (hold.status !== "ACTIVE") return { ok: true, replayed: true };
  const now = clock.now();
  if (as === "EXPIRED" && !(hold.expiresAt && hold.expiresAt.getTime() <= now.getTime()))
    return { ok: true, replayed: true };
  await tx.execute(releaseHoldSql(hold.id, as, now));
  return { ok: true, replayed: false };
}

export async function dueHolds(tx: SqlExecutor, now: Date, limit: number): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(dueHoldsSql(now, limit));
  return rows.map((r) => r.id);
}
