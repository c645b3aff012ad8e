import { describe, expect, it } from "vitest";
import { createI18n } from "../../bots/i18n/index.ts";
import { numberReplies, pickFromMenu, plainMessages, typedNumber } from "../../bots/text/index.ts";
import type { Reply } from "../../bots/turn.ts";

const i18n = createI18n();
const now = new Date("2026-12-02T10:00:00Z");
const btn = (label: string, data: string) => ({ kind: "callback" as const, label, data });
const numbered = (replies: Reply[]) => numberReplies(replies, { i18n, locale: "zh-CN", now });
const bodyOf = (r: Reply) => (r.kind === "text" || r.kind === "prompt" ? r.body.map((p) => p.text).join("") : "");

describe("numbered menus (bots/text)", () => {
  it("numbers a turn's buttons across its replies; a URL button becomes a line; the same data keeps one number", () => {
    const { replies, menu } = numbered([
      {
        kind: "text",
        body: [{ text: "A" }],
        buttons: [[btn("商城", "S")], [{ kind: "url", label: "支付", url: "https://x/p" }]],
      },
      { kind: "text", body: [{ text: "B" }], buttons: [[btn("订单", "O"), btn("商城", "S")]] },
    ]);
    expect(bodyOf(replies[0]!)).toBe("A\n\n1. 商城\n支付: https://x/p");
    expect(bodyOf(replies[1]!)).toBe("B\n\n2. 订单\n1. 商城\n\n回复数字即可选择。");
    expect(menu).toMatchObject({
      mode: "numbers",
      items: [
        { n: 1, data: "S" },
        { n: 2, data: "O" },
      ],
    });
  });

  it("offers number-labelled buttons as values and a prompt's buttons by name", () => {
    const values = numbered([
      { kind: "text", body: [{ text: "买几个？" }], buttons: [[btn("1", "q1"), btn("5", "q5")], [btn("« 返回", "B")]] },
    ]);
    expect(bodyOf(values.replies[0]!)).toContain("直接回复数字：1 / 5\n或回复：« 返回");
    expect(values.menu?.mode).toBe("values");
    const prompt = numbered([{ kind: "prompt", body: [{ text: "手机号？" }], buttons: [[btn("✖ 取消", "N")]] }]);
    expect(bodyOf(prompt.replies[0]!)).toBe("手机号？\n\n也可以回复：✖ 取消");
    expect(prompt.menu?.mode).toBe("text");
  });

  it("reads numbers (full-width too), names, values, stale and out-of-range input", () => {
    const menu = numbered([
      { kind: "text", body: [], buttons: [[btn("🛒 商城", "S"), btn("📦 我的订单", "O")]] },
    ]).menu!;
    const opts = { now, ttlMs: 60_000 };
    expect(typedNumber("１２")).toBe(12);
    expect(typedNumber("2.")).toBe(2);
    expect(pickFromMenu(menu, "２", opts)).toEqual({ kind: "button", data: "O" });
    expect(pickFromMenu(menu, "我的订单", opts)).toEqual({ kind: "button", data: "O" });
    expect(pickFromMenu(menu, "3", opts)).toEqual({ kind: "out_of_range", number: 3, max: 2 });
    expect(pickFromMenu(menu, "13800138000", opts)).toEqual({ kind: "text" });
    expect(pickFromMenu(menu, "1", { now: new Date(now.getTime() + 120_000), ttlMs: 60_000 })).toEqual({
      kind: "expired",
    });
    expect(pickFromMenu(null, "1", opts)).toEqual({ kind: "expired" });
    const values = numbered([
      { kind: "text", body: [], buttons: [[btn("1", "q1"), btn("5", "q5")], [btn("其他", "x")]] },
    ]).menu!;
    expect(pickFromMenu(values, "5", opts)).toEqual({ kind: "button", data: "q5" });
    expect(pickFromMenu(values, "4", opts)).toEqual({ kind: "text" });
    expect(pickFromMenu(values, "2", opts)).toEqual({ kind: "text" });
  });

  it("renders plain text: a code on a line of its own, deliveries in messages of their own, split under the limit", () => {
    const out = plainMessages(
      [
        { kind: "text", body: [{ text: "Paid" }] },
        {
          kind: "codes",
          orderId: "o",
          title: [{ text: "Codes", style: "bold" }],
          items: [{ code: "AAA" }, { code: "BBB", password: "PW" }],
          labels: { code: "Code", password: "Password", copy: "Copy" },
        },
      ],
      1500,
    );
    expect(out.messages).toEqual(["Paid", "Codes\n\n1.\nAAA\n\n2.\nBBB\nPassword:\nPW"]);
    const long = plainMessages([{ kind: "text", body: [{ text: "x".repeat(25) }] }], 10).messages;
    expect(long).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  });
});
