import { describe, expect, it } from "vitest";
import { SubscriberFailedError, type PublishedEvent } from "../../../app/events/event-bus.port.ts";
import { InProcessEventBus } from "../../../app/events/in-process-event-bus.ts";

const event = (type: string): PublishedEvent => ({ id: "1", type, payload: { orderId: "o" }, createdAt: new Date() });

describe("InProcessEventBus", () => {
  it("delivers to subscribers of the type and to '*', and unsubscribes", async () => {
    const bus = new InProcessEventBus();
    const got: string[] = [];
    const off = bus.subscribe("order.paid", (e) => void got.push(`paid:${e.id}`));
    bus.subscribe("*", (e) => void got.push(`any:${e.type}`));
    await bus.publish(event("order.paid"));
    await bus.publish(event("order.created"));
    off();
    await bus.publish(event("order.paid"));
    expect(got).toEqual(["paid:1", "any:order.paid", "any:order.created", "any:order.paid"]);
  });

  it("runs every subscriber even when one fails, then rejects naming the event", async () => {
    const bus = new InProcessEventBus();
    let ran = 0;
    bus.subscribe("order.paid", () => {
      throw new Error("down");
    });
    bus.subscribe("order.paid", async () => void ran++);
    const err = await bus.publish(event("order.paid")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubscriberFailedError);
    expect((err as SubscriberFailedError).message).toMatch(/order\.paid #1/);
    expect((err as SubscriberFailedError).errors).toHaveLength(1);
    expect(ran).toBe(1);
  });
});
