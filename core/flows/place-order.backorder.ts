import type { NewOrder, Order } from "../orders/index.ts";
import { newId, type CoreContext, type Sql, type SqlTx } from "../shared/index.ts";
import { issued, postSettlementLast, Rollback, type FlowRuntime } from "./flow-deps.ts";
import { settlementPosting } from "./fulfil-order.flow.ts";
import { asCreated, payInTx } from "./pay-in-tx.ts";
import type { DeliveredCode, SupplierCandidatePort } from "./ports.ts";

/**
 * The commit stage for a 补单 product (a CODE product that accepts backorders): a claim that runs short
 * does not refuse the order. Under the product's queue lock — so a new buyer never takes codes an older
 * waiting order is owed — it claims only when nobody waits, then:
 * - codes, paid from the wallet: delivered at once, as for any stock order (one posting pays and settles);
 * - no codes, paid from the wallet: paid into escrow and written AWAITING_STOCK (an import fills it);
 * - paid later: CREATED, holding its codes when there were any (else the fulfil job queues it once paid);
 * - held for a risk review: paid into escrow, HELD_FOR_REVIEW (approved → PAID → as paid later).
 * Costs a round trip more than a normal stock order (the lock and the claim are awaited); products that
 * do not take backorders keep the one-round-trip commit, and their sold-out refusal writes nothing.
 */
export async function commitBackorderable(
  rt: FlowRuntime,
  ctx: CoreContext,
  tx: SqlTx,
  input: {
    order: NewOrder;
    payWith: "wallet" | "later";
    stock: SupplierCandidatePort | null;
    guard: Sql;
    /** A decider held it for review: paid into escrow, HELD_FOR_REVIEW (stock, if any, reserved). */
    held: boolean;
  },
): Promise<{ order: Order; codes?: DeliveredCode[] }> {
  const { order, payWith, stock, guard, held } = input;
  const now = rt.clock.now();
  const { waiting } = await rt.orders.backorders.lock(tx, order.productId);
  const deliverNow = payWith === "wallet" && !held;
  const claim = waiting
    ? null
    : await rt.modules.inventory.claim(
        ctx,
        { productId: order.productId, orderId: order.id, quantity: order.quantity },
        { tx, freshOrder: true, sell: deliverNow },
      );

  if (payWith === "later") {
    const row = await rt.orders.store.insert(tx, order, { guard, emitCreated: true });
    return { order: row! };
  }
  if (held) {
    // Approved later → PAID: the fulfil job delivers what it holds, or it waits in line then.
    await rt.orders.store.insert(tx, order, { guard });
    const paid = await payInTx(rt, ctx, tx, asCreated(order, now), "HELD_FOR_REVIEW");
    if (!paid.ok) throw new Rollback(paid);
    return { order: paid.order };
  }

  if (claim?.ok) {
    const { posting, cost } = settlementPosting(rt.modules.accounts, asCreated(order, now), stock, true);
    const settleTxId = posting ? newId() : null;
    const inserted = issued(
      rt.orders.store.insert(tx, order, {
        guard,
        delivered: { settleTxId, supplierId: stock?.supplierId ?? null, costTotal: stock ? cost : null },
      }),
    );
    if (posting) {
      await postSettlementLast(rt, ctx, tx, posting, settleTxId!);
    }
    return { order: (await inserted)!, ...(claim.codes ? { codes: claim.codes } : {}) };
  }

  // Nothing to deliver (or others wait first): paid into escrow, waiting in line.
  await rt.orders.store.insert(tx, order, { guard });
  const paid = await payInTx(rt, ctx, tx, asCreated(order, now), "AWAITING_STOCK");
  if (!paid.ok) throw new Rollback(paid);
  return { order: paid.order };
}
