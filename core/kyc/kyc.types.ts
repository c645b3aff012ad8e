import type { ResidentIdProblem } from "./resident-id.ts";

export type KycStatus = "PENDING" | "VERIFIED" | "REJECTED";
export type ProviderResult = "match" | "mismatch" | "unavailable";

/** A submission as staff see it: name and ID number masked, never whole. */
export interface KycSubmission {
  id: string;
  userId: string;
  status: KycStatus;
  idMasked: string;
  nameMasked: string;
  regionCode: string;
  regionName: string;
  provider: string;
  providerRef: string | null;
  providerResult: ProviderResult;
  /** Another account this ID number already verified when it was submitted (staff may approve it as shared). */
  duplicateOf: string | null;
  /** Approved by staff although the ID number verifies another account too (the override). */
  shared: boolean;
  reason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a user sees of their own verification. */
export type KycState =
  { status: "NONE" } | { status: KycStatus; submissionId: string; reason: string | null; at: Date };

export type NameProblem = "name_length" | "name_characters";

export type SubmitResult =
  | { ok: true; submission: KycSubmission }
  | { ok: false; code: "invalid_id_number"; problem: ResidentIdProblem }
  | { ok: false; code: "invalid_name"; problem: NameProblem }
  | { ok: false; code: "already_verified" | "already_pending" };

export type ReviewResult =
  | { ok: true; submission: KycSubmission }
  | {
      ok: false;
      /**
       * `not_pending`: decided already (by someone else, or a racing call); `id_in_use`: the ID number verifies
       * another account — approve it again with `allowShared` to override (audited).
       */
      code: "not_pending" | "id_in_use";
      submission: KycSubmission;
    };

/**
 * The verification provider: checks that a name and an ID number belong together (a real provider's
 * two-element check, later bank-card four-element or face checks). Shaped like an HTTP call: one request
 * with an id, one answer with the provider's reference; a provider that cannot answer says `unavailable`
 * (the submission then waits for staff like any other).
 */
export interface KycVerificationProvider {
  readonly name: string;
  verify(request: { requestId: string; name: string; idNumber: string }): Promise<{
    result: ProviderResult;
    reference: string;
  }>;
}
