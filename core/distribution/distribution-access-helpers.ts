import { authorize, type CoreContext } from "../shared/index.ts";

/** The distributor itself (its own shops, rules, team, prices) or staff who manage distribution. */
export function selfOrStaff(ctx: CoreContext, userId: string): void {
  const a = ctx.actor;
  if (a?.kind === "staff") return authorize(ctx, "distribution.manage");
  authorize(ctx, "shops.manage", {
    owner: userId,
    hide: { code: "distributor_not_found", message: "no such distributor" },
  });
}
