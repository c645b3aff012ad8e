import type { Locale } from "../shared/index.ts";

export const LOCALES: readonly Locale[] = ["zh-CN", "en"];

/** Platform language → our locale: any Chinese tag (zh, zh-hans, zh-TW, ...) is zh-CN; everything else en. */
export function localeFromLanguage(languageCode: string | undefined | null): Locale {
  return languageCode && /^zh\b/i.test(languageCode.trim()) ? "zh-CN" : "en";
}

export function isLocale(value: unknown): value is Locale {
  return value === "zh-CN" || value === "en";
}

/** Accepts what users type after /lang: "zh", "中文", "cn", "en", "english", ... */
export function parseLocaleChoice(raw: string): Locale | null {
  const v = raw.trim().toLowerCase();
  if (!v) return null;
  if (/^(zh|zh-cn|zh_cn|cn|chinese|中文|简体中文|汉语)$/.test(v)) return "zh-CN";
  if (/^(en|en-us|en-gb|english|英文|英语)$/.test(v)) return "en";
  return null;
}
