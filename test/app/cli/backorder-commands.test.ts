import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "./cli-fixture.ts";
import { asBuyer } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/** `backorders set|list` and `import-codes` filling waiting orders, run in process through the CLI. */
describe("operator CLI: backorders", () => {
  let shop: Shop;
  let dir: string;
  const cli = cliRunner(() => ({ container: shop.c }), { trim: true });

  beforeAll(async () => {
    shop = await createShop("clibackorders", { workers: false });
    dir = await mkdtemp(path.join(tmpdir(), "kameng-bo-"));
  });
  afterAll(async () => {
    await shop.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("turns backorders on, lists the waiting order, and an import fills it", async () => {
    const p = await shop.codeProduct({ sku: "CLI-BO-CARD" });
    expect(await cli("backorders", "set", "CLI-BO-CARD", "maybe")).toMatchObject({ code: 1 });
    expect(await cli("backorders", "set", "CLI-BO-CARD", "on")).toMatchObject({
      code: 0,
      out: "CLI-BO-CARD: backorders on",
    });
    expect(await cli("backorders", "list")).toMatchObject({ out: "no order is waiting for stock" });
    const buyer = await shop.user();
    await shop.fund(buyer, 5_000n);
    const r = await shop.c.orders.place(asBuyer(ctx, buyer), {
      userId: buyer,
      productId: p.id,
      quantity: 1,
      idempotencyKey: "cli-bo",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    const number = (await shop.order(r.order.id)).number;
    expect((await cli("backorders", "list")).out).toMatch(new RegExp(`^${number} {2}${r.order.id} .* waiting 0 min$`));

    const file = path.join(dir, "codes.txt");
    await writeFile(file, "CLI-BO-0001\nCLI-BO-0002\n");
    const imported = await cli("import-codes", file, "--product", "CLI-BO-CARD", "--no-progress");
    expect(imported.out).toContain("imported 2 new code(s)");
    expect(imported.out).toContain("filled 1 waiting order(s) (backorders)");
    expect((await shop.order(r.order.id)).status).toBe("DELIVERED");
  });
});
