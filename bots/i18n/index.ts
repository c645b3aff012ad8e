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
  /** A date and time in `timeZone` (an IANA zone), with the zone shown: "Dec 2, 2026, 16:28 (GMT+8)". */
  date(locale: Locale, at: Date, timeZone: string): string;
}

/** Whether `tz` names a time zone this runtime knows (IANA, e.g. "Asia/Shanghai"). */
export function isTimeZone(tz: string): boolean {
  if (tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
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
  const dateFormats = new Map<string, { format(d: Date): string }>();
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
    date(locale, at, timeZone) {
      const key = `${locale}|${timeZone}`;
      let f = dateFormats.get(key);
      if (!f) {
        const opts = {
          timeZone,
          year: "numeric",
          month: "short",
          day: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        } as const;
        const when = new Intl.DateTimeFormat(locale, opts);
        const zone = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "shortOffset" });
        f = {
          format: (d: Date) => {
            const z = zone.formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? timeZone;
            return locale === "zh-CN" ? `${when.format(d)}（${z}）` : `${when.format(d)} (${z})`;
          },
        };
        if (dateFormats.size < 200) dateFormats.set(key, f);
      }
      return f.format(at);
    },
  };
}
