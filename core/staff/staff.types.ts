import type { Locale, StaffRole } from "../shared/index.ts";

/** An operator: a user with a role, bound to the chat accounts they work from. */
export interface StaffMember {
  userId: string;
  name: string;
  role: StaffRole;
  /** Slack user id (`U…`/`W…`) the member writes from, if any. */
  slackUserId: string | null;
  /** Telegram user id (digits) the member writes from, if any. */
  telegramUserId: string | null;
  /** The language the console answers them in; null: the platform's language for the sender, else the default. */
  locale: Locale | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AddStaffInput {
  name: string;
  role: StaffRole;
  slackUserId?: string;
  telegramUserId?: string;
  locale?: Locale;
}

/** The chats a staff member can be recognised on. */
export const STAFF_CHANNELS = ["slack", "telegram"] as const;
export type StaffChannel = (typeof STAFF_CHANNELS)[number];
