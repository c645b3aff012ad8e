import { describe, expect, it } from "vitest";
import { refreshingValue } from "../../../core/shared/index.ts";

/** A load the test settles by hand: each call is one pending promise, in order. */
function loads() {
  const calls: Array<{ at: number; resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const load = (at: number) =>
    new Promise<string>((resolve, reject) => {
      calls.push({ at, resolve, reject });
    });
  return { calls, load };
}
/** A value kept 2 s whose first load (at 0) has landed as "v1". */
async function holdingV1() {
  const { calls, load } = loads();
  const v = refreshingValue(2_000, load);
  const first = v.get(0);
  calls[0]!.resolve("v1");
  await first;
  return { v, calls };
}
const settled = () => new Promise((r) => setImmediate(r));
/** Whether a promise has settled yet, without waiting for it. */
async function peek<T>(p: Promise<T>): Promise<T | "pending"> {
  return Promise.race([p, settled().then(() => "pending" as const)]);
}

describe("refreshingValue: reloaded ahead of expiry, never answered past its age", () => {
  it("readers before the first load lands share it", async () => {
    const { calls, load } = loads();
    const v = refreshingValue(2_000, load);
    const a = v.get(0);
    const b = v.get(100);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve("v1");
    expect([await a, await b]).toEqual(["v1", "v1"]);
    expect(await v.get(999)).toBe("v1");
    expect(calls).toHaveLength(1);
  });

  it("past half its age a read answers at once and starts one reload, which later reads then get", async () => {
    const { v, calls } = await holdingV1();
    expect(await peek(v.get(1_000))).toBe("v1");
    expect(await peek(v.get(1_500))).toBe("v1");
    expect(calls.map((c) => c.at)).toEqual([0, 1_000]);
    calls[1]!.resolve("v2");
    await settled();
    expect(await v.get(1_600)).toBe("v2");
    // Its age counts from when it started (1,000).
    expect(await peek(v.get(2_999))).toBe("v2");
    expect(calls).toHaveLength(3);
  });

  it("a value past its age is never answered: the read waits for a load, shared", async () => {
    const { v, calls } = await holdingV1();
    const late = v.get(2_000);
    const later = v.get(2_001);
    expect(await peek(late)).toBe("pending");
    expect(calls.map((c) => c.at)).toEqual([0, 2_000]);
    calls[1]!.resolve("v2");
    expect([await late, await later]).toEqual(["v2", "v2"]);
  });

  it("a reload in flight when the value expires is waited for, not doubled", async () => {
    const { v, calls } = await holdingV1();
    expect(await peek(v.get(1_200))).toBe("v1");
    const expired = v.get(2_100);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve("v2");
    expect(await expired).toBe("v2");
  });

  it("clear: the next read loads, and a reload that started before it is not kept", async () => {
    const { v, calls } = await holdingV1();
    expect(await peek(v.get(1_000))).toBe("v1");
    v.clear();
    calls[1]!.resolve("before the edit");
    await settled();
    const after = v.get(1_100);
    expect(calls.map((c) => c.at)).toEqual([0, 1_000, 1_100]);
    calls[2]!.resolve("after the edit");
    expect(await after).toBe("after the edit");
  });

  it("a failed load is not kept: its readers see the error, the next read loads again", async () => {
    const { calls, load } = loads();
    const v = refreshingValue(2_000, load);
    const first = v.get(0);
    calls[0]!.reject(new Error("connection lost"));
    await expect(first).rejects.toThrow("connection lost");
    const again = v.get(10);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve("v1");
    expect(await again).toBe("v1");
    // A failed reload leaves the held value in place until its age.
    expect(await peek(v.get(1_010))).toBe("v1");
    calls[2]!.reject(new Error("timeout"));
    await settled();
    expect(await peek(v.get(1_100))).toBe("v1");
    expect(calls).toHaveLength(4);
  });
});
