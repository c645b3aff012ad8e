import i18next, { type i18n as I18nInstance } from "i18next";
import { formatMoney, type Currency, type Locale } from "../../core/shared/index.ts";
import { en, type MessageKey } from "./en.ts";
import { zhCN } from "./zh-CN.ts";

export type { MessageKey } from "./en.ts";
export const resources = { en, "zh-CN": zhCN } as const;
export const SUPPORTED_LOCALES: readonly Locale[] = ["zh-CN", "en"];

export type MessageParams = Record<string, string | number | bigint>;

/** Messages for the bots, backed by i18next (zh-CN and en for every key). */
export interface I18n {
  t(locale: Locale, key: MessageKey, params?: MessageParams): string;
  money(locale: Locale, amount: bigint, currency: Currency | string): string;
  date(locale: Locale, at: Date): string;
}

export function createI18n(): I18n {
  const inst: I18nInstance = i18next.createInstance();
  void inst.init({
    resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
    lng: "zh-CN",
    fallbackLng: "en",
    supportedLngs: ["zh-CN", "en"],
    keySeparator: false,
    nsSeparator: false,
    initAsync: false,
    returnNull: false,
    // Channels escape on render (bots/turn.ts toHtml), so texts stay plain here.
    interpolation: { escapeValue: false },
    showSupportNotice: false,
  } as Parameters<I18nInstance["init"]>[0]);
  const fixed = new Map<Locale, ReturnType<I18nInstance["getFixedT"]>>(
    SUPPORTED_LOCALES.map((l) => [l, inst.getFixedT(l)]),
  );
  return {
    t(locale, key, params) {
      const t = fixed.get(locale) ?? fixed.get("en")!;
      const p: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(params ?? {})) p[k] = typeof v === "bigint" ? v.toString() : v;
      return t(key, p) as string;
    },
    money(locale, amount, currency) {
      return formatMoney(amount, currency as Currency, locale);
    },
    date(locale, at) {
      return new Intl.DateTimeFormat(locale, {
        dateStyle: "medium",
        timeStyle: "short",
        timeZone: locale === "zh-CN" ? "Asia/Shanghai" : "UTC",
      }).format(at);
    },
  };
}
