import type { Catalog } from "../../core/catalog/index.ts";
import type { Orders } from "../../core/flows/index.ts";
import type { Inventory } from "../../core/inventory/index.ts";
import type { NumberedOrder } from "../../core/orders/index.ts";
import type { Suppliers } from "../../core/suppliers/index.ts";
import { formatMoney, type CoreContext, type Currency, type Locale } from "../../core/shared/index.ts";
import { bold, code, plain, type Reply, type TextPart } from "../turn.ts";
import { lookupOrders, type OrderLookupDeps } from "./order-lookup.ts";
import { orderMessages } from "./order-messages.ts";
import { backorderButton } from "./staff-commands.ts";
import type { StaffMessages } from "./staff-messages.ts";

/** What the order and 补单 commands read and call (part of the staff bot's deps). */
export interface OrderCommandDeps extends OrderLookupDeps {
  orders: OrderLookupDeps["orders"] &
    Pick<Orders, "events" | "backorders" | "fillBackorder" | "rerouteBackorder" | "retryWithAnotherSupplier">;
  inventory: Pick<Inventory, "maskedCodes">;
  catalog: Pick<Catalog, "getProduct" | "getProductBySku" | "updateProduct">;
  suppliers?: OrderLookupDeps["suppliers"] & Pick<Suppliers, "attemptsFor">;
}

/** The staff bot's helpers these commands use: the audit row and the usage reply. */
export interface CommandKit {
  ctx: CoreContext;
  m: StaffMessages;
  locale: Locale;
  audited(
    outcome: "ok" | "refused",
    details: Record<string, unknown>,
    target?: { type: string; id: string },
  ): Promise<unknown>;
  usage(u: string): Promise<Reply[]>;
  now(): Date;
}

const text = (...body: TextPart[]): Reply => ({ kind: "text", body });
const time = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—");
const money = (amount: bigint, currency: string, locale: Locale) => formatMoney(amount, currency as Currency, locale);

/** `order <anything that names orders>`: one order in full, or a short list. */
export async function orderCommand(deps: OrderCommandDeps, k: CommandKit, query: string): Promise<Reply[]> {
  const om = orderMessages(k.locale);
  if (!query.trim()) return k.usage(om.lookupUsage);
  const q = query.trim().slice(0, 200);
  const found = await lookupOrders(deps, k.ctx, q);
  if (found.kind === "none") {
    await k.audited("refused", { code: "no_order", query: q });
    return [text(plain(om.noOrders(q)))];
  }
  if (found.kind === "many") {
    await k.audited("ok", { query: q, found: found.orders.length });
    const lines = found.orders.map(
      ({ order: o, by }) =>
        `${o.number}  ${o.status.padEnd(14)} ${money(o.total, o.currency, k.locale).padStart(10)}  ${time(o.createdAt)}  ${by}`,
    );
    return [text(bold(om.found(found.orders.length, q)), plain("\n"), { text: lines.join("\n"), style: "pre" })];
  }
  return orderDetail(deps, k, found.order, found.by);
}

/** One order: status, amounts, payment, supplier attempts, codes masked (never whole), history. */
async function orderDetail(deps: OrderCommandDeps, k: CommandKit, order: NumberedOrder, by: string): Promise<Reply[]> {
  const { m, locale } = k;
  const om = orderMessages(locale);
  // The audit row is written alongside the reads, not after them: the order was found and these reads
  // change nothing, and one commit fewer in a row is most of what a look-up waits for (slack_p99_ms).
  const [events, codes, attempts, product] = await Promise.all([
    deps.orders.events(k.ctx, { orderId: order.id }),
    // Codes are never shown in the staff channel: masked, with their hash prefix.
    deps.inventory.maskedCodes(k.ctx, { orderId: order.id }),
    deps.suppliers?.attemptsFor(k.ctx, { orderId: order.id }) ?? Promise.resolve([]),
    deps.catalog.getProduct(k.ctx, order.productId),
    k.audited("ok", { by }, { type: "order", id: order.id }),
  ]);
  const lines = [
    "",
    `${om.matchedBy}: ${by}`,
    `${m.status}: ${order.status}`,
    `${om.product}: ${product ? `${product.sku} (${locale === "en" ? product.nameEn : product.nameZh})` : order.productId}`,
    `${m.total}: ${money(order.total, order.currency, locale)} (${order.quantity} × ${money(order.unitPrice, order.currency, locale)})`,
    `${m.buyer}: ${order.userId}`,
    `${om.channel}: ${order.channel}${order.target ? ` → ${order.target}` : ""}`,
    `${m.created}: ${time(order.createdAt)}`,
    `${om.payment}: ${om.paymentLine(order.paymentTxId, time(order.paidAt))}`,
    ...(order.settleTxId ? [`${om.settlement}: ledger ${order.settleTxId}`] : []),
    `${m.delivered}: ${time(order.deliveredAt)}`,
    ...(order.failureReason ? [`${m.failure}: ${order.failureReason}`] : []),
    `${om.suppliers}: ${attempts.length ? "" : om.noAttempts}`,
    ...attempts.map(
      (a) =>
        `  ${time(a.createdAt)}  ${a.supplierCode}  ${a.status}${a.externalRef ? `  ref ${a.externalRef}` : ""}${a.error ? `  (${a.error})` : ""}`,
    ),
    ...(codes.length > 0 ? [`${m.codes}:`, ...codes.map((c) => `  ${c.masked}  #${c.hashPrefix}  ${c.status}`)] : []),
    `${m.history}:`,
    ...events.map(
      (e) => `  ${time(e.createdAt)}  ${e.fromStatus ?? "·"} → ${e.toStatus}${e.reason ? ` (${e.reason})` : ""}`,
    ),
  ];
  const reply: Reply = {
    kind: "text",
    body: [bold(`${m.order} ${order.number} `), code(order.id), plain(lines.join("\n"))],
    ...(order.status === "AWAITING_STOCK" ? { buttons: [backorderButtons(order, locale)] } : {}),
  };
  return [reply];
}

function backorderButtons(order: NumberedOrder, locale: Locale) {
  const om = orderMessages(locale);
  return [
    { kind: "callback" as const, label: om.fill, data: backorderButton("fill", order.id) },
    { kind: "callback" as const, label: om.reroute, data: backorderButton("reroute", order.id) },
  ];
}

/** `backorders [sku]`: the waiting orders, oldest first, with how long each has waited and its buttons. */
export async function backordersCommand(deps: OrderCommandDeps, k: CommandKit, args: string[]): Promise<Reply[]> {
  const om = orderMessages(k.locale);
  if (args.length > 1) return k.usage("backorders [sku]");
  let productId: string | undefined;
  if (args[0]) {
    const p = await deps.catalog.getProductBySku(k.ctx, args[0]);
    if (!p) {
      await k.audited("refused", { code: "product_not_found", sku: args[0] });
      return [text(plain(om.productNotFound(args[0])))];
    }
    productId = p.id;
  }
  const list = await deps.orders.backorders(k.ctx, { ...(productId ? { productId } : {}), limit: 20 });
  await k.audited("ok", { count: list.length, ...(productId ? { productId } : {}) });
  if (list.length === 0) return [text(plain(om.noBackorders))];
  const skus = new Map<string, string>();
  for (const o of list)
    if (!skus.has(o.productId)) skus.set(o.productId, (await deps.catalog.getProduct(k.ctx, o.productId))?.sku ?? "?");
  const now = k.now().getTime();
  return [
    text(bold(om.backorders)),
    ...list.map((o): Reply => {
      const minutes = Math.max(0, Math.floor((now - (o.paidAt ?? o.createdAt).getTime()) / 60_000));
      return {
        kind: "text",
        body: [
          plain(
            `${o.number}  ${skus.get(o.productId)} ×${o.quantity}  ${money(o.total, o.currency, k.locale)}  ⏳ ${om.waited(minutes)}  `,
          ),
          code(o.id),
        ],
        buttons: [backorderButtons(o, k.locale)],
      };
    }),
  ];
}

/** `fill <order>` / `reroute <order>` (also the buttons): one waiting order filled from stock now, or sent to a supplier. */
export async function backorderActionCommand(
  deps: OrderCommandDeps,
  k: CommandKit,
  action: "fill" | "reroute",
  args: string[],
): Promise<Reply[]> {
  const om = orderMessages(k.locale);
  if (args.length !== 1) return k.usage(`${action} <order number | order id>`);
  const order = await deps.orders.resolveRef(k.ctx, { ref: args[0]! });
  const target = { type: "order", id: order.id };
  if (action === "fill") {
    const r = await deps.orders.fillBackorder(k.ctx, { orderId: order.id });
    await k.audited(r.ok ? "ok" : "refused", r.ok ? {} : { code: r.code }, target);
    return [text(plain(r.ok ? om.filled(order.number) : om.stillShort(order.number)))];
  }
  const r = await deps.orders.rerouteBackorder(k.ctx, { orderId: order.id });
  await k.audited("ok", { status: r.status }, target);
  return [text(plain(om.rerouted(order.number, r.status)))];
}

/** `backorder <sku> on|off`: whether a product takes paid orders while out of stock (catalog.write). */
export async function backorderModeCommand(deps: OrderCommandDeps, k: CommandKit, args: string[]): Promise<Reply[]> {
  const om = orderMessages(k.locale);
  const [sku, mode] = args;
  if (args.length !== 2 || (mode !== "on" && mode !== "off")) return k.usage("backorder <sku> on|off");
  const product = await deps.catalog.getProductBySku(k.ctx, sku!);
  if (!product) {
    await k.audited("refused", { code: "product_not_found", sku });
    return [text(plain(om.productNotFound(sku!)))];
  }
  const on = mode === "on";
  const after = await deps.catalog.updateProduct(k.ctx, { productId: product.id, patch: { acceptBackorders: on } });
  await k.audited(
    "ok",
    { before: { acceptBackorders: product.acceptBackorders }, after: { acceptBackorders: after.acceptBackorders } },
    { type: "product", id: product.id },
  );
  return [text(plain(om.backorderMode(after.sku, on)))];
}

/** `retry <order>`: a FULFILLING order goes to the next supplier (its current one asked once more first). */
export async function retryCommand(deps: OrderCommandDeps, k: CommandKit, args: string[]): Promise<Reply[]> {
  const om = orderMessages(k.locale);
  if (args.length !== 1) return k.usage("retry <order number | order id>");
  const order = await deps.orders.resolveRef(k.ctx, { ref: args[0]! });
  const r = await deps.orders.retryWithAnotherSupplier(k.ctx, { orderId: order.id });
  await k.audited(
    "ok",
    { status: r.status, ...(r.supplierId ? { supplierId: r.supplierId } : {}) },
    { type: "order", id: order.id },
  );
  return [text(plain(om.retried(order.number, r.status)))];
}
