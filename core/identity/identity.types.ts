import type { Locale } from "../shared/index.ts";

export interface UserRecord {
  id: string;
  displayName: string;
  locale: Locale;
  referredBy: string | null;
  startPayload: string | null;
  createdAt: Date;
}

export interface IdentityRecord {
  id: string;
  userId: string;
  channel: string;
  externalId: string;
  username: string | null;
  /** The user has a private chat with the bot on this channel, so it may message them. */
  canDm: boolean;
  createdAt: Date;
}

export interface ResolveInput {
  channel: string;
  externalId: string;
  displayName: string;
  username?: string;
  /** Platform language (IETF tag); picks the locale of a new user. */
  languageCode?: string;
  /** The turn came from a private chat with the bot: record `can_dm`. */
  privateChat?: boolean;
}

export interface Resolved {
  user: UserRecord;
  identity: IdentityRecord;
  /** A new user was created by this call. */
  created: boolean;
}

export type StartPayloadResult =
  { recorded: true; referredBy: string | null } | { recorded: false; reason: "already_recorded" | "empty" };

export interface LinkCodeIssued {
  /** Shown to the user once; only its hash is stored. Format `XXXX-XXXX`. */
  code: string;
  expiresAt: Date;
}

export type LinkResult =
  | { ok: true; userId: string; previousUserId: string }
  | { ok: false; code: "invalid_code" | "expired" | "already_used" | "same_user" | "unknown_identity" };
