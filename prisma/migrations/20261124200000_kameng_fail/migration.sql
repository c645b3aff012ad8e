-- Raises a named failure from inside a statement (SQLSTATE KM001, message = the reason). Statements
-- sent ahead of others in one round trip (a deferred ledger posting) use it to abort the transaction
-- when a check fails, since nobody reads their result in between.
CREATE FUNCTION "kameng_fail"(reason text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'KM001', MESSAGE = reason;
END $$;
