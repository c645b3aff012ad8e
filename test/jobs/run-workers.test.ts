import { describe, expect, it } from "vitest";
import { InMemoryJobQueue } from "../../jobs/in-memory-job-queue.ts";
import { PermanentJobError } from "../../jobs/job-errors.ts";
import { runWorkers } from "../../jobs/run-workers.ts";
import { waitFor } from "../contracts/job-queue.contract.ts";

describe("runWorkers", () => {
  it("registers handlers, schedules the periodic ones from the catalog, and starts workers", async () => {
    const queue = new InMemoryJobQueue();
    const runs: string[] = [];
    let exhausted = 0;
    const running = await runWorkers(
      queue,
      {
        "expire-orders": async () => void runs.push("expire-orders"),
        "stock-watch": async () => void runs.push("stock-watch"),
        notify: {
          handler: async (p) => {
            runs.push(`notify:${p.kind}`);
            throw new PermanentJobError("chat blocked the bot");
          },
          onExhausted: () => void exhausted++,
        },
      },
      { concurrency: 2, schedules: { "stock-watch": false } },
    );
    expect(running.handled.sort()).toEqual(["expire-orders", "notify", "stock-watch"]);
    expect(running.scheduled).toEqual({ "expire-orders": 30_000 });
    await waitFor(() => runs.includes("expire-orders"), 5_000, "scheduled job's first run");
    const userId = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    await queue.enqueue("notify", { channel: "telegram", userId, kind: "order.delivered", data: {} });
    await waitFor(() => exhausted === 1, 5_000, "notify's onExhausted");
    expect(runs).toContain("notify:order.delivered");
    expect(runs).not.toContain("stock-watch");
    await running.stop();
    await queue.close();
  });
});
