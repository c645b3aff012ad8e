import { z } from "zod";
import { ORDER_STATUSES, type OrderStatus } from "../shared/order-statuses.ts";
import { currencySchema } from "../shared/money.ts";

/**
 * The domain-event catalog: every event type the outbox carries, with the zod schema of its payload.
 * Producers and consumers both infer their types from it (like the job catalog, jobs/catalog.ts):
 * an event built in TypeScript is parsed against its schema before it is written (recordEvents), the
 * order events built in SQL come from one payload builder in the orders store (a test parses every
 * outbox row every order path writes), and each consumer receives the parsed, typed payload.
 *
 * Payloads are JSON: money travels as a decimal string of minor units and is parsed back to bigint.
 * No secrets in payloads — never a code, a password, a token or a payout account; consumers read what
 * they need by id. Adding a field: make it optional (`.optional()`) so events already in the outbox
 * still parse; removing or changing one needs a new event type. See docs/events.md.
 */

/** Any 8-4-4-4-12 hex id (our ids are UUIDv7; tests and imports may carry others). */
const id = z.guid();
/** Minor units: bigint when written from TypeScript, a decimal string in the stored JSON; bigint when read. */
const minor = z
  .union([z.bigint(), z.string().regex(/^-?\d{1,20}$/, "a whole number of minor units")])
  .transform((v) => BigInt(v));
const orderStatus = z.enum(ORDER_STATUSES);

/**
 * An order event: the order as the transition left it (built in SQL by the orders store's one payload
 * builder, used by the insert and by every transition). `from` is where the transition started (null
 * for a new order); `reason` is set where the transition has one a consumer may show (a refund's).
 */
function orderEvent<S extends OrderStatus>(status: S) {
  return z.object({
    orderId: id,
    userId: id,
    status: z.literal(status),
    from: orderStatus.nullable(),
    productId: id,
    total: minor,
    currency: currencySchema,
    /** The channel the order was placed from (`telegram`, `web`, `http`, …). */
    channel: z.string().min(1),
    reason: z.string().optional(),
  });
}

export const eventCatalog = {
  "order.created": orderEvent("CREATED"),
  "order.paid": orderEvent("PAID"),
  "order.fulfilling": orderEvent("FULFILLING"),
  /** 补单: paid while the product is out of stock; it waits for an import (the buyer is told). */
  "order.awaiting_stock": orderEvent("AWAITING_STOCK"),
  "order.delivered": orderEvent("DELIVERED"),
  /** Reserved: written when an order stops at FAILED. Today every failure continues to REFUNDED in the same transition. */
  "order.failed": orderEvent("FAILED"),
  "order.refunded": orderEvent("REFUNDED"),
  "order.expired": orderEvent("EXPIRED"),
  "order.cancelled": orderEvent("CANCELLED"),
  /** Paid into escrow and held for a risk review (core/risk): staff approve (→ order.paid) or reject (→ order.refunded). */
  "order.held_for_review": orderEvent("HELD_FOR_REVIEW"),
  /**
   * Staff asked for a delivered order's codes to be sent again to the buyer's private chats (the shop
   * notifier delivers them like a delivery). `requestedBy`: who asked (`staff:<user id>`, `system:<process>`).
   */
  "order.redelivery_requested": z.object({
    orderId: id,
    userId: id,
    requestedBy: z.string().min(1),
  }),
  /** A provider's payment credited the payer's wallet (a top-up, or the money for one order). */
  "payment.succeeded": z.object({
    paymentId: id,
    userId: id,
    orderId: id.nullable(),
    purpose: z.string().min(1),
    provider: z.string().min(1),
    amount: minor,
    currency: currencySchema,
  }),
  /** The provider gave a payment back to the payer (e.g. Telegram Stars returned). */
  "payment.refunded": z.object({
    paymentId: id,
    userId: id,
    orderId: id.nullable(),
    provider: z.string().min(1),
    amount: minor,
    currency: currencySchema,
    /** The idempotency key of the refund request (who asked), e.g. `stars-refund:<paymentId>`. */
    requestedBy: z.string().min(1),
  }),
  /**
   * Something the staff channel must hear (core/alerts): an alert opened, still holds (a reminder), resolved,
   * or a one-off notice. `details`: the figures the message shows (never a secret).
   */
  "staff.alert": z.object({
    alertId: id.nullable(),
    subject: z.string().min(1),
    kind: z.string().min(1),
    severity: z.enum(["warning", "critical"]),
    state: z.enum(["opened", "reminder", "resolved", "notice"]),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
  /** A user asked to withdraw (core/withdrawals): the amount is held on their wallet until staff decide. */
  "withdrawal.requested": z.object({
    withdrawalId: id,
    userId: id,
    amount: minor,
    fee: minor,
    currency: currencySchema,
  }),
  /** The payout left custody for the user's payout account (amount − fee received). */
  "withdrawal.paid": z.object({
    withdrawalId: id,
    userId: id,
    amount: minor,
    fee: minor,
    currency: currencySchema,
  }),
  /** Rejected by staff, expired undecided, or refused by the payout provider: the hold is released. */
  "withdrawal.rejected": z.object({
    withdrawalId: id,
    userId: id,
    amount: minor,
    currency: currencySchema,
    status: z.enum(["REJECTED", "EXPIRED", "FAILED"]),
    reason: z.string(),
  }),
  /** The user took back their PENDING request in chat: the hold is released (they were answered there). */
  "withdrawal.cancelled": z.object({ withdrawalId: id, userId: id, amount: minor, currency: currencySchema }),
  /** Codes were imported for a product; `available` is its sellable stock right after. */
  "stock.restocked": z.object({
    productId: id,
    available: z.number().int().nonnegative(),
    batchId: id,
  }),
  /**
   * A real-name (KYC) submission changed status (core/kyc): `PENDING` once submitted (waiting for staff),
   * `VERIFIED` or `REJECTED` once decided (`reason`: why, in staff's words or the provider's). Never the
   * name or the ID number: the shop notifier tells the user by their id.
   */
  "kyc.submitted": z.object({ submissionId: id, userId: id, status: z.literal("PENDING") }),
  "kyc.verified": z.object({ submissionId: id, userId: id, status: z.literal("VERIFIED") }),
  "kyc.rejected": z.object({ submissionId: id, userId: id, status: z.literal("REJECTED"), reason: z.string() }),
  /**
   * The scheduled custody check found the custody account not matching customer funds (core/custody):
   * `difference = custody + customerFunds` (0 when they match). Written when a mismatch starts or changes.
   */
  "custody.mismatch": z.object({
    currency: currencySchema,
    custody: minor,
    customerFunds: minor,
    difference: minor,
    checkId: id,
  }),
  /**
   * A distributor's tier changed (core/distribution): `reason` upgrade (its rolling volume crossed a
   * threshold at a delivery), downgrade (the sweep, after a full period below) or staff. The chat tells them.
   */
  "distributor.tier_changed": z.object({
    userId: id,
    fromTier: z.string().min(1),
    toTier: z.string().min(1),
    reason: z.enum(["upgrade", "downgrade", "staff"]),
  }),
  /** A user applied to become a distributor (`/agent`, core/distribution): staff are told, with the decision buttons. */
  "distributor.applied": z.object({ userId: id }),
  /**
   * Staff decided an `/agent` application (core/distribution): the applicant is told in their private chat.
   * `parentId`: the L1 whose team an approved applicant joined (they arrived by its link), else null.
   */
  "distributor.application_decided": z.object({
    userId: id,
    status: z.enum(["APPROVED", "REJECTED"]),
    note: z.string().nullable(),
    tierId: z.string().nullable(),
    parentId: id.nullable(),
  }),
} as const satisfies Record<string, z.ZodType>;

export type EventCatalog = typeof eventCatalog;
export type EventType = keyof EventCatalog;
/** The payload a consumer receives (money as bigint). */
export type EventPayload<T extends EventType> = z.output<EventCatalog[T]>;
/** The payload a producer writes (money as bigint or a decimal string). */
export type EventPayloadInput<T extends EventType> = z.input<EventCatalog[T]>;

export const EVENT_TYPES = Object.keys(eventCatalog) as EventType[];
export const ORDER_EVENT_TYPES = EVENT_TYPES.filter((t) => t.startsWith("order.")) as Array<
  `order.${string}` & EventType
>;

/** An event to write to the outbox, typed by its catalog entry. */
export type NewEvent = { [T in EventType]: { type: T; payload: EventPayloadInput<T> } }[EventType];

/**
 * A committed event as a consumer receives it: the outbox row's id (a decimal string, unique: the
 * consumer's idempotency key), its type, its parsed payload and when it was written.
 */
export type CommittedEvent<T extends EventType = EventType> = {
  [K in T]: { id: string; type: K; payload: EventPayload<K>; createdAt: Date };
}[T];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}

/** A payload that does not match its catalog entry (or an event type the catalog does not have). */
export class InvalidEventPayload extends Error {
  constructor(
    readonly type: string,
    readonly issues: string[],
  ) {
    super(`invalid ${type} payload: ${issues.join("; ")}`);
    this.name = "InvalidEventPayload";
  }
}

/** Parses `payload` against the catalog entry of `type`; throws InvalidEventPayload. */
export function parseEventPayload<T extends EventType>(type: T, payload: unknown): EventPayload<T>;
export function parseEventPayload(type: string, payload: unknown): EventPayload<EventType>;
export function parseEventPayload(type: string, payload: unknown): unknown {
  if (!isEventType(type)) throw new InvalidEventPayload(type, ["not an event type of the catalog"]);
  const r = (eventCatalog[type] as z.ZodType).safeParse(payload);
  if (!r.success)
    throw new InvalidEventPayload(
      type,
      r.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`),
    );
  return r.data;
}
