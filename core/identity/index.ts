export * from "./identity.types.ts";
import { withAccess } from "../shared/index.ts";
import { identityAccess } from "./identity.access.ts";
import { createIdentity as createUncheckedIdentity, type Identity, type IdentityDeps } from "./identity.service.ts";

export type { Identity, IdentityDeps };
/** Identities, every call checked against its actor (identity.access.ts). */
export const createIdentity = (deps: IdentityDeps): Identity =>
  withAccess("identity", createUncheckedIdentity(deps), identityAccess);
export { localeFromLanguage, parseLocaleChoice, isLocale, LOCALES } from "./locale.ts";
export { generateLinkCode, normalizeLinkCode, LINK_CODE_LENGTH } from "./link-code.ts";
