-- Order numbers: a short human number per order (`K7M2-9QX4`) that buyers, support, the CLI and the API use.
-- Assigned by the database as the column's default, so the order INSERT names no new column: a sequence
-- value n → a keyed permutation of [0, 2^35) (a 4-round Feistel network on 36 bits, cycle-walked below
-- 2^35) → 7 Crockford base32 characters → a Luhn mod 32 check character (catches every single mistyped
-- character and most swapped neighbours). Consecutive orders get unrelated numbers, so a number says nothing
-- about the shop's volume and the next one cannot be guessed from it. core/orders/order-number.ts parses and
-- checks the same format.

-- The permutation's key, random per database: generated here into an IMMUTABLE function (no table to own).
DO $do$
DECLARE k bigint := ('x' || substr(md5(gen_random_uuid()::text || clock_timestamp()::text), 1, 15))::bit(60)::bigint;
BEGIN
  EXECUTE format('CREATE FUNCTION "kameng_order_number_key"() RETURNS bigint LANGUAGE sql IMMUTABLE AS %L',
                 'SELECT ' || k::text || '::bigint');
END $do$;

-- The number of the n-th order (1 ≤ n < 2^35).
CREATE FUNCTION "kameng_order_number"(n bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  key constant bigint := kameng_order_number_key();
  mask constant bigint := 262143; -- 2^18 - 1
  v bigint := n;
  l bigint;
  r bigint;
  f bigint;
  body text := '';
  sum int := 0;
  factor int := 2;
  d int;
  a int;
BEGIN
  IF n < 1 OR n >= 34359738368 THEN
    RAISE EXCEPTION 'order number sequence value % out of range', n;
  END IF;
  LOOP
    l := v >> 18;
    r := v & mask;
    FOR i IN 0..3 LOOP
      f := ((r # ((key >> (i * 14)) & mask)) * 2654435761) & 68719476735;
      f := (f # (f >> 17)) & mask;
      SELECT r, l # f INTO l, r;
    END LOOP;
    v := (l << 18) | r;
    EXIT WHEN v < 34359738368; -- cycle-walk: a bijection of [0, 2^36) restricted to [0, 2^35)
  END LOOP;
  FOR i IN REVERSE 6..0 LOOP
    d := ((v >> (i * 5)) & 31)::int;
    body := body || substr(alphabet, d + 1, 1);
  END LOOP;
  -- Luhn mod 32 over the 7 characters, from the right.
  FOR i IN REVERSE 7..1 LOOP
    a := factor * (strpos(alphabet, substr(body, i, 1)) - 1);
    sum := sum + a / 32 + a % 32;
    factor := 3 - factor;
  END LOOP;
  RETURN substr(body, 1, 4) || '-' || substr(body, 5, 3) || substr(alphabet, (32 - sum % 32) % 32 + 1, 1);
END $$;

CREATE SEQUENCE "order_number_seq" AS bigint MINVALUE 1 MAXVALUE 34359738367 NO CYCLE;

ALTER TABLE "orders" ADD COLUMN "number" TEXT;
-- Existing orders, oldest first.
UPDATE "orders" o SET "number" = kameng_order_number(s.n)
FROM (SELECT id, nextval('order_number_seq') AS n FROM (SELECT id FROM "orders" ORDER BY created_at, id) AS byage) AS s
WHERE o.id = s.id;
ALTER TABLE "orders" ALTER COLUMN "number" SET DEFAULT kameng_order_number(nextval('order_number_seq')),
                     ALTER COLUMN "number" SET NOT NULL;
ALTER SEQUENCE "order_number_seq" OWNED BY "orders"."number";

-- CreateIndex
CREATE UNIQUE INDEX "orders_number_key" ON "orders"("number");

-- Operators find a Telegram buyer by @username (case-insensitive): only identities that have one.
CREATE INDEX "channel_identities_username_lower_idx" ON "channel_identities" (lower("username")) WHERE "username" IS NOT NULL;
