import { rowMap, selectList, sql } from "../shared/index.ts";
import type { KycStatus, KycSubmission, ProviderResult } from "./kyc.types.ts";

/** Every statement of core/kyc (table kyc_submissions). The sealed name and ID number are never selected. */

export const KYC_ROW = rowMap<KycSubmission>(
  "kyc_submissions",
  {
    id: { column: "id", cast: "text" },
    userId: { column: "user_id", cast: "text" },
    status: { column: "status" },
    idMasked: { column: "id_masked" },
    nameMasked: { column: "name_masked" },
    regionCode: { column: "region_code", cast: "text" },
    regionName: { column: "region_name" },
    provider: { column: "provider" },
    providerRef: { column: "provider_ref" },
    providerResult: { column: "provider_result" },
    duplicateOf: { column: "duplicate_of", cast: "text" },
    shared: { column: "shared" },
    reason: { column: "reason" },
    decidedBy: { column: "decided_by", cast: "text" },
    decidedAt: { column: "decided_at" },
    createdAt: { column: "created_at" },
    updatedAt: { column: "updated_at" },
  },
  // Sealed (AES-GCM) and keyed-hashed: read by nobody but the dedupe statements below.
  ["name_enc", "id_number_enc", "id_hash"],
);
const COLUMNS = selectList(KYC_ROW, "k");

export interface NewSubmission {
  id: string;
  userId: string;
  status: KycStatus;
  nameEnc: string;
  idNumberEnc: string;
  idHash: string;
  idMasked: string;
  nameMasked: string;
  regionCode: string;
  regionName: string;
  provider: string;
  providerRef: string;
  providerResult: ProviderResult;
  duplicateOf: string | null;
  reason: string | null;
  now: Date;
}

/**
 * Inserts a submission unless the user already has an open one (PENDING or VERIFIED): the partial unique
 * index settles racing submissions of one user, and the loser gets no row back.
 */
export const insertSubmissionSql = (s: NewSubmission) => sql`
  INSERT INTO kyc_submissions AS k (id, user_id, status, name_enc, id_number_enc, id_hash, id_masked, name_masked,
                                    region_code, region_name, provider, provider_ref, provider_result, duplicate_of,
                                    reason, decided_at, created_at, updated_at)
  VALUES (${s.id}::uuid, ${s.userId}::uuid, ${s.status}::text, ${s.nameEnc}::text, ${s.idNumberEnc}::text,
          ${s.idHash}::text, ${s.idMasked}::text, ${s.nameMasked}::text, ${s.regionCode}::text, ${s.regionName}::text,
          ${s.provider}::text, ${s.providerRef}::text, ${s.providerResult}::text, ${s.duplicateOf}::uuid,
          ${s.reason}::text, ${s.status === "PENDING" ? null : s.now}::timestamptz, ${s.now}::timestamptz,
          ${s.now}::timestamptz)
  ON CONFLICT (user_id) WHERE status IN ('PENDING', 'VERIFIED') DO NOTHING
  RETURNING ${COLUMNS}`;

/** The user's newest submission. */
export const latestForUserSql = (userId: string) => sql`
  SELECT ${COLUMNS} FROM kyc_submissions k WHERE k.user_id = ${userId}::uuid ORDER BY k.created_at DESC, k.id DESC LIMIT 1`;

export const openForUserSql = (userId: string) => sql`
  SELECT ${COLUMNS} FROM kyc_submissions k WHERE k.user_id = ${userId}::uuid AND k.status IN ('PENDING', 'VERIFIED')`;

export const isVerifiedSql = (userId: string) => sql`
  SELECT EXISTS (SELECT 1 FROM kyc_submissions WHERE user_id = ${userId}::uuid AND status = 'VERIFIED') AS "verified"`;

/** Another account this ID number verifies (or waits to verify), oldest first. */
export const otherHolderSql = (idHash: string, userId: string) => sql`
  SELECT user_id::text AS "userId", status FROM kyc_submissions
  WHERE id_hash = ${idHash}::text AND user_id <> ${userId}::uuid AND status IN ('PENDING', 'VERIFIED')
  ORDER BY (status = 'VERIFIED') DESC, created_at LIMIT 1`;

/** The verified account holding the same ID number as a submission (not itself; shared ones do not hold it). */
export const verifiedHolderSql = (submissionId: string) => sql`
  SELECT o.user_id::text AS "userId" FROM kyc_submissions s
  JOIN kyc_submissions o ON o.id_hash = s.id_hash AND o.id <> s.id AND o.user_id <> s.user_id
  WHERE s.id = ${submissionId}::uuid AND o.status = 'VERIFIED' AND NOT o.shared LIMIT 1`;

export const submissionSql = (id: string) => sql`SELECT ${COLUMNS} FROM kyc_submissions k WHERE k.id = ${id}::uuid`;

/**
 * The decision: only a PENDING submission moves, once. Approving one whose ID number already verifies
 * another account fails on the partial unique index unless `shared` (the override) is set.
 */
export const decideSql = (
  id: string,
  to: "VERIFIED" | "REJECTED",
  by: string | null,
  reason: string | null,
  shared: boolean,
  now: Date,
) => sql`
  UPDATE kyc_submissions AS k SET status = ${to}::text, decided_by = ${by}::uuid, decided_at = ${now}::timestamptz,
         reason = ${reason}::text, shared = ${shared}::boolean, updated_at = ${now}::timestamptz
  WHERE k.id = ${id}::uuid AND k.status = 'PENDING'
  RETURNING ${COLUMNS}`;

export const queueSql = (limit: number) => sql`
  SELECT ${COLUMNS} FROM kyc_submissions k WHERE k.status = 'PENDING' ORDER BY k.created_at, k.id LIMIT ${limit}::int`;
