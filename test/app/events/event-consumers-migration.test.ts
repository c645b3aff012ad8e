import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, migrate } from "../../../app/db/migrator.ts";
import { consumerStatus, listFailures } from "../../../app/events/consumer-admin.ts";
import { FULFILMENT_DISPATCHER, SHOP_NOTIFIER, STARS_REFUNDER } from "../../../app/events/consumers.ts";
import { OutboxConsumers } from "../../../app/events/outbox-consumers.ts";
import { defineConsumer, type CommittedEvent, type EventType, type NewEvent } from "../../../core/events/index.ts";
import { toJson } from "../../../core/shared/outbox.ts";
import { sql } from "../../../core/shared/sql.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { commit, drain, paid, quietLogger, restocked, tagOf } from "../../contracts/event-consumers.contract.ts";

const MIGRATION = "20261210000000_event_consumers";

/**
 * Upgrading a database the old relay ran on: its consumers start where it stood — nothing it published
 * is replayed, nothing it had not published is skipped.
 */
describe(`migration ${MIGRATION}: from the relay's published_at to per-consumer cursors`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("eventsupgrade", { migrated: false });
  });
  afterAll(() => t.drop());

  it("seeds the known consumers past every event, with every unpublished event due for its consumers", async () => {
    const all = await loadMigrations();
    const conn = await t.db.connect();
    try {
      await migrate(
        conn,
        all.filter((m) => m.name < MIGRATION),
      );
      // What the old relay left: published rows, and unpublished ones (failing, or not reached yet).
      const rows: Array<[NewEvent, boolean]> = [
        [paid("published-paid"), true],
        [{ ...paid("unpublished-delivered"), type: "order.delivered" } as unknown as NewEvent, false],
        [{ ...paid("published-refund"), type: "order.refunded" } as unknown as NewEvent, true],
        [restocked(7), false],
        [paid("unpublished-paid"), false],
      ];
      for (const [e, published] of rows) {
        const payload = { ...(toJson(e.payload) as object), status: e.type.split(".")[1]!.toUpperCase() };
        await conn.query(
          `INSERT INTO outbox_events (type, payload, published_at) VALUES ($1, $2::jsonb, ${published ? "now()" : "NULL"})`,
          [e.type, JSON.stringify(e.type === "stock.restocked" ? toJson(e.payload) : payload)],
        );
      }
      expect(
        (
          await migrate(
            conn,
            all.filter((m) => m.name <= MIGRATION),
          )
        ).applied,
      ).toEqual([MIGRATION]);
    } finally {
      await conn.close();
    }

    const status = await consumerStatus(t.db.sql);
    expect(status.map((s) => [s.name, s.cursor])).toEqual([
      [FULFILMENT_DISPATCHER, { txId: "0", id: "5" }],
      [SHOP_NOTIFIER, { txId: "0", id: "5" }],
      [STARS_REFUNDER, { txId: "0", id: "5" }],
    ]);
    const failures = await listFailures(t.db.sql);
    expect(failures.map((f) => [f.consumer, f.eventId, f.type, f.attempts])).toEqual([
      [FULFILMENT_DISPATCHER, "5", "order.paid", 0],
      [SHOP_NOTIFIER, "2", "order.delivered", 0],
      [SHOP_NOTIFIER, "4", "stock.restocked", 0],
    ]);
    const [{ column }] = (await t.db.sql.query<{ column: string | null }>(sql`
      SELECT column_name AS column FROM information_schema.columns
      WHERE table_name = 'outbox_events' AND column_name = 'published_at'
      UNION ALL SELECT NULL`)) as [{ column: string | null }];
    expect(column).toBeNull();

    // The consumers run: each gets what the relay had not published, then what comes after the upgrade.
    const runner = new OutboxConsumers({ sql: t.db.sql, logger: quietLogger(), retryCheckMs: 0 });
    const got = new Map<string, string[]>();
    const as = <T extends EventType>(name: string, types: T[]) =>
      defineConsumer({
        name,
        types,
        startFrom: "beginning", // ignored: their rows exist already
        handle: (e: CommittedEvent<T>) => {
          const event = e as CommittedEvent;
          got.set(name, [...(got.get(name) ?? []), event.type === "stock.restocked" ? "restock" : tagOf(event)]);
        },
      });
    runner.host(as(SHOP_NOTIFIER, ["order.delivered", "order.refunded", "stock.restocked", "order.paid"]));
    runner.host(as(STARS_REFUNDER, ["order.refunded"]));
    runner.host(as(FULFILMENT_DISPATCHER, ["order.paid"]));
    await commit(t.db.sql, [paid("after-upgrade")]);
    for (const name of [SHOP_NOTIFIER, STARS_REFUNDER, FULFILMENT_DISPATCHER]) await drain(runner, name);
    await runner.stop();
    expect(Object.fromEntries(got)).toEqual({
      [SHOP_NOTIFIER]: ["unpublished-delivered", "restock", "after-upgrade"],
      [FULFILMENT_DISPATCHER]: ["unpublished-paid", "after-upgrade"],
    });
    expect(await listFailures(t.db.sql)).toEqual([]);
  });
});
