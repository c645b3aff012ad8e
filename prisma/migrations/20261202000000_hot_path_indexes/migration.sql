-- Claiming stock: the old partial index (product_id, id) gave the claim its `ORDER BY id`, but so did the
-- primary key, and once `codes` had statistics the generic plan walked the primary key and filtered
-- (every code of every product for an out-of-stock claim). The claim now orders by
-- (expiry, id) — the soonest-expiring sellable code goes first — an order only this index provides, and
-- its range condition skips expired codes instead of filtering them.
DROP INDEX IF EXISTS "codes_available_idx";
CREATE INDEX "codes_sellable_idx" ON "codes" ("product_id", (COALESCE("expires_at", 'infinity'::timestamptz)), "id")
  WHERE "status" = 'AVAILABLE';

