import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "./cli-fixture.ts";
import { userLookupOf } from "../../../app/cli/user-lookup-text.ts";
import { createIdentity } from "../../../core/identity/index.ts";
import { buyerActor, newId, systemContext, type CoreContext, type StaffRole } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

const asStaff = (role: StaffRole): CoreContext => ({
  ...systemContext("test"),
  actor: { kind: "staff", userId: newId(), role },
});

/**
 * `user find`, `user show` and `order show` by number, run in process through the CLI (runCli) against
 * this file's shop.
 */
describe("operator CLI: finding a buyer, and orders by their number", () => {
  let shop: Shop;
  let alice: string;
  let bob: string;
  let codeOrder: { id: string; number: string };
  let directOrder: { id: string; number: string };

  const cli = cliRunner(() => ({ container: shop.c }), { trim: true });

  beforeAll(async () => {
    shop = await createShop("cliusers", { workers: false });
    const identity = createIdentity({ sql: shop.c.db.sql, clock: shop.c.clock, secrets: shop.c.secrets });
    const sys = systemContext("test");
    // Telegram records the sender's username on every turn; a renamed user is found by the new name.
    alice = (
      await identity.resolve(sys, {
        channel: "telegram",
        externalId: "7001001",
        displayName: "Alice",
        username: "alice_old",
        privateChat: true,
      })
    ).user.id;
    await identity.resolve(sys, {
      channel: "telegram",
      externalId: "7001001",
      displayName: "Alice",
      username: "Alice_TG",
    });
    bob = (await identity.resolve(sys, { channel: "web", externalId: "web-bob-browser", displayName: "Bob" })).user.id;
    await shop.fund(alice, 10_000n);
    const card = await shop.codeProduct({ stock: 3, sku: "CLI-USER-CARD" });
    const { supplier } = await shop.supplier("cli-users-sim");
    const topUp = await shop.directProduct([{ supplierId: supplier.id, cost: 2500n }]);
    const place = async (productId: string, key: string, target: string | null) => {
      const r = await shop.c.orders.place(
        { ...sys, actor: buyerActor(alice) },
        { userId: alice, productId, quantity: 1, target, idempotencyKey: key, payWith: "wallet" },
      );
      if (!r.ok) throw new Error(r.code);
      return shop.c.orders.get(sys, { orderId: r.order.id });
    };
    codeOrder = await place(card.id, "cli-users-1", null);
    directOrder = await place(topUp.id, "cli-users-2", "13800138000");
  });
  afterAll(() => shop?.dispose());

  it("finds a buyer by Telegram id, @username (any case), order number, phone number, and web-chat id", async () => {
    for (const [query, detail] of [
      ["7001001", "telegram 7001001"],
      ["@alice_tg", "@Alice_TG (telegram)"],
      [codeOrder.number.toLowerCase().replace("-", ""), `order ${codeOrder.number}`],
      [`#${directOrder.number}`, `order ${directOrder.number}`],
      ["+86 138 0013 8000", "target 13800138000 (1 order)"],
    ]) {
      const r = await cli("user", "find", query!);
      expect(r.code, `${query}: ${r.err}`).toBe(0);
      expect(r.out, query).toContain("1 user found:");
      expect(r.out, query).toContain(`${alice}  Alice  — ${detail}`);
      expect(r.out, query).not.toContain(bob);
    }
    const web = await cli("user", "find", "web-bob-browser");
    expect(web.out).toContain(`${bob}  Bob  — web web-bob-browser`);
    // The old username no longer names anyone; --by restricts the kind of match.
    expect((await cli("user", "find", "@alice_old")).code).toBe(1);
    expect((await cli("user", "find", "7001001", "--by", "target")).code).toBe(1);
  });

  it("says why nothing was found: no match, a mistyped order number, a bad --by", async () => {
    const none = await cli("user", "find", "@nobody_here");
    expect(none).toMatchObject({ code: 1, out: "" });
    expect(none.err).toContain('no user matches "@nobody_here"');
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const typo =
      codeOrder.number.slice(0, -1) + alphabet[(alphabet.indexOf(codeOrder.number.at(-1)!) + 1) % alphabet.length];
    const mistyped = await cli("user", "find", typo);
    expect(mistyped.code).toBe(1);
    expect(mistyped.err).toContain(`${typo} looks like an order number with a mistyped character`);
    const badBy = await cli("user", "find", "x", "--by", "email");
    expect(badBy.code).toBe(1);
    expect(badBy.err).toContain("--by must be one of user_id, channel_id, username, order, target");
  });

  it("shows a buyer's identities, wallet in money and last orders with numbers and SKUs", async () => {
    for (const ref of [alice, "@ALICE_TG", codeOrder.number, codeOrder.id]) {
      const r = await cli("user", "show", ref);
      expect(r.code, `${ref}: ${r.err}`).toBe(0);
      expect(r.out).toContain(`user ${alice}  Alice`);
      expect(r.out).toMatch(/telegram 7001001 @Alice_TG {2}private chat open/);
      expect(r.out).toContain("wallet:\n  ¥60.00");
      expect(r.out).toContain("last 2 orders:");
      expect(r.out).toMatch(new RegExp(`#${codeOrder.number} .* DELIVERED +CLI-USER-CARD Test card × 1 {2}¥10\\.00`));
      expect(r.out).toMatch(new RegExp(`#${directOrder.number} .* PAID .* × 1 {2}¥30\\.00 {2}→ 13800138000`));
    }
    const one = await cli("user", "show", alice, "--orders", "1");
    expect(one.out).toContain("last 1 order:");
    expect((await cli("user", "show", bob)).out).toContain("no orders");
    const unknown = await cli("user", "show", newId());
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("no user matches");
    expect((await cli("user", "show", alice, "--orders", "0")).err).toContain("--orders must be a whole number");
  });

  it("order show takes the number as the buyer sees it; a mistyped one is said to be mistyped", async () => {
    const shown = await cli("order", "show", `#${codeOrder.number.toLowerCase()}`);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`order #${codeOrder.number} (${codeOrder.id}): DELIVERED`);
    expect((await cli("order", "show", codeOrder.id)).out).toContain(`order #${codeOrder.number}`);
    const typo = `${codeOrder.number.slice(0, 2)}${codeOrder.number[2] === "Z" ? "Y" : "Z"}${codeOrder.number.slice(3)}`;
    const mistyped = await cli("order", "show", typo);
    expect(mistyped.code).toBe(1);
    expect(mistyped.err).toMatch(/mistyped.*\(order_number_mistyped\)/);
    const garbage = await cli("order", "show", "hello");
    expect(garbage.err).toContain("(invalid_order_ref)");
  });

  it("the lookup is for staff who manage identities and the platform: buyers and other roles are refused", async () => {
    const lookup = userLookupOf(shop.c);
    expect((await lookup.find(asStaff("support"), { query: "@alice_tg" })).matches[0]?.user.id).toBe(alice);
    expect((await lookup.show(asStaff("support"), { userId: alice })).orders).toHaveLength(2);
    const buyer = { ...systemContext("test"), actor: buyerActor(alice) };
    for (const ctx of [buyer, asStaff("operator"), asStaff("finance"), asStaff("viewer")]) {
      await expect(lookup.find(ctx, { query: "@alice_tg" })).rejects.toMatchObject({ type: "forbidden" });
      await expect(lookup.show(ctx, { userId: alice })).rejects.toMatchObject({ type: "forbidden" });
    }
    await expect(shop.c.orders.byTargets(buyer, { targets: ["13800138000"] })).rejects.toMatchObject({
      type: "forbidden",
    });
  });
});
