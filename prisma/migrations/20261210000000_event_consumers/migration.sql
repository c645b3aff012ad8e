-- Durable fan-out of the outbox to named consumers (docs/events.md). An event is no longer "published"
-- once for the whole system: each consumer keeps its own cursor over the outbox, so no process can
-- consume an event on another's behalf, and a failing consumer holds back only itself.

-- Each event carries the id of the transaction that wrote it. Outbox ids are taken when rows are inserted,
-- not when they commit, so a plain id cursor would skip a lower id committed late; a consumer reads only
-- below the snapshot horizon (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`, where every transaction
-- has ended), in (tx_id, id) order, and its cursor never passes an event that can still appear.
-- Rows written before this migration get 0 (all committed, ordered by id).
ALTER TABLE "outbox_events" ADD COLUMN "tx_id" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "outbox_events" ALTER COLUMN "tx_id" SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX "outbox_events_tx_id_id_idx" ON "outbox_events"("tx_id", "id");

-- One row per consumer: its position, the event types it reads (for lag and the CLI), and a short lease
-- so that one process at a time works it.
CREATE TABLE "event_consumers" (
    "name" TEXT NOT NULL,
    "types" TEXT[] NOT NULL,
    "cursor_tx_id" BIGINT NOT NULL,
    "cursor_id" BIGINT NOT NULL,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_consumers_pkey" PRIMARY KEY ("name")
);

-- An event a consumer failed to handle: retried with backoff, parked after its last attempt (never
-- dropped). The row goes away when a retry succeeds.
CREATE TABLE "event_failures" (
    "consumer" TEXT NOT NULL,
    "event_id" BIGINT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_error" TEXT NOT NULL,
    "parked_at" TIMESTAMPTZ(3),
    "first_failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_failures_pkey" PRIMARY KEY ("consumer","event_id")
);
CREATE INDEX "event_failures_consumer_next_attempt_at_idx" ON "event_failures"("consumer", "next_attempt_at");
ALTER TABLE "event_failures" ADD CONSTRAINT "event_failures_consumer_fkey"
    FOREIGN KEY ("consumer") REFERENCES "event_consumers"("name") ON DELETE CASCADE ON UPDATE CASCADE;
-- An event still failing for a consumer cannot be deleted from the outbox (a future pruning job must skip it).
ALTER TABLE "event_failures" ADD CONSTRAINT "event_failures_event_id_fkey"
    FOREIGN KEY ("event_id") REFERENCES "outbox_events"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The consumers of the old relay start where it stood: past every event there is now, and every event it
-- had not published (failing, or not yet reached) is due for each of them at once — nothing replayed,
-- nothing skipped.
INSERT INTO "event_consumers" ("name", "types", "cursor_tx_id", "cursor_id")
SELECT c.name, c.types, 0, COALESCE((SELECT max("id") FROM "outbox_events"), 0)
FROM (VALUES
    ('shop-notifier', ARRAY['order.fulfilling', 'order.delivered', 'order.refunded', 'order.expired',
                            'payment.succeeded', 'stock.restocked']),
    ('stars-refunder', ARRAY['order.refunded']),
    ('fulfilment-dispatcher', ARRAY['order.paid'])
) AS c(name, types);

INSERT INTO "event_failures" ("consumer", "event_id", "attempts", "next_attempt_at", "last_error")
SELECT c."name", e."id", 0, CURRENT_TIMESTAMP, 'not published before the upgrade to per-consumer cursors'
FROM "outbox_events" e
JOIN "event_consumers" c ON e."type" = ANY(c."types")
WHERE e."published_at" IS NULL;

DROP INDEX "outbox_events_published_at_id_idx";
ALTER TABLE "outbox_events" DROP COLUMN "published_at";
