import { describe, expect, it } from "vitest";
import { createPostPacer } from "../../../channels/slack/post-pacer.ts";

function fakeTime() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    advance: (ms: number) => void (t += ms),
    waits,
  };
}

describe("Slack post pacing (≈1 message per second per channel)", () => {
  it("lets a burst through, then one post per interval, in order", async () => {
    const time = fakeTime();
    const pace = createPostPacer({ intervalMs: 1000, burst: 3, now: time.now, sleep: time.sleep });
    const sent: Array<[number, number]> = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => pace("C1", async () => void sent.push([i, time.now()]))));
    expect(sent).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 1000],
      [4, 2000],
    ]);
  });

  it("does not make one channel wait for another, and refills over time", async () => {
    const time = fakeTime();
    const pace = createPostPacer({ intervalMs: 1000, burst: 1, now: time.now, sleep: time.sleep });
    await pace("C1", async () => undefined);
    await pace("C2", async () => undefined);
    expect(time.waits).toEqual([]);
    time.advance(1500);
    await pace("C1", async () => undefined);
    expect(time.waits).toEqual([]);
    await pace("C1", async () => undefined);
    expect(time.waits).toEqual([1000]); // one second after the post at 1500
  });

  it("keeps going after a failed post", async () => {
    const time = fakeTime();
    const pace = createPostPacer({ now: time.now, sleep: time.sleep });
    await expect(pace("C1", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(pace("C1", async () => "ok")).resolves.toBe("ok");
  });
});
