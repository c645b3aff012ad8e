import { actorUserId, type Actor, type StaffRole } from "./actor.ts";
import type { CoreContext } from "./context.ts";
import { forbidden, notFound } from "./errors.ts";

/**
 * What can be done, as named permissions. A core call checks one with `authorize` before it reads or
 * writes; the edges (bots, API, CLI) only choose the actor.
 */
export const PERMISSIONS = [
  "orders.place",
  "orders.pay",
  "orders.cancel",
  "orders.read",
  "orders.refund",
  "orders.redeliver",
  "orders.retry",
  /** Fulfilment, expiry, sweeps: what jobs do. */
  "orders.fulfil",
  /** Decrypted card codes: only their owner (and the system delivering them) — never staff. */
  "codes.reveal",
  "codes.import",
  "stock.read",
  "restock.subscribe",
  "wallet.read",
  "wallet.credit",
  /** Withdraw from one's own wallet, manage one's payout accounts: the wallet's owner only, never staff. */
  "wallet.withdraw",
  /** Pay, reject a withdrawal; set the KYC flag that withdrawals need. */
  "withdrawals.approve",
  /** Postings, holds, reversals: the ledger's writes, made by flows and jobs on a checked request. */
  "ledger.post",
  "ledger.read",
  "payments.topup",
  "payments.confirm",
  "catalog.write",
  "suppliers.manage",
  "suppliers.call",
  "apikeys.manage",
  /** A user's own profile: name, language, linked chats. */
  "profile.read",
  "profile.write",
  /** The chat bots' per-chat state of a user. */
  "conversations.use",
  /** Any user's identities and profile (operators finding a buyer; the platform messaging one). */
  "identity.manage",
  "staff.manage",
  /** The staff audit trail: read it, verify its hash chain. */
  "audit.read",
  "reports.read",
  "events.manage",
  /** A customer's own real-name (KYC) submission. */
  "kyc.submit",
  /** Staff: the KYC review queue (masked), approve/reject, the one-ID-one-account override. */
  "kyc.review",
  /** Staff: import custody bank statements and read the reconciliation. */
  "custody.manage",
  /** Risk cases, rules and lists: read them; decide held orders; edit rules and lists (core/risk). */
  "risk.read",
  "risk.review",
  "risk.manage",
  /** Tiers, distributors, applications, pins (core/distribution): staff. */
  "distribution.manage",
  /** A distributor's own shops, sale-price and team-price rules, team and referral link. */
  "shops.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a buyer or distributor may do with what is theirs (their orders, codes, wallet). */
const SELF_SERVICE: ReadonlySet<Permission> = new Set<Permission>([
  "orders.place",
  "orders.pay",
  "orders.cancel",
  "orders.read",
  "codes.reveal",
  "restock.subscribe",
  "wallet.read",
  "wallet.withdraw",
  "payments.topup",
  "profile.read",
  "profile.write",
  "conversations.use",
  "kyc.submit",
  "shops.manage",
]);

/**
 * What only the platform does: reveal codes (to their owner), post to the ledger directly, fulfil orders,
 * call suppliers, confirm payments. Staff reach these through checked operations (a refund, a wallet
 * credit, a retry) that do them on their behalf.
 */
const PLATFORM_ONLY: ReadonlySet<Permission> = new Set<Permission>([
  "codes.reveal",
  "wallet.withdraw",
  "ledger.post",
  "orders.fulfil",
  "suppliers.call",
  "payments.confirm",
]);

/** What each staff role may do, on anyone's resources. No role reveals codes. */
export const ROLE_PERMISSIONS: Record<StaffRole, readonly Permission[]> = {
  owner: PERMISSIONS.filter((p) => !PLATFORM_ONLY.has(p)),
  admin: PERMISSIONS.filter((p) => !PLATFORM_ONLY.has(p) && p !== "staff.manage"),
  operator: [
    "orders.read",
    "orders.redeliver",
    "orders.retry",
    "codes.import",
    "stock.read",
    "catalog.write",
    "suppliers.manage",
    "reports.read",
    "risk.read",
    "risk.review",
    "distribution.manage",
  ],
  finance: [
    "orders.read",
    "orders.refund",
    "wallet.read",
    "wallet.credit",
    "withdrawals.approve",
    "ledger.read",
    "reports.read",
    "kyc.review",
    "custody.manage",
    "risk.read",
    "risk.review",
  ],
  support: ["orders.read", "orders.redeliver", "wallet.read", "identity.manage", "kyc.review", "risk.read"],
  viewer: ["reports.read"],
};
const ROLE_SETS = new Map<StaffRole, ReadonlySet<Permission>>(
  Object.entries(ROLE_PERMISSIONS).map(([role, ps]) => [role as StaffRole, new Set(ps)]),
);

/**
 * Whether `actor` may do `permission` — to a resource of `owner` (a user id) when the permission is about
 * someone's resource. A buyer or distributor only ever acts on what is theirs; staff by role; the system
 * always; a visitor never (public reads are not permission-checked).
 */
export function can(actor: Actor | undefined, permission: Permission, owner?: string): boolean {
  if (!actor) return false;
  switch (actor.kind) {
    case "system":
      return true;
    case "staff":
      return ROLE_SETS.get(actor.role)?.has(permission) ?? false;
    case "buyer":
    case "distributor":
      return SELF_SERVICE.has(permission) && owner !== undefined && owner === actor.userId;
    case "visitor":
      return false;
  }
}

export interface AuthorizeOptions {
  /** The user whose resource this is. */
  owner?: string;
  /**
   * Answer "not found" instead of "forbidden" when a customer asks for someone else's resource, so ids
   * cannot be probed. Staff without the permission still get "forbidden".
   */
  hide?: { code: string; message: string };
}

/** Throws unless the context's actor may do `permission` (see `can`). */
export function authorize(ctx: CoreContext, permission: Permission, opts: AuthorizeOptions = {}): void {
  const actor = ctx.actor as Actor | undefined;
  if (can(actor, permission, opts.owner)) return;
  const customer = actor?.kind === "buyer" || actor?.kind === "distributor";
  if (opts.hide && customer) throw notFound(opts.hide.code, opts.hide.message);
  throw forbidden("forbidden", `${actor?.kind ?? "an unidentified caller"} may not ${permission}`);
}

/**
 * The context a flow passes to the modules it composes once it has authorized the request: the
 * system acting on behalf of the original actor (kept for audit), same request id, channel and locale.
 */
export function delegate(ctx: CoreContext, process: string): CoreContext {
  const actor = ctx.actor as Actor | undefined;
  if (!actor) throw forbidden("forbidden", "an unidentified caller may not act");
  if (actor.kind === "system") return ctx;
  return { ...ctx, actor: { kind: "system", process, onBehalfOf: actor } };
}

/** The user the context acts for, when it is a customer or a staff member. */
export const contextUserId = (ctx: CoreContext): string | undefined => (ctx.actor ? actorUserId(ctx.actor) : undefined);

/**
 * How one method of a module is guarded:
 * - `"public"`: anyone, visitors included (catalog reads, shop-window stock counts);
 * - a function: runs before the method with the same arguments and throws when the actor may not
 *   (usually `(ctx) => authorize(ctx, "…")` or with the input's owner);
 * - `{ inside }`: the method authorizes itself once it has read what it needs (e.g. the order's owner);
 *   the text says how;
 * - `"pure"`: not a core call (no context), e.g. a key derivation.
 */
export type AccessRule<A extends unknown[]> = "public" | { inside: string } | ((ctx: CoreContext, ...args: A) => void);

/** One rule per method — a module that gains a method does not compile until it has one. */
export type AccessRules<M> = {
  [K in keyof M]-?: M[K] extends (...args: infer P) => unknown
    ? P extends [infer C, ...infer A]
      ? [C] extends [CoreContext]
        ? AccessRule<A>
        : "pure"
      : "pure"
    : "pure";
};

/**
 * The module with each method behind its rule. A method guarded by a rule function runs, once allowed,
 * as the system on behalf of the caller (`delegate`): what it then asks of other modules is its own
 * business, already authorized here. Methods that authorize `inside` get the caller's context as is.
 */
export function withAccess<M extends object>(name: string, module: M, rules: AccessRules<M>): M {
  const guarded = { ...module } as Record<string, unknown>;
  for (const [key, rule] of Object.entries(rules as Record<string, unknown>)) {
    if (typeof rule !== "function") continue;
    const method = (module as Record<string, unknown>)[key];
    if (typeof method !== "function") continue;
    // Core calls answer with promises: a refusal is a rejected one, as any other failure of the call.
    guarded[key] = (ctx: CoreContext, ...args: unknown[]) => {
      let inner: CoreContext;
      try {
        (rule as (ctx: CoreContext, ...a: unknown[]) => void)(ctx, ...args);
        inner = delegate(ctx, `${name}.${key}`);
      } catch (e) {
        return Promise.reject(e);
      }
      return (method as (...a: unknown[]) => unknown).call(module, inner, ...args);
    };
  }
  return guarded as M;
}

/** A rule: the actor needs `permission` (on no one's resource in particular). */
export const requires =
  (permission: Permission) =>
  (ctx: CoreContext): void =>
    authorize(ctx, permission);
