import type { Orders, UserLookup } from "../../core/flows/index.ts";
import type { NumberedOrder } from "../../core/orders/index.ts";
import { parseOrderRef } from "../../core/orders/index.ts";
import type { Suppliers } from "../../core/suppliers/index.ts";
import { isDomainError, type CoreContext } from "../../core/shared/index.ts";

/** What the order lookup reads (the staff bot's deps). */
export interface OrderLookupDeps {
  orders: Pick<Orders, "resolveRef" | "get" | "listForUser" | "byTargets">;
  users?: Pick<UserLookup, "find">;
  suppliers?: Pick<Suppliers, "attemptsByRef">;
}

export type OrderLookupResult =
  | { kind: "one"; order: NumberedOrder; by: string }
  | { kind: "many"; orders: Array<{ order: NumberedOrder; by: string }> }
  | { kind: "none" };

const MAX_LISTED = 10;

/**
 * The orders a staff member named: an order number (`K7M2-9QX4`, as people type it) or id; a supplier's
 * reference; a buyer (user id, Telegram/WeChat id, @username) — their latest orders; a recharge target
 * (phone number, game account) — the orders sent to it. A mistyped order number is refused as such. A
 * role that may read orders but not look buyers up (`identity.manage`) still finds orders by number,
 * id and supplier reference; by buyer it is refused.
 */
export async function lookupOrders(deps: OrderLookupDeps, ctx: CoreContext, query: string): Promise<OrderLookupResult> {
  const q = query.trim();
  const ref = parseOrderRef(q);
  if (ref.kind === "number" || ref.kind === "id") {
    const order = await orNull(deps.orders.resolveRef(ctx, { ref: q }));
    if (order) return { kind: "one", order, by: ref.kind === "id" ? "order id" : "order number" };
  }

  const found = new Map<string, { order: NumberedOrder; by: string }>();
  const add = (order: NumberedOrder, by: string) => {
    if (!found.has(order.id)) found.set(order.id, { order, by });
  };
  for (const a of (await deps.suppliers?.attemptsByRef(ctx, { externalRef: q })) ?? []) {
    const order = await orNull(deps.orders.get(ctx, { orderId: a.orderId }));
    if (order) add(order, `supplier ${a.supplierCode} ref ${a.externalRef}`);
  }

  let refused: unknown = null;
  if (deps.users) {
    try {
      const users = await deps.users.find(ctx, { query: q });
      for (const m of users.matches) {
        if (m.by === "order") continue;
        if (m.by === "target") {
          for (const o of await deps.orders.byTargets(ctx, { targets: [q], limit: MAX_LISTED }))
            if (o.userId === m.user.id) add(o, m.detail);
          continue;
        }
        for (const o of await deps.orders.listForUser(ctx, { userId: m.user.id, limit: MAX_LISTED }))
          add(o, `buyer ${m.detail}`);
      }
    } catch (e) {
      // Not allowed to look buyers up: say so only when nothing else was found.
      if (!isDomainError(e) || e.type !== "forbidden") throw e;
      refused = e;
    }
  }
  if (found.size === 0) {
    // A target in any form a buyer typed it (operators without the buyer lookup still find orders by it).
    if (refused || !deps.users)
      for (const o of await deps.orders.byTargets(ctx, { targets: [q], limit: MAX_LISTED })) add(o, `target ${q}`);
  }
  // Looked like an order number with a mistyped character, and is nothing else: say so.
  if (found.size === 0 && ref.kind === "mistyped") await deps.orders.resolveRef(ctx, { ref: q });
  // Not allowed to look buyers up, and the query was not an order's number or id: refused as such.
  if (found.size === 0 && refused && ref.kind === "invalid") throw refused;
  const all = [...found.values()]
    .sort((a, b) => b.order.createdAt.getTime() - a.order.createdAt.getTime())
    .slice(0, MAX_LISTED);
  if (all.length === 0) return { kind: "none" };
  if (all.length === 1) return { kind: "one", order: all[0]!.order, by: all[0]!.by };
  return { kind: "many", orders: all };
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isDomainError(e) && e.type === "not_found") return null;
    throw e;
  }
}
