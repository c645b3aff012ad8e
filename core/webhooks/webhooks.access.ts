import { authorize, requires, type AccessRules, type CoreContext } from "../shared/index.ts";
import type { Webhooks } from "./webhooks.types.ts";

const own = (ctx: CoreContext, input: { userId: string }) =>
  authorize(ctx, "profile.write", {
    owner: typeof input?.userId === "string" ? input.userId.toLowerCase() : undefined,
  });
const read = (ctx: CoreContext, input: { userId: string }) =>
  authorize(ctx, "orders.read", {
    owner: typeof input?.userId === "string" ? input.userId.toLowerCase() : undefined,
  });
/** Recording and sending deliveries is the platform's (the consumer and the job). */
const platform = requires("orders.fulfil");

/** A distributor manages their own callback URL and reads and resends their own deliveries. */
export const webhooksAccess: AccessRules<Webhooks> = {
  setEndpoint: own,
  getEndpoint: read,
  removeEndpoint: own,
  record: platform,
  deliver: platform,
  markFailed: platform,
  list: read,
  resend: own,
};
