/**
 * Who acts. Every core call receives it in its context (`CoreContext.actor`) and checks what this actor
 * may do (core/shared/access.ts) — never "no user id, so anything goes".
 */
export const STAFF_ROLES = ["owner", "admin", "operator", "finance", "support", "viewer"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type Actor =
  /** Someone in a chat not yet resolved to a user (identity resolution, public catalog reads). */
  | { kind: "visitor" }
  /** A consumer acting for themselves (private chat, web chat). */
  | { kind: "buyer"; userId: string }
  /** A distributor acting for their own account: through the API (an API key) or in chat. */
  | { kind: "distributor"; userId: string; via: "api" | "chat"; apiKeyId?: string }
  /** An operator with a role (the staff console, an operator command). */
  | { kind: "staff"; userId: string; role: StaffRole }
  /**
   * The platform itself: a job, a sweeper, a verified webhook, start-up, or a flow acting on a checked
   * request (`onBehalfOf` keeps who asked, for audit).
   */
  | { kind: "system"; process: string; onBehalfOf?: Exclude<Actor, { kind: "system" }> };

export type ActorKind = Actor["kind"];

export const buyerActor = (userId: string): Actor => ({ kind: "buyer", userId });
export const systemActor = (process: string): Actor => ({ kind: "system", process });

/** The user an actor is (none for visitors and the system). */
export function actorUserId(actor: Actor): string | undefined {
  return actor.kind === "buyer" || actor.kind === "distributor" || actor.kind === "staff" ? actor.userId : undefined;
}

/** A short label for logs and audit: `buyer:<id>`, `staff:finance:<id>`, `system:fulfil-order`. */
export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case "visitor":
      return "visitor";
    case "buyer":
      return `buyer:${actor.userId}`;
    case "distributor":
      return `distributor:${actor.via}:${actor.userId}`;
    case "staff":
      return `staff:${actor.role}:${actor.userId}`;
    case "system":
      return `system:${actor.process}${actor.onBehalfOf ? ` for ${describeActor(actor.onBehalfOf)}` : ""}`;
  }
}
