-- The ledger's database rules, checked once per posting instead of once per entry (same rules):

-- Balance per currency, still deferred to commit, but a transaction whose entries were all summed
-- already is not summed again for each of its other entries: the check remembers (for this database
-- transaction) the ledger transaction and the highest entry id it covered; an entry with a higher id,
-- inserted after that check (SET CONSTRAINTS … IMMEDIATE), is checked again.
CREATE OR REPLACE FUNCTION "kameng_check_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  seen TEXT := current_setting('kameng.balanced_through', true);
  unbalanced TEXT;
  top BIGINT;
BEGIN
  IF seen IS NOT NULL AND seen <> '' AND split_part(seen, '/', 1) = NEW."transaction_id"::text
     AND NEW."id" <= split_part(seen, '/', 2)::bigint THEN
    RETURN NULL;
  END IF;
  SELECT max(t.last_id), string_agg(CASE WHEN t.s <> 0 THEN t."currency" || ':' || t.s::text END, ',')
    INTO top, unbalanced
  FROM (
    SELECT "currency", SUM("amount") AS s, max("id") AS last_id FROM "ledger_entries"
    WHERE "transaction_id" = NEW."transaction_id" GROUP BY "currency"
  ) t;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (%)', NEW."transaction_id", unbalanced
      USING ERRCODE = 'check_violation';
  END IF;
  PERFORM set_config('kameng.balanced_through', NEW."transaction_id"::text || '/' || top::text, true);
  RETURN NULL;
END $$;

-- An entry's currency is its account's currency: one query per inserting statement.
DROP TRIGGER "ledger_entries_currency" ON "ledger_entries";
DROP FUNCTION "kameng_entry_currency"();
CREATE FUNCTION "kameng_entries_currency"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad RECORD;
BEGIN
  SELECT e."currency", e."account_id" INTO bad FROM new_entries e
  WHERE NOT EXISTS (SELECT 1 FROM "ledger_accounts" a WHERE a."id" = e."account_id" AND a."currency" = e."currency")
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry currency % does not match account %', bad."currency", bad."account_id"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "ledger_entries_currency" AFTER INSERT ON "ledger_entries"
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION "kameng_entries_currency"();
