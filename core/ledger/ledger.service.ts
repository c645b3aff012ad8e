import {
  DomainError,
  invalidData,
  notFound,
  requestHash,
  inSqlTx,
  kamengFailure,
  violatesCheck,
  type Clock,
  type CoreContext,
  type Currency,
  type SqlExecutor,
  type SqlRunner,
  type SqlTx,
} from "../shared/index.ts";
import { parseAccountCode, receivableCode, supplierPayableCode, systemCode, walletCode } from "./account-codes.ts";
import { captureHold, dueHolds, placeHold, releaseHold } from "./holds.ts";
import { checkLedger, reconcileCurrency } from "./ledger-check.ts";
import { assertKey, assertUuid } from "./ledger-input.ts";
import type {
  Balance,
  Leg,
  Ledger,
  PostInput,
  PostOptions,
  PostResult,
  ReverseInput,
  StatementEntry,
} from "./ledger.types.ts";
import { accountSql, entriesBeforeSql, entriesSql, REPEATABLE_READ, transactionLegsSql } from "./ledger.sql.ts";
import { KnownAccounts, lockAccounts, readAccount, toAccount } from "./lock-accounts.ts";
import {
  ACCOUNT_MISSING,
  canRunShort,
  postDeferred,
  postTransaction,
  ShortOfFunds,
  type Posting,
} from "./post-transaction.ts";
import { validateLegs } from "./validate-legs.ts";

export interface LedgerDeps {
  /** Every ledger statement runs here (docs/data-access.md); a caller's transaction is one of its. */
  sql: SqlRunner;
  clock: Clock;
}

/** The CHECK that keeps a wallet from going negative: the backstop behind the guarded update. */
const WALLET_NON_NEGATIVE = "ledger_accounts_non_negative";

export function createLedger({ sql, clock }: LedgerDeps): Ledger {
  const known = new KnownAccounts();

  async function runPosting(
    opts: PostOptions | undefined,
    build: (tx: SqlExecutor) => Promise<Posting> | Posting,
  ): Promise<PostResult> {
    if (opts?.tx && opts.callerRollsBackOnFailure) {
      if (opts.deferred)
        return postDeferred(opts.tx, await build(opts.tx), known, clock.now(), {
          last: opts.last,
          transactionId: opts.transactionId,
          onlyIf: opts.onlyIf,
        });
      try {
        return await postTransaction(opts.tx, await build(opts.tx), known, clock.now(), opts.transactionId);
      } catch (e) {
        if (e instanceof ShortOfFunds) return { ok: false, code: "insufficient_funds", account: e.account };
        throw e;
      }
    }
    if (opts?.tx) return postInCallersTx(opts.tx, await build(opts.tx));
    for (let attempt = 1; ; attempt++) {
      let posting: Posting | undefined;
      try {
        return await sql.transaction(async (tx) => {
          posting = await build(tx);
          return postTransaction(tx, posting, known, clock.now());
        });
      } catch (e) {
        if (e instanceof ShortOfFunds) return { ok: false, code: "insufficient_funds", account: e.account };
        // The wallet CHECK constraint is a backstop behind the guarded update; it still means "short".
        if (posting && violatesCheck(e, WALLET_NON_NEGATIVE)) {
          const debited = posting.legs.find((l) => canRunShort({ ...l.account, delta: l.amount })) ?? posting.legs[0]!;
          return { ok: false, code: "insufficient_funds", account: debited.account.code };
        }
        if (attempt < 3 && e instanceof DomainError && e.code === "ledger_retry") continue;
        throw e;
      }
    }
  }

  /**
   * In a caller's transaction a posting runs under a savepoint: one that runs short must not leave half
   * its writes behind nor poison the transaction, and one that finds an account missing (its creator
   * rolled back, or this process's cache of existing accounts was wrong) is undone to the savepoint and
   * retried with the account created, instead of failing the caller's whole transaction. (A savepoint
   * costs no round trip of its own on the pipelining runner: it rides with the next statement.)
   */
  async function postInCallersTx(tx: SqlTx, posting: Posting): Promise<PostResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tx.savepoint(() => postTransaction(tx, posting, known, clock.now()));
      } catch (e) {
        if (e instanceof ShortOfFunds) return { ok: false, code: "insufficient_funds", account: e.account };
        if (attempt >= 3 || !(e instanceof DomainError) || e.code !== "ledger_retry") throw e;
      }
    }
  }

  /**
   * The wallet debits of a reversal, capped at what each wallet has available (its row locked first, so
   * the cap holds until the commit); the rest is booked to the owner's receivable and covered into
   * custody by the platform.
   */
  async function coverShortfalls(legs: Leg[], tx: SqlExecutor): Promise<Leg[]> {
    const debited = legs.map((l) => ({ leg: l, parsed: parseAccountCode(l.account) }));
    const wallets = debited.filter((d) => d.parsed.kind === "WALLET" && d.leg.amount < 0n).map((d) => d.parsed);
    if (wallets.length === 0) return legs;
    const locked = await lockAccounts(tx, wallets, known, clock.now());
    const out: Leg[] = [];
    for (const { leg, parsed } of debited) {
      const account = locked.get(leg.account);
      if (!account || leg.amount >= 0n) {
        out.push(leg);
        continue;
      }
      const available = account.balance - account.held;
      const covered = available <= 0n ? 0n : available < -leg.amount ? available : -leg.amount;
      const short = -leg.amount - covered;
      if (covered > 0n) out.push({ account: leg.account, amount: -covered });
      if (short > 0n)
        out.push(
          { account: receivableCode(parsed.ownerId!, parsed.currency), amount: -short },
          { account: systemCode("custody", parsed.currency), amount: -short },
          { account: systemCode("platform_cash", parsed.currency), amount: short },
        );
    }
    // One leg per account (the shortfall legs meet the reversal's own custody and platform-cash legs).
    const merged = new Map<string, bigint>();
    for (const l of out) merged.set(l.account, (merged.get(l.account) ?? 0n) + l.amount);
    return [...merged].filter(([, amount]) => amount !== 0n).map(([account, amount]) => ({ account, amount }));
  }

  return {
    walletCode,
    systemCode,
    supplierPayableCode,

    async accountFor(_ctx, code, currency, opts) {
      const parsed = parseAccountCode(code);
      if (parsed.currency !== currency)
        throw invalidData("currency_mismatch", `account ${code} is kept in ${parsed.currency}, not ${currency}`);
      return inSqlTx(sql, opts, async (tx) =>
        parsed.balanceMode === "CACHED"
          ? (await lockAccounts(tx, [parsed], known, clock.now())).get(code)!
          : readAccount(tx, parsed, known, clock.now()),
      );
    },

    async post(_ctx: CoreContext, input: PostInput, opts) {
      assertKey(input.idempotencyKey);
      if (typeof input.kind !== "string" || input.kind.length === 0 || input.kind.length > 64)
        throw invalidData("invalid_kind", "a transaction kind is a non-empty string of at most 64 characters");
      const legs = validateLegs(input.legs);
      const memo = input.memo ?? null;
      const metadata = input.metadata ?? null;
      return runPosting(opts, () => ({
        idempotencyKey: input.idempotencyKey,
        requestHash: requestHash({
          kind: input.kind,
          memo,
          metadata,
          legs: input.legs.map((l) => ({ account: l.account, amount: l.amount })),
        }),
        kind: input.kind,
        memo,
        metadata,
        reversesId: null,
        legs,
      }));
    },

    async reverse(_ctx, input: ReverseInput, opts) {
      assertKey(input.idempotencyKey);
      assertUuid(input.transactionId, "transactionId");
      const reason = String(input.reason ?? "").slice(0, 500);
      return runPosting(opts, async (tx) => {
        const original = await tx.query<{ account: string; amount: bigint }>(transactionLegsSql(input.transactionId));
        if (original.length === 0)
          throw notFound("transaction_not_found", "no such ledger transaction", { transactionId: input.transactionId });
        return {
          idempotencyKey: input.idempotencyKey,
          requestHash: requestHash({ reverses: input.transactionId, reason }),
          kind: "reversal",
          memo: reason || null,
          metadata: null,
          reversesId: input.transactionId,
          legs: validateLegs(
            await (input.shortfallToReceivable ? coverShortfalls : (x: Leg[]) => x)(
              original.map((l) => ({ account: l.account, amount: -BigInt(l.amount) })),
              tx,
            ),
          ),
        };
      });
    },

    hold: (_ctx, input, opts) => inSqlTx(sql, opts, (tx) => placeHold(tx, input, known, clock)),
    captureHold: (_ctx, input, opts) => inSqlTx(sql, opts, (tx) => captureHold(tx, input, known, clock)),
    releaseHold: (_ctx, input, opts) => inSqlTx(sql, opts, (tx) => releaseHold(tx, input.holdId, clock)),

    async expireHolds(_ctx, opts) {
      const limit = Math.max(1, Math.min(10_000, Math.floor(opts?.limit ?? 500)));
      const ids = await dueHolds(sql, clock.now(), limit);
      let expired = 0;
      // One short transaction per hold: the sweeper never holds many account locks at once.
      for (const id of ids) {
        const r = await sql.transaction((tx) => releaseHold(tx, id, clock, "EXPIRED"));
        if (!r.replayed) expired++;
      }
      return { expired };
    },

    async balance(_ctx, code, opts): Promise<Balance> {
      parseAccountCode(code);
      // A SUMMED account's balance is summed from its entries in this one statement's snapshot.
      const [row] = await (opts?.tx ?? sql).query<Parameters<typeof toAccount>[0]>(accountSql(code));
      if (!row) return { balance: 0n, held: 0n, available: 0n };
      const a = toAccount(row);
      return { balance: a.balance, held: a.held, available: a.balance - a.held };
    },

    async entries(_ctx, code, input) {
      parseAccountCode(code);
      if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 1000)
        throw invalidData("invalid_limit", "limit must be a whole number from 1 to 1000");
      return sql.query<StatementEntry>(
        input.beforeId === undefined
          ? entriesSql(code, input.limit)
          : entriesBeforeSql(code, input.beforeId, input.limit),
      );
    },

    check: (_ctx, opts) =>
      opts?.tx
        ? checkLedger(opts.tx)
        : sql.transaction(async (tx) => {
            await tx.execute(REPEATABLE_READ);
            return checkLedger(tx);
          }),

    reconcile: (_ctx, currency: Currency, opts) => reconcileCurrency(opts?.tx ?? sql, currency),

    deferredFailure(e) {
      if (violatesCheck(e, WALLET_NON_NEGATIVE)) return "insufficient_funds";
      if (kamengFailure(e)?.reason === ACCOUNT_MISSING) {
        // Which account is gone is not known here: every cached "exists" is dropped and re-checked.
        known.clear();
        return "ledger_retry";
      }
      return undefined;
    },
  };
}
