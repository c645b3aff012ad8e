import { describe, expect, it } from "vitest";
import { createFirstAttempts } from "../../app/first-attempts.ts";
import { FulfilmentRetry, type FulfilResult } from "../../core/flows/index.ts";
import type { Order } from "../../core/orders/index.ts";

const order = (id: string) => ({ id, status: "PAID" }) as Order;
const delivered = (id: string): FulfilResult => ({ orderId: id, status: "DELIVERED", changed: true });

describe("first fulfilment attempts in the process that committed the payment", () => {
  it("runs each attempt from the committed order; an attempt that throws is handed to the fulfil job", async () => {
    const enqueued: string[] = [];
    const seen: Order[] = [];
    const attempts = createFirstAttempts({
      fulfil: async (o) => {
        seen.push(o);
        if (o.id === "retry") throw new FulfilmentRetry(o.id, "supplier outcome unknown");
        if (o.id === "broken") throw new Error("database went away");
        return delivered(o.id);
      },
      enqueue: async (id) => void enqueued.push(id),
      limit: 10,
    });
    for (const id of ["ok", "retry", "broken"]) attempts.start(order(id));
    await attempts.idle();
    expect(seen.map((o) => o.id)).toEqual(["ok", "retry", "broken"]);
    expect(enqueued.sort()).toEqual(["broken", "retry"]);
    // The dispatcher skips what was attempted here (a failed attempt enqueued itself).
    expect(["ok", "retry", "broken", "elsewhere"].map((id) => attempts.attemptedHere(id))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it("past its limit of attempts at once, an order goes to the queue (and the dispatcher does not skip it)", async () => {
    const enqueued: string[] = [];
    const release: Array<() => void> = [];
    let running = 0;
    let most = 0;
    const attempts = createFirstAttempts({
      fulfil: (o) =>
        new Promise<FulfilResult>((resolve) => {
          most = Math.max(most, ++running);
          release.push(() => {
            running--;
            resolve(delivered(o.id));
          });
        }),
      enqueue: async (id) => void enqueued.push(id),
      limit: 3,
    });
    const ids = Array.from({ length: 10 }, (_, i) => `o${i}`);
    for (const id of ids) attempts.start(order(id));
    expect(most).toBe(3);
    expect(enqueued).toEqual(ids.slice(3));
    expect(ids.filter((id) => attempts.attemptedHere(id))).toEqual(ids.slice(0, 3));
    let idle = false;
    const waiting = attempts.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    for (const r of release) r();
    await waiting;
    expect(running).toBe(0);
  });
});
