import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { walletCode } from "../../../core/ledger/index.ts";
import {
  STAFF_ROLES,
  systemContext,
  type Actor,
  type CoreContext,
  type StaffRole,
} from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

/**
 * Every core call knows its actor, and each kind of actor can do exactly what it should with orders,
 * wallets and codes: a customer only with their own, staff by role (and never see a code), the platform
 * everything — and nothing is allowed because an id is missing.
 */
describe("actors and permissions on orders, wallets and codes", () => {
  let shop: Shop;
  let alice: string;
  let bob: string;
  let orderId: string;
  const as = (actor: Actor): CoreContext => ({ channel: "http", locale: "en", requestId: "actors", actor });
  const buyer = (userId: string) => as({ kind: "buyer", userId });
  const distributor = (userId: string) => as({ kind: "distributor", userId, via: "api", apiKeyId: "k" });
  const staff = (role: StaffRole) => as({ kind: "staff", userId: "00000000-0000-4000-8000-00000000057a", role });
  const system = systemContext("actors-test");

  /** "ok", or the error's type (`not_found`, `forbidden`, …). */
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: { type?: string }) => e.type ?? String(e),
    );
  /** Each staff role's outcome of `read`. */
  const byRole = async (read: (ctx: CoreContext) => Promise<string>) =>
    Object.fromEntries(await Promise.all(STAFF_ROLES.map(async (r) => [r, await read(staff(r))])));
  /** Who reads any order: every staff role but the viewer (reports only). */
  const ORDER_READERS = { owner: "ok", admin: "ok", operator: "ok", finance: "ok", support: "ok", viewer: "forbidden" };

  beforeAll(async () => {
    shop = await createShop("actors", { workers: false });
    const product = await shop.codeProduct({ price: 500n, stock: 3 });
    alice = await shop.user();
    bob = await shop.user();
    await shop.fund(alice, 5_000n);
    const placed = await shop.c.orders.place(buyer(alice), {
      userId: alice,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "actors-1",
      payWith: "wallet",
    });
    if (!placed.ok) throw new Error(placed.code);
    orderId = placed.order.id;
  });
  afterAll(() => shop.dispose());

  it("orders: the owner, staff who read orders, and the platform see one; others are told it does not exist", async () => {
    const get = (ctx: CoreContext) => outcome(shop.c.orders.get(ctx, { orderId }));
    expect(await get(buyer(alice))).toBe("ok");
    expect(await get(distributor(alice))).toBe("ok");
    expect(await get(buyer(bob))).toBe("not_found");
    expect(await get(distributor(bob))).toBe("not_found");
    expect(await get(system)).toBe("ok");
    expect(await byRole(get)).toEqual(ORDER_READERS);
    expect(await outcome(shop.c.orders.listForUser(buyer(bob), { userId: alice }))).toBe("not_found");
    expect(await outcome(shop.c.orders.events(buyer(bob), { orderId }))).toBe("not_found");
    expect(await outcome(shop.c.orders.listForUser(buyer(alice), { userId: alice }))).toBe("ok");
  });

  it("an order's history: read like the order — by its owner, staff who read orders and the platform", async () => {
    const events = (ctx: CoreContext, id = orderId) => outcome(shop.c.orders.events(ctx, { orderId: id }));
    expect(await events(buyer(alice))).toBe("ok");
    expect(await events(buyer(bob))).toBe("not_found");
    expect(await events(distributor(bob))).toBe("not_found");
    expect(await events(system)).toBe("ok");
    expect(await byRole(events)).toEqual(ORDER_READERS);
    // Staff read a history without the order itself: an order that does not exist is still not found.
    const none = "00000000-0000-4000-8000-0000000000ff";
    expect(await events(staff("support"), none)).toBe("not_found");
    expect(await events(system, none)).toBe("not_found");
    expect(await events(staff("viewer"), none)).toBe(
      await outcome(shop.c.orders.get(staff("viewer"), { orderId: none })),
    );
    expect((await shop.c.orders.events(staff("support"), { orderId })).map((e) => e.toStatus)).toContain("DELIVERED");
  });

  it("orders: nobody places, pays or refunds for someone else; only the platform fulfils; finance refunds", async () => {
    const input = {
      userId: alice,
      productId: "00000000-0000-4000-8000-000000000001",
      quantity: 1,
      payWith: "wallet" as const,
    };
    expect(await outcome(shop.c.orders.place(buyer(bob), { ...input, idempotencyKey: "bob-for-alice" }))).toBe(
      "not_found",
    );
    expect(await outcome(shop.c.orders.place(staff("support"), { ...input, idempotencyKey: "support" }))).toBe(
      "forbidden",
    );
    expect(await outcome(shop.c.orders.payFromWallet(buyer(bob), { orderId }))).toBe("not_found");
    expect(await outcome(shop.c.orders.cancel(buyer(bob), { orderId }))).toBe("not_found");
    expect(await outcome(shop.c.orders.fulfil(buyer(alice), { orderId }))).toBe("forbidden");
    expect(await outcome(shop.c.orders.fulfil(staff("admin"), { orderId }))).toBe("forbidden"); // staff retry through orders.retry (the console)
    expect(await outcome(shop.c.orders.fulfil(system, { orderId }))).toBe("ok");
    expect(await outcome(shop.c.orders.refund(buyer(alice), { orderId, reason: "mine" }))).toBe("forbidden");
    expect(await outcome(shop.c.orders.refund(staff("support"), { orderId, reason: "x" }))).toBe("forbidden");
    // Finance may refund, a delivered order included (its codes are burned; under the approval threshold).
    expect(await outcome(shop.c.orders.refund(staff("finance"), { orderId, reason: "x" }))).toBe("ok");
    expect((await shop.c.orders.get(system, { orderId })).status).toBe("REFUNDED");
  });

  it("codes: only the order's owner (and the platform delivering them) — never another buyer, never staff", async () => {
    const codes = (ctx: CoreContext) => outcome(shop.c.orders.codesFor(ctx, { orderId }));
    expect(await codes(buyer(alice))).toBe("ok");
    expect(await codes(system)).toBe("ok");
    expect(await codes(buyer(bob))).toBe("not_found");
    for (const role of STAFF_ROLES) expect(await codes(staff(role)), role).toBe("forbidden");
    // The inventory itself reveals to the platform only (the orders flow checks the owner first).
    expect(await outcome(shop.c.inventory.reveal(buyer(alice), { orderId }))).toBe("forbidden");
    expect(await outcome(shop.c.inventory.reveal(staff("owner"), { orderId }))).toBe("forbidden");
  });

  it("wallets: the owner and staff who read wallets see the balance; only the platform posts to the ledger", async () => {
    const balance = (ctx: CoreContext, user = alice) => outcome(shop.c.ledger.balance(ctx, walletCode(user, "CNY")));
    expect(await balance(buyer(alice))).toBe("ok");
    expect(await balance(buyer(bob))).toBe("not_found");
    expect(await balance(staff("finance"))).toBe("ok");
    expect(await balance(staff("support"))).toBe("ok");
    expect(await balance(staff("viewer"))).toBe("forbidden");
    expect(await outcome(shop.c.ledger.balance(buyer(alice), "system:custody:CNY"))).toBe("forbidden");

    const credit = (ctx: CoreContext, key: string) =>
      outcome(
        shop.c.ledger.post(ctx, {
          idempotencyKey: key,
          kind: "top_up",
          legs: [
            { account: "system:custody:CNY", amount: -100n },
            { account: walletCode(alice, "CNY"), amount: 100n },
          ],
        }),
      );
    expect(await credit(buyer(alice), "self-credit")).toBe("forbidden");
    expect(await credit(staff("support"), "support-credit")).toBe("forbidden");
    // Staff move money through checked operations (a wallet credit, approved), never a raw posting.
    expect(await credit(staff("finance"), "finance-credit")).toBe("forbidden");
    expect(await credit(staff("owner"), "owner-credit")).toBe("forbidden");
    expect(await credit(system, "system-credit")).toBe("ok");
  });

  it("a context without an actor is refused everywhere, never treated as an operator", async () => {
    const anonymous = { channel: "http", locale: "en", requestId: "no-actor" } as unknown as CoreContext;
    expect(await outcome(shop.c.orders.get(anonymous, { orderId }))).toBe("forbidden");
    expect(await outcome(shop.c.orders.codesFor(anonymous, { orderId }))).toBe("forbidden");
    expect(await outcome(shop.c.ledger.balance(anonymous, walletCode(alice, "CNY")))).toBe("forbidden");
    expect(await outcome(shop.c.orders.fulfil(anonymous, { orderId }))).toBe("forbidden");
    const visitor = as({ kind: "visitor" });
    expect(await outcome(shop.c.orders.get(visitor, { orderId }))).toBe("forbidden");
    // Public reads stay public.
    expect(await outcome(shop.c.catalog.listProducts(visitor, {}))).toBe("ok");
  });
});
