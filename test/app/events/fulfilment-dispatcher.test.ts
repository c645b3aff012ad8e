import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerStatus } from "../../../app/events/consumer-admin.ts";
import { FULFILMENT_DISPATCHER } from "../../../app/events/consumers.ts";
import { asBuyer, sleep } from "../../../core/shared/index.ts";
import { fulfilOrderJob } from "../../../jobs/catalog.ts";
import { waitFor } from "../../contracts/job-queue.contract.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/**
 * A paid order reaches the fulfil queue even when the process that committed the payment never enqueued
 * it (it died right after the commit): the fulfilment dispatcher — a consumer of `order.paid`, hosted by
 * serve and by every worker — is that safety net.
 */
describe("the fulfilment dispatcher", () => {
  let shop: Shop;
  beforeAll(async () => {
    // `dispatch: "consumer"`: no fast-path enqueue after the commit, as if the process had died there.
    shop = await createShop("dispatcher", { redis: true, workers: false, container: { dispatch: "consumer" } });
  }, 120_000);
  afterAll(() => shop?.dispose());

  it("enqueues fulfil-order for a paid order nobody enqueued, once, and the order is delivered", async () => {
    const { supplier } = await shop.supplier("dispatch-sim");
    const product = await shop.directProduct([{ supplierId: supplier.id, cost: 2500n }]);
    const userId = await shop.user();
    await shop.fund(userId, 10_000n);
    const placed = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      target: "13800138000",
      idempotencyKey: "d1",
      payWith: "wallet",
    });
    if (!placed.ok) throw new Error(placed.code);
    await sleep(300);
    const queued = async () => {
      const c = (await shop.c.jobs.counts())[fulfilOrderJob];
      return c.waiting + c.active + c.delayed + c.completed + c.failed;
    };
    expect(await queued()).toBe(0);
    expect((await consumerStatus(shop.c.db.sql)).find((s) => s.name === FULFILMENT_DISPATCHER)).toMatchObject({
      lag: 1,
      leaseActive: false,
    });

    // A worker process starts: it hosts the dispatcher, which finds the paid order in the outbox.
    shop.c.events.host(shop.c.fulfilmentDispatcher);
    await shop.c.events.start();
    await waitFor(async () => (await queued()) === 1, 30_000, "fulfil-order enqueued by the dispatcher");
    await shop.c.startWorkers({ concurrency: 2 });
    await shop.waitForStatus([placed.order.id], ["DELIVERED"], 20_000);
    expect((await consumerStatus(shop.c.db.sql)).find((s) => s.name === FULFILMENT_DISPATCHER)).toMatchObject({
      lag: 0,
      failing: 0,
    });
    expect(await queued()).toBe(1);
  }, 60_000);
});
