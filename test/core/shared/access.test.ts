import { describe, expect, it } from "vitest";
import {
  authorize,
  can,
  delegate,
  ROLE_PERMISSIONS,
  systemContext,
  withAccess,
  type AccessRules,
  type CoreContext,
} from "../../../core/shared/index.ts";

const ctxOf = (actor: CoreContext["actor"]): CoreContext => ({ channel: "http", locale: "en", requestId: "r", actor });

describe("access: permissions, delegation, guarded modules", () => {
  it("customers act only on what is theirs, staff by role, the platform always, visitors never", () => {
    expect(can({ kind: "buyer", userId: "a" }, "orders.read", "a")).toBe(true);
    expect(can({ kind: "buyer", userId: "a" }, "orders.read", "b")).toBe(false);
    expect(can({ kind: "buyer", userId: "a" }, "orders.read")).toBe(false);
    expect(can({ kind: "buyer", userId: "a" }, "orders.refund", "a")).toBe(false);
    expect(can({ kind: "distributor", userId: "a", via: "api" }, "codes.reveal", "a")).toBe(true);
    expect(can({ kind: "staff", userId: "s", role: "support" }, "orders.read", "anyone")).toBe(true);
    expect(can({ kind: "staff", userId: "s", role: "support" }, "orders.refund")).toBe(false);
    expect(can({ kind: "visitor" }, "orders.read")).toBe(false);
    expect(can(undefined, "orders.read")).toBe(false);
    expect(can({ kind: "system", process: "job" }, "codes.reveal")).toBe(true);
    for (const perms of Object.values(ROLE_PERMISSIONS)) expect(perms).not.toContain("codes.reveal");
  });

  it("hides someone else's resource from a customer, refuses staff openly", () => {
    const hide = { code: "order_not_found", message: "no such order" };
    expect(() => authorize(ctxOf({ kind: "buyer", userId: "b" }), "orders.read", { owner: "a", hide })).toThrow(
      expect.objectContaining({ type: "not_found", code: "order_not_found" }),
    );
    expect(() =>
      authorize(ctxOf({ kind: "staff", userId: "s", role: "viewer" }), "orders.read", { owner: "a", hide }),
    ).toThrow(expect.objectContaining({ type: "forbidden" }));
  });

  it("a guarded method runs as the system on behalf of the caller, and a refusal is a rejected promise", async () => {
    const seen: CoreContext[] = [];
    const module = {
      async read(ctx: CoreContext, input: { userId: string }) {
        seen.push(ctx);
        return input.userId;
      },
      async open(ctx: CoreContext) {
        seen.push(ctx);
        return "open";
      },
      key: (id: string) => `k:${id}`,
    };
    const rules: AccessRules<typeof module> = {
      read: (ctx, input) => authorize(ctx, "orders.read", { owner: input.userId }),
      open: "public",
      key: "pure",
    };
    const guarded = withAccess("probe", module, rules);
    const alice = ctxOf({ kind: "buyer", userId: "a" });
    expect(await guarded.read(alice, { userId: "a" })).toBe("a");
    expect(seen.at(-1)!.actor).toEqual({ kind: "system", process: "probe.read", onBehalfOf: alice.actor });
    const refused = guarded.read(alice, { userId: "b" });
    expect(refused).toBeInstanceOf(Promise);
    await expect(refused).rejects.toMatchObject({ type: "forbidden" });
    expect(await guarded.open(alice)).toBe("open");
    expect(seen.at(-1)).toBe(alice);
    expect(guarded.key("x")).toBe("k:x");
    expect(delegate(systemContext("job"), "x").actor).toEqual({ kind: "system", process: "job" });
  });

  it("a module method without a rule does not compile", () => {
    interface TwoCalls {
      a(ctx: CoreContext): Promise<void>;
      b(ctx: CoreContext): Promise<void>;
    }
    // @ts-expect-error -- `b` has no rule
    const rules: AccessRules<TwoCalls> = { a: "public" };
    expect(Object.keys(rules)).toEqual(["a"]);
  });
});
