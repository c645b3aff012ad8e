import { authorize, contextUserId, type AccessRules, type CoreContext } from "../shared/index.ts";
import type { Identity } from "./identity.service.ts";

const hide = { code: "user_not_found", message: "no such user" };
/** The user themselves, or someone who manages identities (the platform, support). */
const selfOr = (permission: "profile.read" | "profile.write") => (ctx: CoreContext, userId: string) =>
  ctx.actor.kind === "buyer" || ctx.actor.kind === "distributor"
    ? authorize(ctx, permission, { owner: userId, hide })
    : authorize(ctx, "identity.manage");
const manage = (ctx: CoreContext) => authorize(ctx, "identity.manage");

/**
 * Chat identities. `resolve` is how a channel turns the sender of a verified update into a user, so a
 * visitor may call it; everything else is the user's own business or the platform's.
 */
export const identityAccess: AccessRules<Identity> = {
  resolve: "public",
  createUser: manage,
  findUser: (ctx, userId) => selfOr("profile.read")(ctx, userId),
  getUser: (ctx, userId) => selfOr("profile.read")(ctx, userId),
  identitiesOf: (ctx, userId) => selfOr("profile.read")(ctx, userId),
  identitiesOfUsers: manage,
  findIdentity: manage,
  // Anyone's identities: staff who manage identities (support) and the platform.
  findIdentities: manage,
  setCanDm: manage,
  setLocale: (ctx, input) => selfOr("profile.write")(ctx, input.userId),
  recordStartPayload: (ctx, input) => selfOr("profile.write")(ctx, input.userId),
  createLinkCode: (ctx, input) => selfOr("profile.write")(ctx, input.userId),
  // A customer may attach only the chat they are writing from to the code's account.
  consumeLinkCode(ctx, input) {
    if (ctx.actor.kind !== "buyer" && ctx.actor.kind !== "distributor") return manage(ctx);
    authorize(ctx, "profile.write", { owner: contextUserId(ctx) });
    if (ctx.externalUserId !== input.externalId) authorize(ctx, "identity.manage"); // someone else's chat: refused
  },
};
