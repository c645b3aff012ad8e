import type { Clock, SecretBox, Sql, SqlExecutor } from "../shared/index.ts";
import type { SupplierCode, SupplierOutcome } from "./supplier-client.port.ts";
import { isFinalOutcome } from "./supplier-client.port.ts";
import {
  ensureRequestSql,
  pendingRequestsSql,
  recordOutcomeSql,
  requestSql,
  touchRequestSql,
  type SupplierRequestRow,
} from "./suppliers.sql.ts";
import type { PendingSupplierRequest, SupplierRequestStatus } from "./types.ts";

/**
 * The `supplier_requests` row mirrors what we know of one request at the supplier:
 * PENDING = accepted but not done, or outcome unknown (timeout, 5xx, unverifiable answer) — the polling job
 * queries these; SUCCEEDED = final; FAILED = the supplier did not do it (final when not retryable).
 * `result` holds the outcome with any codes encrypted (`codesEnc`): codes are never stored in clear.
 */
type StoredOutcome =
  | { status: "succeeded"; externalRef: string; codesEnc?: string }
  | { status: "pending"; externalRef: string | null }
  | {
      status: "failed";
      retryable: boolean;
      unknown: boolean;
      reason: Extract<SupplierOutcome, { status: "failed" }>["reason"];
      detail?: string;
    };

export type { SupplierRequestRow };

export function rowStatusFor(outcome: SupplierOutcome): SupplierRequestStatus {
  switch (outcome.status) {
    case "succeeded":
      return "SUCCEEDED";
    case "pending":
      return "PENDING";
    case "failed":
      return outcome.unknown ? "PENDING" : "FAILED";
  }
}

export class SupplierRequestStore {
  constructor(
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * Creates the PENDING row unless the key exists; returns the row as it now stands. One statement in
   * the usual case (the row inserted, or an existing one read by the same statement).
   */
  async ensure(
    db: SqlExecutor,
    input: { requestKey: string; orderId: string; supplierId: string; newId: string },
  ): Promise<SupplierRequestRow> {
    const rows = await db.query<SupplierRequestRow>(
      ensureRequestSql({ ...input, id: input.newId, now: this.clock.now() }),
    );
    // A row committed by a concurrent insert after this statement's snapshot: read it again.
    const row = rows[0] ?? (await this.find(db, input.requestKey));
    if (!row) throw new Error("supplier request row vanished");
    return row;
  }

  async find(db: SqlExecutor, requestKey: string): Promise<SupplierRequestRow | null> {
    return (await db.query<SupplierRequestRow>(requestSql(requestKey)))[0] ?? null;
  }

  /** Requests still PENDING untouched for `olderThanMs`, oldest first (the polling job's work). */
  pending(db: SqlExecutor, olderThanMs: number, limit: number): Promise<PendingSupplierRequest[]> {
    return db.query<PendingSupplierRequest>(
      pendingRequestsSql(new Date(this.clock.now().getTime() - olderThanMs), limit),
    );
  }

  /** The outcome recorded on a row, codes decrypted; null while nothing has been recorded. */
  outcomeOf(row: SupplierRequestRow): SupplierOutcome | null {
    const s = row.result as StoredOutcome | null;
    if (!s) return null;
    switch (s.status) {
      case "succeeded":
        return s.codesEnc
          ? {
              status: "succeeded",
              externalRef: s.externalRef,
              codes: JSON.parse(this.secrets.decrypt(s.codesEnc)) as SupplierCode[],
            }
          : { status: "succeeded", externalRef: s.externalRef };
      case "pending":
        return { status: "pending", externalRef: s.externalRef };
      case "failed":
        return s.detail === undefined
          ? { status: "failed", retryable: s.retryable, unknown: s.unknown, reason: s.reason }
          : { status: "failed", retryable: s.retryable, unknown: s.unknown, reason: s.reason, detail: s.detail };
    }
  }

  /** A recorded outcome that no later answer can change (we do not call the supplier again for it). */
  finalOutcome(row: SupplierRequestRow): SupplierOutcome | null {
    const o = this.outcomeOf(row);
    return o && isFinalOutcome(o) ? o : null;
  }

  /**
   * Records an answer and returns what stands afterwards, in one atomic statement: a recorded success
   * is never overturned, and a final failure is only replaced by a success (the supplier did deliver
   * after all). When the recorded outcome stands, the row is only touched (`updated_at`).
   */
  async record(db: SqlExecutor, requestKey: string, outcome: SupplierOutcome): Promise<SupplierOutcome> {
    const now = this.clock.now();
    const updated = await db.execute(this.recordSql(requestKey, outcome, now));
    if (updated === 1) return outcome;
    const [row] = await db.query<SupplierRequestRow>(touchRequestSql(requestKey, now));
    const current = row ? this.outcomeOf(row) : null;
    if (!current) throw new Error("supplier request row vanished");
    return current;
  }

  /** The statement of `record` that writes the answer (and changes nothing when the recorded one stands). */
  recordSql(requestKey: string, outcome: SupplierOutcome, now = this.clock.now()): Sql {
    return recordOutcomeSql({
      requestKey,
      status: rowStatusFor(outcome),
      succeeded: outcome.status === "succeeded",
      externalRef: outcome.status === "failed" ? null : (outcome.externalRef ?? null),
      stored: JSON.stringify(this.toStored(outcome)),
      error: outcome.status === "failed" ? outcome.reason : null,
      now,
    });
  }

  private toStored(outcome: SupplierOutcome): StoredOutcome {
    switch (outcome.status) {
      case "succeeded":
        return outcome.codes?.length
          ? {
              status: "succeeded",
              externalRef: outcome.externalRef,
              codesEnc: this.secrets.encrypt(JSON.stringify(outcome.codes)),
            }
          : { status: "succeeded", externalRef: outcome.externalRef };
      case "pending":
        return { status: "pending", externalRef: outcome.externalRef };
      case "failed":
        return outcome.detail === undefined
          ? { status: "failed", retryable: outcome.retryable, unknown: outcome.unknown, reason: outcome.reason }
          : {
              status: "failed",
              retryable: outcome.retryable,
              unknown: outcome.unknown,
              reason: outcome.reason,
              detail: outcome.detail,
            };
    }
  }
}
