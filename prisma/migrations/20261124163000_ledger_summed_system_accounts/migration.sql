-- System accounts are summed on read.
--
-- Every order payment credited the one `system:order_escrow:<CUR>` row's cached balance, and every
-- settlement updated the one custody / platform_cash / revenue / supplier_payable rows: each posting
-- held those row locks until COMMIT, so concurrent orders queued on them. From now on an account's
-- `balance_mode` says how its balance is kept:
--   CACHED (wallets: one per user, no hot spot): `balance`/`held` on the row, updated under a row lock
--          by every posting, guarded by the posting and by ledger_accounts_non_negative, as before;
--   SUMMED (every shared account): a posting only inserts the entries, never updates or locks the row;
--          the balance is SUM(amount) over the account's entries (index ledger_entries(account_id, id)).
-- The mode is pinned to the kind, so code cannot drift from the schema, and a summed row keeps
-- balance = held = 0, so a stale cached value can never be mistaken for its balance.

ALTER TABLE "ledger_accounts" ADD COLUMN "balance_mode" TEXT NOT NULL DEFAULT 'CACHED';

-- Converting is only safe if the cached balances being dropped were right and no hold sits on them.
DO $$
DECLARE bad TEXT;
BEGIN
  SELECT string_agg(a."code", ', ') INTO bad FROM "ledger_holds" h JOIN "ledger_accounts" a ON a."id" = h."account_id"
    WHERE h."status" = 'ACTIVE' AND a."kind" <> 'WALLET';
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'active holds on system accounts (%): release them before this migration', bad;
  END IF;
  SELECT string_agg(a."code", ', ') INTO bad FROM "ledger_accounts" a
    WHERE a."kind" <> 'WALLET'
      AND a."balance" <> COALESCE((SELECT SUM(e."amount") FROM "ledger_entries" e WHERE e."account_id" = a."id"), 0);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'cached balances differ from their entries (%): run the ledger check and fix them first', bad;
  END IF;
END $$;

UPDATE "ledger_accounts" SET "balance_mode" = 'SUMMED', "balance" = 0, "held" = 0 WHERE "kind" <> 'WALLET';

ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_balance_mode"
  CHECK ("balance_mode" = CASE WHEN "kind" = 'WALLET' THEN 'CACHED' ELSE 'SUMMED' END);
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_summed_uncached"
  CHECK ("balance_mode" = 'CACHED' OR ("balance" = 0 AND "held" = 0));
