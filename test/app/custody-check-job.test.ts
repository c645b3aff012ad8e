import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCode } from "../../core/ledger/index.ts";
import { sleep, sql, systemContext } from "../../core/shared/index.ts";
import { createTestContainer, type TestContainer } from "../support/container.ts";

const ctx = systemContext("test");

/** The scheduled `check-custody` job, as `serve`/`worker` run it: records each check, announces a mismatch once. */
describe("the check-custody job", () => {
  let t: TestContainer;
  beforeAll(async () => {
    t = await createTestContainer("custodyjob", {}, { workerTuning: { repeatEveryMs: { "check-custody": 100 } } });
    await t.container.startWorkers({ concurrency: 2 });
  });
  afterAll(() => t.dispose());

  const q = async (statement: ReturnType<typeof sql>) =>
    (await t.container.db.sql.query<{ n: number }>(statement))[0]!.n;
  const until = async (what: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await what()); i++) await sleep(50);
    expect(await what()).toBe(true);
  };

  it("runs on its schedule and writes custody.mismatch when custody stops matching customer funds", async () => {
    await until(async () => (await q(sql`SELECT count(*)::int AS n FROM custody_checks WHERE ok`)) > 0);
    expect(await q(sql`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'custody.mismatch'`)).toBe(0);
    // Money leaves the custody account without leaving customer funds.
    await t.container.ledger.post(ctx, {
      idempotencyKey: "job-wrong-sweep",
      kind: "test",
      legs: [
        { account: systemCode("custody", "CNY"), amount: 700n },
        { account: systemCode("platform_cash", "CNY"), amount: -700n },
      ],
    });
    await until(async () => (await q(sql`SELECT count(*)::int AS n FROM custody_checks WHERE NOT ok`)) >= 3);
    const events = await t.container.db.sql.query<{ payload: Record<string, string> }>(
      sql`SELECT payload FROM outbox_events WHERE type = 'custody.mismatch'`,
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ currency: "CNY", difference: "700" });
  });
});
