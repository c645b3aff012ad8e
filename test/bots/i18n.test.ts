import { describe, expect, it } from "vitest";
import { createI18n, resources } from "../../bots/i18n/index.ts";
import { en } from "../../bots/i18n/en.ts";
import { zhCN } from "../../bots/i18n/zh-CN.ts";
import { CARRIERS } from "../../core/catalog/index.ts";
import { ORDER_STATUSES } from "../../core/orders/index.ts";

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe("i18n resources", () => {
  it("has every key in both languages, non-empty", () => {
    const enKeys = Object.keys(en).sort();
    const zhKeys = Object.keys(zhCN).sort();
    expect(zhKeys).toEqual(enKeys);
    for (const [locale, res] of Object.entries(resources))
      for (const [k, v] of Object.entries(res)) expect(v.trim(), `${locale} ${k}`).not.toBe("");
  });

  it("names every order status and carrier the bot can show", () => {
    for (const status of ORDER_STATUSES) expect(Object.keys(en)).toContain(`status.${status}`);
    for (const carrier of CARRIERS) expect(Object.keys(en)).toContain(`carrier.${carrier}`);
  });

  it("uses the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
  });

  it("interpolates without HTML escaping (channels escape on render) and formats money per locale", () => {
    const i = createI18n();
    expect(i.t("en", "start.welcome_back", { name: "<Ann & Co>" })).toBe("Welcome back, <Ann & Co>!");
    expect(i.t("zh-CN", "qty.too_large", { min: 1, max: 10 })).toBe("每单最多 10 个。请输入 1 到 10 之间的数字。");
    expect(i.money("zh-CN", 12345n, "CNY")).toBe("¥123.45");
    expect(i.money("en", 12345n, "CNY")).toBe("¥123.45");
    expect(i.money("en", 150n, "XTR")).toBe("150 ⭐");
    expect(i.money("en", 123456789n, "USD")).toBe("$1,234,567.89");
  });

  it("shows times in the given zone, with the zone", () => {
    const i = createI18n();
    const at = new Date("2026-12-02T08:28:00Z");
    expect(i.date("en", at, "Asia/Shanghai")).toBe("Dec 2, 2026, 16:28 (GMT+8)");
    expect(i.date("zh-CN", at, "Asia/Shanghai")).toBe("2026年12月2日 16:28（GMT+8）");
    expect(i.date("en", at, "America/New_York")).toBe("Dec 2, 2026, 03:28 (GMT-5)");
  });

  it("falls back to English for an unknown locale", () => {
    const i = createI18n();
    expect(i.t("fr" as never, "menu.title")).toBe("What would you like to do?");
  });
});

describe("i18n: compiled messages", () => {
  /** i18next itself, configured as createI18n configures it. */
  async function reference() {
    const i18next = (await import("i18next")).default;
    const inst = i18next.createInstance();
    await inst.init({
      resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
      lng: "zh-CN",
      fallbackLng: "en",
      keySeparator: false,
      nsSeparator: false,
      interpolation: { escapeValue: false },
      showSupportNotice: false,
    } as Parameters<typeof inst.init>[0]);
    return inst;
  }

  it("answers every message in both languages exactly as i18next does, with values, odd values and none", async () => {
    const ref = await reference();
    const i = createI18n();
    const values: Array<(name: string) => string | number | bigint> = [
      (n) => `<${n} & {{x}} $t(menu.orders) $&>`,
      () => 0,
      () => 12345678901234567890n,
    ];
    for (const locale of ["en", "zh-CN"] as const)
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        const names = placeholders(en[key]);
        for (const value of values) {
          const params = Object.fromEntries(names.map((n) => [n!, value(n!)]));
          const asStrings = Object.fromEntries(names.map((n) => [n!, String(params[n!])]));
          expect(i.t(locale, key, params), `${locale} ${key}`).toBe(ref.getFixedT(locale)(key, asStrings));
        }
        // A missing value leaves its placeholder, as i18next does.
        expect(i.t(locale, key), `${locale} ${key} without values`).toBe(ref.getFixedT(locale)(key));
      }
  });
});
