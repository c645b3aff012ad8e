import { parseMainlandMobile, type Product } from "../catalog/index.ts";
import type { IdentityRecord, UserRecord } from "../identity/index.ts";
import { parseOrderRef, type NumberedOrder } from "../orders/index.ts";
import {
  authorize,
  CURRENCIES,
  isDomainError,
  notFound,
  withAccess,
  type CoreContext,
  type Currency,
} from "../shared/index.ts";

/*
 * Operators finding a buyer and seeing who they are (the CLI's `user find` / `user show`; the staff console
 * reuses it): composed from the identity, orders, ledger and catalog read APIs, for staff and the platform.
 */

export const USER_MATCH_KINDS = ["user_id", "channel_id", "username", "order", "target"] as const;
export type UserMatchKind = (typeof USER_MATCH_KINDS)[number];

export interface UserMatch {
  user: UserRecord;
  by: UserMatchKind;
  /** What matched, for people: `telegram 123456789`, `@alice (telegram)`, `order K7M2-9QX4`, `target 138… (2 orders)`. */
  detail: string;
}

export interface FindUsersResult {
  matches: UserMatch[];
  /** The query looked like an order number but one character is mistyped (its check character does not match). */
  mistypedOrderNumber?: string;
}

export interface UserProfile {
  user: UserRecord;
  identities: IdentityRecord[];
  /** The shop's currency always; other currencies while they hold anything. */
  wallets: Array<{ currency: Currency; balance: bigint; held: bigint; available: bigint }>;
  /** Newest first. */
  orders: Array<{ order: NumberedOrder; product: Pick<Product, "sku" | "nameZh" | "nameEn"> | null }>;
}

export interface UserLookupDeps {
  identity: {
    findUser(ctx: CoreContext, userId: string): Promise<UserRecord | null>;
    identitiesOf(ctx: CoreContext, userId: string): Promise<IdentityRecord[]>;
    findIdentities(ctx: CoreContext, input: { externalId: string } | { username: string }): Promise<IdentityRecord[]>;
  };
  orders: {
    resolveRef(ctx: CoreContext, input: { ref: string }): Promise<NumberedOrder>;
    byTargets(ctx: CoreContext, input: { targets: string[]; limit?: number }): Promise<NumberedOrder[]>;
    listForUser(ctx: CoreContext, input: { userId: string; limit?: number }): Promise<NumberedOrder[]>;
  };
  ledger: { balance(ctx: CoreContext, code: string): Promise<{ balance: bigint; held: bigint; available: bigint }> };
  walletCode(userId: string, currency: Currency): string;
  catalog: { getProduct(ctx: CoreContext, id: string): Promise<Product | null> };
  /** The currency every profile lists (default CNY). */
  currency?: Currency;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a query may be, in the order they are tried when the caller does not say (`by`). */
function kindsFor(query: string): UserMatchKind[] {
  if (query.startsWith("@")) return ["username"];
  if (UUID_RE.test(query)) return ["user_id", "order"];
  const kinds: UserMatchKind[] = ["channel_id"];
  const ref = parseOrderRef(query);
  if (ref.kind === "number" || ref.kind === "mistyped") kinds.push("order");
  if (/^[A-Za-z0-9_]{3,64}$/.test(query)) kinds.push("username");
  kinds.push("target");
  return kinds;
}

/** The forms a recharge target may be stored in: as typed, and a mainland mobile number's 11 digits. */
function targetForms(query: string): string[] {
  const mobile = parseMainlandMobile(query);
  return [...new Set([query, ...(mobile.ok ? [mobile.number] : [])])];
}

export function createUserLookup(deps: UserLookupDeps) {
  const shopCurrency = deps.currency ?? "CNY";

  async function matchesBy(ctx: CoreContext, kind: UserMatchKind, query: string, out: FindUsersResult) {
    const found: Array<{ userId: string; detail: string }> = [];
    switch (kind) {
      case "user_id":
        if (UUID_RE.test(query)) found.push({ userId: query.toLowerCase(), detail: "user id" });
        break;
      case "channel_id":
        for (const i of await deps.identity.findIdentities(ctx, { externalId: query }))
          found.push({ userId: i.userId, detail: `${i.channel} ${i.externalId}` });
        break;
      case "username":
        for (const i of await deps.identity.findIdentities(ctx, { username: query }))
          found.push({ userId: i.userId, detail: `@${i.username} (${i.channel})` });
        break;
      case "order": {
        const ref = parseOrderRef(query);
        if (ref.kind === "mistyped") out.mistypedOrderNumber = ref.number;
        if (ref.kind !== "id" && ref.kind !== "number") break;
        try {
          const order = await deps.orders.resolveRef(ctx, { ref: query });
          found.push({ userId: order.userId, detail: `order ${order.number}` });
        } catch (e) {
          if (!isDomainError(e) || e.type !== "not_found") throw e;
        }
        break;
      }
      case "target": {
        const forms = targetForms(query);
        const perUser = new Map<string, { target: string; n: number }>();
        for (const o of await deps.orders.byTargets(ctx, { targets: forms, limit: 100 })) {
          const seen = perUser.get(o.userId);
          if (seen) seen.n++;
          else perUser.set(o.userId, { target: o.target ?? query, n: 1 });
        }
        for (const [userId, { target, n }] of perUser)
          found.push({ userId, detail: `target ${target} (${n} order${n === 1 ? "" : "s"})` });
        break;
      }
    }
    return found;
  }

  const module = {
    /**
     * Users a query names: a user id, a channel identity's id (Telegram user id, WeChat id, web-chat
     * browser id), an @username, an order number or id, or a phone number / account an order was sent to.
     * `by` restricts the query to one kind; otherwise every kind it may be is tried.
     */
    async find(ctx: CoreContext, input: { query: string; by?: UserMatchKind }): Promise<FindUsersResult> {
      const query = input.query.trim();
      const out: FindUsersResult = { matches: [] };
      if (!query) return out;
      const seen = new Set<string>();
      for (const kind of input.by ? [input.by] : kindsFor(query))
        for (const m of await matchesBy(ctx, kind, query, out)) {
          const key = `${m.userId}\u0000${kind}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const user = await deps.identity.findUser(ctx, m.userId);
          if (user) out.matches.push({ user, by: kind, detail: m.detail });
        }
      return out;
    },

    /** A user's identities, wallet balances and last orders (with their numbers and products). */
    async show(ctx: CoreContext, input: { userId: string; orders?: number }): Promise<UserProfile> {
      const user = UUID_RE.test(input.userId) ? await deps.identity.findUser(ctx, input.userId.toLowerCase()) : null;
      if (!user) throw notFound("user_not_found", "no such user", { userId: input.userId });
      const [identities, orders, wallets] = await Promise.all([
        deps.identity.identitiesOf(ctx, user.id),
        deps.orders.listForUser(ctx, { userId: user.id, limit: input.orders ?? 10 }),
        Promise.all(
          (Object.keys(CURRENCIES) as Currency[]).map(async (currency) => ({
            currency,
            ...(await deps.ledger.balance(ctx, deps.walletCode(user.id, currency))),
          })),
        ),
      ]);
      const products = new Map<string, Product | null>();
      for (const o of orders)
        if (!products.has(o.productId)) products.set(o.productId, await deps.catalog.getProduct(ctx, o.productId));
      return {
        user,
        identities,
        wallets: wallets
          .filter((w) => w.currency === shopCurrency || w.balance !== 0n || w.held !== 0n)
          .map(({ currency, balance, held, available }) => ({ currency, balance, held, available })),
        orders: orders.map((order) => {
          const p = products.get(order.productId);
          return { order, product: p ? { sku: p.sku, nameZh: p.nameZh, nameEn: p.nameEn } : null };
        }),
      };
    },
  };

  // Anyone's identities, orders and wallet: staff whose role covers all of them (support, admin, owner)
  // and the platform. A customer is refused (they name no owner).
  return withAccess("users", module, {
    find: (ctx) => {
      authorize(ctx, "identity.manage");
      authorize(ctx, "orders.read");
    },
    show: (ctx) => {
      authorize(ctx, "identity.manage");
      authorize(ctx, "orders.read");
      authorize(ctx, "wallet.read");
    },
  });
}

export type UserLookup = ReturnType<typeof createUserLookup>;
