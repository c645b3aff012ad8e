-- Order numbers: a short human number per order (`K7M2-9QX4`) that buyers, support, the CLI and the API use.
-- Assigned by the database as the column's default, so the order INSERT names no new column: a sequence
-- value n → a keyed permutation of [0, 2^35) (a 4-round unbalanced Feistel network) → 7 Crockford base32
-- characters → a Luhn mod 32 check character (catches every single mistyped character and most swapped
-- neighbours). Consecutive orders get unrelated numbers, so a number says nothing
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
CREATE FUNCTION "kameng_order_number"(n bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  key constant bigint := kameng_order_number_key();
  -- An unbalanced Feistel network on 35 bits (halves of 17 and 18 bits, 4 rounds): a permutation of
  -- [0, 2^35) without cycle-walking. Plain assignments only (PL/pgSQL's fast path): it runs in every order insert.
  l bigint := n >> 18;       -- 17 bits
  r bigint := n & 262143;    -- 18 bits
  t bigint;
  v bigint;
  d0 int; d1 int; d2 int; d3 int; d4 int; d5 int; d6 int;
  s int;
BEGIN
  IF n < 1 OR n >= 34359738368 THEN
    RAISE EXCEPTION 'order number sequence value % out of range', n;
  END IF;
  t := l # ((((r # key) & 262143) * 2654435761) >> 13 & 131071);            l := r; r := t; -- l 18, r 17 bits
  t := l # ((((r # (key >> 15)) & 131071) * 2654435761) >> 13 & 262143);    l := r; r := t; -- l 17, r 18
  t := l # ((((r # (key >> 30)) & 262143) * 2654435761) >> 13 & 131071);    l := r; r := t;
  t := l # ((((r # (key >> 45)) & 131071) * 2654435761) >> 13 & 262143);    l := r; r := t;
  v := (l << 18) | r;
  -- 7 base32 digits, and the Luhn mod 32 check over them (from the right: weights 2, 1, 2, …; 2d folds to 2d − 31).
  d0 := (v >> 30)::int; d1 := (v >> 25 & 31)::int; d2 := (v >> 20 & 31)::int; d3 := (v >> 15 & 31)::int;
  d4 := (v >> 10 & 31)::int; d5 := (v >> 5 & 31)::int; d6 := (v & 31)::int;
  s := 2 * d0 - 31 * (d0 >> 4) + d1 + 2 * d2 - 31 * (d2 >> 4) + d3 + 2 * d4 - 31 * (d4 >> 4) + d5 + 2 * d6 - 31 * (d6 >> 4);
  RETURN substr(alphabet, d0 + 1, 1) || substr(alphabet, d1 + 1, 1) || substr(alphabet, d2 + 1, 1)
    || substr(alphabet, d3 + 1, 1) || '-' || substr(alphabet, d4 + 1, 1) || substr(alphabet, d5 + 1, 1)
    || substr(alphabet, d6 + 1, 1) || substr(alphabet, (32 - s % 32) % 32 + 1, 1);
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
