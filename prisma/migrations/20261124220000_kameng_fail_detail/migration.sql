-- kameng_fail with a detail (e.g. how many codes were left when a claim ran short): SQLSTATE KM001,
-- message = the reason, DETAIL = the detail.
CREATE FUNCTION "kameng_fail"(reason text, detail text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'KM001', MESSAGE = reason, DETAIL = detail;
END $$;
