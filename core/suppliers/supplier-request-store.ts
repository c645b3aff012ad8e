import { Prisma } from "../../prisma/generated/client.ts";
import type { Clock, DbOrTx, SecretBox } from "../shared/index.ts";
import type { SupplierCode, SupplierOutcome } from "./supplier-client.port.ts";
import { isFinalOutcome } from "./supplier-client.port.ts";
import type { SupplierRequestStatus } from "./types.ts";

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

export interface SupplierRequestRow {
  requestKey: string;
  orderId: string;
  supplierId: string;
  status: string;
  result: unknown;
}

/** Selected as text (json parsed here) so Prisma and node-postgres return the same shapes. */
const ROW_COLUMNS = Prisma.sql`request_key AS "requestKey", order_id::text AS "orderId",
  supplier_id::text AS "supplierId", status, result::text AS result`;

type RawRow = Omit<SupplierRequestRow, "result"> & { result: string | null };

const fromRaw = (r: RawRow): SupplierRequestRow => ({ ...r, result: r.result === null ? null : JSON.parse(r.result) });

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
    db: DbOrTx,
    input: { requestKey: string; orderId: string; supplierId: string; newId: string },
  ): Promise<SupplierRequestRow> {
    const now = this.clock.now();
    const rows = await db.$queryRaw<RawRow[]>`
      WITH ins AS (
        INSERT INTO supplier_requests (id, request_key, order_id, supplier_id, status, created_at, updated_at)
        VALUES (${input.newId}::uuid, ${input.requestKey}, ${input.orderId}::uuid, ${input.supplierId}::uuid,
                'PENDING', ${now}, ${now})
        ON CONFLICT (request_key) DO NOTHING
        RETURNING ${ROW_COLUMNS}
      )
      SELECT * FROM ins
      UNION ALL
      SELECT ${ROW_COLUMNS} FROM supplier_requests
      WHERE request_key = ${input.requestKey} AND NOT EXISTS (SELECT 1 FROM ins)`;
    // A row committed by a concurrent insert after this statement's snapshot: read it again.
    const row = rows[0] ? fromRaw(rows[0]) : await this.find(db, input.requestKey);
    if (!row) throw new Error("supplier request row vanished");
    return row;
  }

  async find(db: DbOrTx, requestKey: string): Promise<SupplierRequestRow | null> {
    const rows = await db.$queryRaw<RawRow[]>`
      SELECT ${ROW_COLUMNS} FROM supplier_requests WHERE request_key = ${requestKey}`;
    return rows[0] ? fromRaw(rows[0]) : null;
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
  async record(db: DbOrTx, requestKey: string, outcome: SupplierOutcome): Promise<SupplierOutcome> {
    const now = this.clock.now();
    const externalRef = outcome.status === "failed" ? null : (outcome.externalRef ?? null);
    const stored = JSON.stringify(this.toStored(outcome));
    const error = outcome.status === "failed" ? outcome.reason : null;
    const updated = await db.$executeRaw`
      UPDATE supplier_requests SET
        status = ${rowStatusFor(outcome)}, external_ref = COALESCE(${externalRef}, external_ref),
        result = ${stored}::jsonb, error = ${error}, updated_at = ${now}
      WHERE request_key = ${requestKey}
        AND status <> 'SUCCEEDED'
        AND NOT (${outcome.status !== "succeeded"}::boolean AND status = 'FAILED'
                 AND (result->>'retryable')::boolean IS FALSE AND (result->>'unknown')::boolean IS FALSE)`;
    if (updated === 1) return outcome;
    const rows = await db.$queryRaw<RawRow[]>`
      UPDATE supplier_requests SET updated_at = ${now} WHERE request_key = ${requestKey} RETURNING ${ROW_COLUMNS}`;
    const current = rows[0] ? this.outcomeOf(fromRaw(rows[0])) : null;
    if (!current) throw new Error("supplier request row vanished");
    return current;
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
