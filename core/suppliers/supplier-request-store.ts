import type { Prisma } from "../../prisma/generated/client.ts";
import type { Clock, DbOrTx, SecretBox, Tx } from "../shared/index.ts";
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

  /** Creates the PENDING row unless the key exists; returns the row as it now stands. */
  async ensure(
    db: DbOrTx,
    input: { requestKey: string; orderId: string; supplierId: string; newId: string },
  ): Promise<SupplierRequestRow> {
    const now = this.clock.now();
    await db.supplierRequest.createMany({
      data: [
        {
          id: input.newId,
          requestKey: input.requestKey,
          orderId: input.orderId,
          supplierId: input.supplierId,
          status: "PENDING",
          createdAt: now,
          updatedAt: now,
        },
      ],
      skipDuplicates: true,
    });
    const row = await db.supplierRequest.findUnique({ where: { requestKey: input.requestKey } });
    if (!row) throw new Error("supplier request row vanished");
    return row;
  }

  find(db: DbOrTx, requestKey: string): Promise<SupplierRequestRow | null> {
    return db.supplierRequest.findUnique({ where: { requestKey } });
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
   * Records an answer under a row lock and returns what stands afterwards. A recorded success is never
   * overturned; a final failure is only replaced by a success (the supplier did deliver after all).
   */
  async record(tx: Tx, requestKey: string, outcome: SupplierOutcome): Promise<SupplierOutcome> {
    await tx.$queryRaw`SELECT 1 FROM supplier_requests WHERE request_key = ${requestKey} FOR UPDATE`;
    const row = await tx.supplierRequest.findUnique({ where: { requestKey } });
    if (!row) throw new Error("supplier request row vanished");
    const now = this.clock.now();
    const current = this.outcomeOf(row);
    const keep =
      row.status === "SUCCEEDED" || (current !== null && isFinalOutcome(current) && outcome.status !== "succeeded");
    if (keep && current) {
      await tx.supplierRequest.update({ where: { requestKey }, data: { updatedAt: now } });
      return current;
    }
    await tx.supplierRequest.update({
      where: { requestKey },
      data: {
        status: rowStatusFor(outcome),
        externalRef: outcome.status === "failed" ? row.externalRef : (outcome.externalRef ?? row.externalRef),
        result: this.toStored(outcome) as Prisma.InputJsonValue,
        error: outcome.status === "failed" ? outcome.reason : null,
        updatedAt: now,
      },
    });
    return outcome;
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
