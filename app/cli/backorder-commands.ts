import type { Command } from "commander";
import { out } from "./cli-run.ts";
import { action, CliError, withContainer } from "./cli-support.ts";

const lib = () => import("./cli-lib.ts");

/**
 * 补单 from the command line: `backorders set <sku> on|off` (a CODE product takes paid orders while out of
 * stock) and `backorders list` (what waits, oldest first). The staff console has the same.
 */
export function registerBackorderCommands(program: Command): void {
  const backorders = program
    .command("backorders")
    .description("补单: orders paid while out of stock, waiting for codes");
  backorders
    .command("set")
    .description("whether a CODE product takes paid orders while out of stock (they wait for an import)")
    .argument("<sku>", "the product SKU")
    .argument("<mode>", "on | off")
    .action(
      action(async (sku: string, mode: string) => {
        if (mode !== "on" && mode !== "off") throw new CliError("mode must be on or off");
        await withContainer(async (c) => {
          const { ctx, productBySku } = await lib();
          const product = await productBySku(c, sku);
          const p = await c.catalog.updateProduct(ctx(), {
            productId: product.id,
            patch: { acceptBackorders: mode === "on" },
          });
          out(`${p.sku}: backorders ${p.acceptBackorders ? "on" : "off"}`);
        });
      }),
    );
  backorders
    .command("list")
    .description("orders waiting for stock, oldest first, with how long they have waited")
    .action(
      action(async () => {
        await withContainer(async (c) => {
          const { ctx, money } = await lib();
          const list = await c.orders.backorders(ctx(), { limit: 200 });
          if (list.length === 0) return out("no order is waiting for stock");
          const now = Date.now();
          for (const o of list) {
            const minutes = Math.floor((now - (o.paidAt ?? o.createdAt).getTime()) / 60_000);
            out(`${o.number}  ${o.id}  ${money(o.total, o.currency)}  ×${o.quantity}  waiting ${minutes} min`);
          }
        });
      }),
    );
}
