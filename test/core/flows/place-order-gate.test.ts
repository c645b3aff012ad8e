import { describe, expect, it } from "vitest";
import { createIdempotencyLookups } from "../../../core/flows/idempotency-lookups.ts";
import { ProductGates } from "../../../core/flows/place-order.gate.ts";
import type { Order } from "../../../core/orders/index.ts";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("ProductGates", () => {
  it("admits `limit` placements of a product at once; the rest take their turns in order of arrival", async () => {
    const gates = new ProductGates(2);
    const entered: string[] = [];
    const leaves = new Map<string, () => void>();
    for (const name of ["a", "b", "c", "d"])
      void gates.enter("p").then((leave) => {
        entered.push(name);
        leaves.set(name, leave);
      });
    await tick();
    expect(entered).toEqual(["a", "b"]);
    expect(gates.load("p")).toEqual({ active: 2, waiting: 2 });
    // Another product has its own turns.
    const other = await gates.enter("q");
    expect(gates.load("q")).toEqual({ active: 1, waiting: 0 });
    other();
    expect(gates.load("q")).toEqual({ active: 0, waiting: 0 });

    leaves.get("b")!();
    leaves.get("b")!(); // a second call is harmless: it hands over no second turn
    await tick();
    expect(entered).toEqual(["a", "b", "c"]);
    expect(gates.load("p")).toEqual({ active: 2, waiting: 1 });
    leaves.get("a")!();
    await tick();
    expect(entered).toEqual(["a", "b", "c", "d"]);
    leaves.get("c")!();
    leaves.get("d")!();
    expect(gates.load("p")).toEqual({ active: 0, waiting: 0 });
  });

  it("refuses a limit below one", () => {
    expect(() => new ProductGates(0)).toThrow();
  });
});

describe("idempotency lookups", () => {
  const order = (userId: string, idempotencyKey: string) =>
    ({ id: `${userId}/${idempotencyKey}`, userId, idempotencyKey }) as Order;

  it("answers the lookups asked in one turn with one statement, and those asked meanwhile with the next", async () => {
    const calls: Array<Array<{ userId: string; idempotencyKey: string }>> = [];
    let release!: () => void;
    const lookups = createIdempotencyLookups(async (keys) => {
      calls.push([...keys]);
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
      return keys.filter((k) => k.idempotencyKey.startsWith("placed")).map((k) => order(k.userId, k.idempotencyKey));
    });
    const first = [lookups.find("u1", "placed-1"), lookups.find("u2", "new"), lookups.find("U3", "placed-3")];
    await tick();
    expect(calls).toHaveLength(1);
    const later = [lookups.find("u4", "placed-4"), lookups.find("u4", "placed-4"), lookups.find("u5", "x")];
    await tick();
    expect(calls).toHaveLength(1);
    release();
    expect((await Promise.all(first)).map((o) => o?.id ?? null)).toEqual(["u1/placed-1", null, "U3/placed-3"]);
    expect((await Promise.all(later)).map((o) => o?.id ?? null)).toEqual(["u4/placed-4", "u4/placed-4", null]);
    // The next statement takes every key asked meanwhile; the key asked twice is looked up once.
    expect(calls.map((c) => c.length)).toEqual([3, 2]);
    // A lone lookup afterwards runs at once.
    expect(await lookups.find("u6", "y")).toBeNull();
    expect(calls).toHaveLength(3);
  });

  it("fails every lookup of a statement that failed, and the next ones still run", async () => {
    let fail = true;
    const lookups = createIdempotencyLookups(async () => {
      if (fail) throw new Error("database gone");
      return [];
    });
    const r = await Promise.allSettled([lookups.find("u1", "k"), lookups.find("u2", "k")]);
    expect(r.map((x) => x.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await lookups.find("u1", "k")).toBeNull();
  });
});
