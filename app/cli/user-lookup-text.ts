import {
  createUserLookup,
  USER_MATCH_KINDS,
  type FindUsersResult,
  type UserLookup,
  type UserMatchKind,
} from "../../core/flows/index.ts";
import { createIdentity } from "../../core/identity/index.ts";
import { walletCode } from "../../core/ledger/index.ts";
import type { Container } from "../container.ts";
import { ctx, money } from "./cli-lib.ts";
import { CliError } from "./cli-support.ts";

/*
 * What `user find` and `user show` print (app/cli/user-commands.ts registers them; loaded when one runs).
 * The core's user lookup does the work (core/flows/user-lookup.flow.ts); this file only words it.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function userLookupOf(c: Container): UserLookup {
  return createUserLookup({
    identity: createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets }),
    orders: c.orders,
    ledger: c.ledger,
    walletCode,
    catalog: c.catalog,
  });
}

const day = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

export function parseBy(by: string | undefined): UserMatchKind | undefined {
  if (by === undefined) return undefined;
  if ((USER_MATCH_KINDS as readonly string[]).includes(by)) return by as UserMatchKind;
  throw new CliError(`--by must be one of ${USER_MATCH_KINDS.join(", ")}, got ${JSON.stringify(by)}`);
}

/** Why a query found nobody. */
function noMatch(r: FindUsersResult, query: string): CliError {
  if (r.mistypedOrderNumber)
    return new CliError(
      `no user found: ${r.mistypedOrderNumber} looks like an order number with a mistyped character (its last character, a check, does not match)`,
    );
  return new CliError(`no user matches ${JSON.stringify(query.trim())}`);
}

const matchLines = (r: FindUsersResult) => r.matches.map((m) => `  ${m.user.id}  ${m.user.displayName}  — ${m.detail}`);

/** `user find`: one line per user the query names, or a CliError saying why none. */
export async function findUsersText(lookup: UserLookup, query: string, by?: UserMatchKind): Promise<string[]> {
  if (!query.trim()) throw new CliError("say what to look for: a chat id, @username, order number or phone number");
  const r = await lookup.find(ctx(), { query, ...(by ? { by } : {}) });
  if (r.matches.length === 0) throw noMatch(r, query);
  const users = new Set(r.matches.map((m) => m.user.id)).size;
  return [`${users} user${users === 1 ? "" : "s"} found:`, ...matchLines(r), "(`user show <id>` shows one)"];
}

/** The user a `user show` argument names: an id, or whatever `user find` matches to exactly one user. */
async function userIdFor(lookup: UserLookup, ref: string): Promise<string> {
  const uuid = UUID_RE.test(ref.trim());
  let r = await lookup.find(ctx(), { query: ref, ...(uuid ? { by: "user_id" as const } : {}) });
  // A UUID that is no user's may be an order's.
  if (uuid && r.matches.length === 0) r = await lookup.find(ctx(), { query: ref, by: "order" });
  const ids = [...new Set(r.matches.map((m) => m.user.id))];
  if (ids.length === 0) throw noMatch(r, ref);
  if (ids.length > 1)
    throw new CliError(
      [`${ids.length} users match ${JSON.stringify(ref)}: name one by its id`, ...matchLines(r)].join("\n"),
    );
  return ids[0]!;
}

/** `user show`: identities, wallet balances and last orders. */
export async function showUserText(lookup: UserLookup, ref: string, opts: { orders?: number } = {}): Promise<string[]> {
  const p = await lookup.show(ctx(), { userId: await userIdFor(lookup, ref), orders: opts.orders ?? 10 });
  const out = [`user ${p.user.id}  ${p.user.displayName}  (${p.user.locale}, since ${day(p.user.createdAt)})`];
  out.push("identities:");
  if (p.identities.length === 0) out.push("  none (an API-only account)");
  for (const i of p.identities)
    out.push(
      `  ${i.channel} ${i.externalId}${i.username ? ` @${i.username}` : ""}  ${i.canDm ? "private chat open" : "no private chat"}  since ${day(i.createdAt)}`,
    );
  out.push("wallet:");
  for (const w of p.wallets)
    out.push(
      `  ${money(w.balance, w.currency)}${w.held !== 0n ? ` (held ${money(w.held, w.currency)}, available ${money(w.available, w.currency)})` : ""}`,
    );
  out.push(p.orders.length ? `last ${p.orders.length} order${p.orders.length === 1 ? "" : "s"}:` : "no orders");
  for (const { order: o, product } of p.orders)
    out.push(
      `  #${o.number}  ${day(o.createdAt)}  ${o.status.padEnd(10)}  ${product ? `${product.sku} ${product.nameEn}` : o.productId} × ${o.quantity}  ${money(o.total, o.currency)}${o.target ? `  → ${o.target}` : ""}`,
    );
  return out;
}
