-- A staff member's language for the console's replies (`/km lang zh|en`, `staff add --lang`); NULL = the
-- platform's language for the sender (Telegram's language_code), else STAFF_LOCALE.
-- AlterTable
ALTER TABLE "staff_members" ADD COLUMN "locale" TEXT;
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_locale_check" CHECK ("locale" IN ('zh-CN', 'en'));
