import { authorize, type AccessRules } from "../shared/index.ts";
import type { Kyc } from "./kyc.service.ts";

/** A customer submits and reads their own verification; staff with `kyc.review` read the queue and decide. */
export const kycAccess: AccessRules<Kyc> = {
  submit: (ctx, input) =>
    authorize(ctx, "kyc.submit", {
      owner: input.userId,
      hide: { code: "user_not_found", message: "no such user" },
    }),
  sealName: (ctx, input) =>
    authorize(ctx, "kyc.submit", {
      owner: input.userId,
      hide: { code: "user_not_found", message: "no such user" },
    }),
  state: (ctx, userId) =>
    authorize(ctx, "kyc.submit", { owner: userId, hide: { code: "user_not_found", message: "no such user" } }),
  // Whether someone is verified (a withdrawal's check): the platform, staff reviewing, or the user themself.
  isVerified: (ctx, userId) => {
    if (ctx.actor.kind === "buyer" || ctx.actor.kind === "distributor") authorize(ctx, "kyc.submit", { owner: userId });
    else authorize(ctx, "kyc.review");
  },
  queue: (ctx) => authorize(ctx, "kyc.review"),
  get: (ctx) => authorize(ctx, "kyc.review"),
  approve: (ctx) => authorize(ctx, "kyc.review"),
  reject: (ctx) => authorize(ctx, "kyc.review"),
};
