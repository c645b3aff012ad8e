export * from "./identity.types.ts";
export { createIdentity, type Identity, type IdentityDeps } from "./identity.service.ts";
export { localeFromLanguage, parseLocaleChoice, isLocale, LOCALES } from "./locale.ts";
export { generateLinkCode, normalizeLinkCode, LINK_CODE_LENGTH } from "./link-code.ts";
