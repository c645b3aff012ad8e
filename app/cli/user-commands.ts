import type { Command } from "commander";
import { out } from "./cli-run.ts";
import { action, CliError, withContainer } from "./cli-support.ts";

/*
 * `user find` and `user show`: operators finding a buyer (by a chat identity, @username, order number or a
 * phone number/account an order went to) and seeing who they are. What they print is in user-lookup-text.ts,
 * loaded when a command runs (`--help` stays fast).
 */

const text = () => import("./user-lookup-text.ts");
const KINDS = "user_id, channel_id, username, order, target";

/** Registers `user find` and `user show` (app/cli/commands.ts calls this). */
export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("find a buyer and see their identities, wallet and orders");
  user
    .command("find")
    .description(
      "find users by a chat identity's id (Telegram user id, WeChat id, web-chat id), @username, order number or id, or a phone number/account an order was sent to",
    )
    .argument("<query>", "e.g. 123456789, @alice, K7M2-9QX4, 13800138000")
    .option("--by <kind>", `only this kind of match: ${KINDS}`)
    .action(
      action(async (query: string, o: { by?: string }) => {
        const { findUsersText, parseBy, userLookupOf } = await text();
        const by = parseBy(o.by);
        await withContainer(async (c) => out(...(await findUsersText(userLookupOf(c), query, by))));
      }),
    );
  user
    .command("show")
    .description("a user's identities, wallet balances and last orders (with numbers and products)")
    .argument("<user>", "a user id, or anything `user find` matches to one user (@alice, K7M2-9QX4, …)")
    .option("--orders <n>", "how many of the last orders", "10")
    .action(
      action(async (ref: string, o: { orders: string }) => {
        const orders = Number(o.orders);
        if (!Number.isInteger(orders) || orders < 1 || orders > 100)
          throw new CliError("--orders must be a whole number from 1 to 100");
        const { showUserText, userLookupOf } = await text();
        await withContainer(async (c) => out(...(await showUserText(userLookupOf(c), ref, { orders }))));
      }),
    );
}
