import { parseAccountCode, systemCode, walletCode } from "../../core/ledger/index.ts";
import {
  CURRENCIES,
  currencySchema,
  formatMoney,
  newId,
  requestHash,
  systemContext,
  type Currency,
} from "../../core/shared/index.ts";
import type { Container } from "../container.ts";
import { cliActor } from "./cli-run.ts";
import { CliError } from "./cli-support.ts";

// What the operator commands take from the core: loaded by an action when it runs (commands.ts stays light).

export { CURRENCIES, currencySchema, newId, parseAccountCode, requestHash, systemCode, walletCode, type Currency };

/** The `system` actor every CLI command acts as, labelled with who runs it (docs/access.md). */
export const ctx = () => systemContext(cliActor(), { channel: "cli" });

/** Money as operators read it: `¥1,717.90`, `US$5.00`, `120 ⭐`. */
export const money = (amount: bigint, currency: string) =>
  currency in CURRENCIES ? formatMoney(amount, currency as Currency, "zh-CN") : `${amount} ${currency} (minor units)`;

/** `2026-12-02 10:04 UTC` */
export const when = (d: Date | null | undefined) =>
  d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "never";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

export async function productBySku(c: Container, sku: string) {
  const product = await c.catalog.getProductBySku(ctx(), sku);
  if (!product) throw new CliError(`no product with SKU ${JSON.stringify(sku)} (see \`stock\` for the list)`);
  return product;
}

export async function userById(c: Container, id: string) {
  if (!isUuid(id)) throw new CliError(`--user must be a user id (UUID), got ${JSON.stringify(id)}`);
  const user = await c.db.prisma.user.findUnique({ where: { id: id.toLowerCase() } });
  if (!user) throw new CliError(`no user ${id}`);
  return user;
}

/** `"Shop A" (0193…)`: the name an operator knows, with the id to type into the next command. */
export const userLabel = (u: { id: string; displayName: string } | null | undefined, id: string) =>
  u ? `${JSON.stringify(u.displayName)} (${id})` : id;
