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

/** A message as its literal text around `{{name}}` placeholders: [text, placeholder, name, text, …, text]. */
type Template = string[];

const PLACEHOLDER = /(\{\{\s*(\w+)\s*\}\})/;

/**
 * The messages a template can fill exactly as i18next would: no nesting (`$t(`), no formatting or other
 * `{{…}}` syntax, and no plural or context variants (i18next would pick another key). The rest go to i18next.
 */
function compileAll(res: Record<string, string>): Map<string, Template> {
  const keys = Object.keys(res);
  const out = new Map<string, Template>();
  for (const [key, text] of Object.entries(res)) {
    // `key_one`, `key_male`…: i18next may answer with a variant.
    if (text.includes("$t(") || keys.some((k) => k.startsWith(`${key}_`))) continue;
    const parts = text.split(PLACEHOLDER);
    if (parts.some((part, i) => i % 3 === 0 && part.includes("{{"))) continue;
    out.set(key, parts);
  }
  return out;
}

/** i18next's interpolation: each placeholder by its value as text; one without a value stays as written. */
function fill(template: Template, params: MessageParams | undefined): string {
  if (template.length === 1) return template[0]!;
  let out = template[0]!;
  for (let i = 1; i < template.length; i += 3) {
    const v = params?.[template[i + 1]!];
    out += (v === undefined ? template[i]! : String(v)) + template[i + 2]!;
  }
  return out;
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
  const compiled = new Map<string, Map<string, Template>>(
    Object.entries(resources).map(([l, res]) => [l, compileAll(res)]),
  );
  return {
    t(locale, key, params) {
      // Every message is plain text with `{{name}}` placeholders: filled from its compiled parts, which is
      // what i18next answers, at a fraction of its per-call cost (the chat hot path renders dozens per turn).
      const template = (compiled.get(locale) ?? compiled.get("en")!).get(key);
      if (template) return fill(template, params);
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
