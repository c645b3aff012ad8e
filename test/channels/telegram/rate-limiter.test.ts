import { describe, expect, it } from "vitest";
import { countRateLimitViolations, RateLimiter } from "../../../channels/telegram/rate-limiter.ts";

// Scaled-down limits (same shapes as Telegram's 1/s per chat, 30/s overall, 20/min per group) keep this fast.
const limits = {
  perChatIntervalMs: 40,
  globalMax: 5,
  globalWindowMs: 100,
  groupMax: 3,
  groupWindowMs: 300,
  // The checker sees when each send ran, a little after the limiter started it; under a loaded CI
  // machine that gap varies by a few ms, so the margin (40 ms in production) must exceed it.
  marginMs: 10,
};

describe("RateLimiter", () => {
  it("keeps per-chat, global and group limits as sliding windows, FIFO per chat", async () => {
    const limiter = new RateLimiter(limits);
    const sends: { chatId: string; at: number; n: number }[] = [];
    const jobs: Promise<unknown>[] = [];
    const chats = ["1", "2", "3", "4", "5", "6", "7", "8", "-100", "-200"];
    for (let n = 0; n < 40; n++) {
      const chatId = chats[n % chats.length]!;
      jobs.push(limiter.schedule(chatId, async () => sends.push({ chatId, at: performance.now(), n })));
    }
    await Promise.all(jobs);
    expect(sends).toHaveLength(40);
    const { marginMs: _m, ...check } = limits;
    expect(countRateLimitViolations(sends, check)).toEqual({ perChat: 0, global: 0, group: 0, total: 0 });
    for (const chatId of chats) {
      const order = sends.filter((s) => s.chatId === chatId).map((s) => s.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // 40 sends at ≤ 5 per 100 ms need ≥ 700 ms; groups (4 each, ≤ 3 per 300 ms) need ≥ 300 ms.
    expect(sends.at(-1)!.at - sends[0]!.at).toBeGreaterThanOrEqual(700);
    expect(limiter.stats().queued).toBe(0);
  });

  it("the checker counts violations", () => {
    const v = countRateLimitViolations(
      [
        { chatId: "1", at: 0 },
        { chatId: "1", at: 10 },
        { chatId: "-5", at: 0 },
        { chatId: "-5", at: 50 },
        { chatId: "-5", at: 100 },
        { chatId: "-5", at: 150 },
      ],
      { perChatIntervalMs: 40, globalMax: 5, globalWindowMs: 100, groupMax: 3, groupWindowMs: 300 },
    );
    expect(v).toEqual({ perChat: 1, global: 0, group: 1, total: 2 });
    const burst = ["1", "2", "3", "4", "5", "6"].map((chatId, i) => ({ chatId, at: i * 10 }));
    expect(
      countRateLimitViolations(burst, {
        perChatIntervalMs: 40,
        globalMax: 5,
        globalWindowMs: 100,
        groupMax: 3,
        groupWindowMs: 300,
      }).global,
    ).toBe(1);
  });

  it("a 429 pauses the chat for retry_after while other chats go on", async () => {
    const limiter = new RateLimiter(limits);
    const t0 = performance.now();
    limiter.pause("1", 200);
    const at: Record<string, number> = {};
    await Promise.all([
      limiter.schedule("1", async () => (at.one = performance.now() - t0)),
      limiter.schedule("2", async () => (at.two = performance.now() - t0)),
    ]);
    expect(at.two!).toBeLessThan(100);
    expect(at.one!).toBeGreaterThanOrEqual(200);
  });
});
