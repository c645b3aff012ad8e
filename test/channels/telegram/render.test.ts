import { describe, expect, it } from "vitest";
import type { CodesReply } from "../../../bots/turn.ts";
import { renderReplies } from "../../../channels/telegram/render.ts";
import { splitHtml } from "../../../channels/telegram/split-text.ts";
import { parseTelegramHtml, stripHtml } from "./fake-bot-api.ts";

const privateTarget = { chatId: "42", chatKind: "private" as const };

function codes(n: number, withPassword = false): CodesReply {
  return {
    kind: "codes",
    orderId: "order-1",
    title: [{ text: "Your codes for " }, { text: "Steam <50> & more", style: "bold" }],
    items: Array.from({ length: n }, (_, i) => ({
      code: `CODE-${String(i).padStart(4, "0")}-<&>-XXXXXXXXXXXXXXXX`,
      ...(withPassword ? { password: `pw&${i}` } : {}),
    })),
    labels: { code: "Code", password: "Password", copy: "tap to copy" },
    footer: [{ text: "Thanks!" }],
    buttons: [[{ kind: "callback", label: "My orders", data: "orders" }]],
  };
}

describe("Telegram rendering", () => {
  it("escapes user-provided text in HTML parse mode", () => {
    const { ops } = renderReplies(
      [{ kind: "text", body: [{ text: 'Hi <b>Eve</b> & "friends" </code>' }, { text: "<i>", style: "bold" }] }],
      privateTarget,
    );
    expect(ops).toHaveLength(1);
    const op = ops[0]!;
    expect(op.method).toBe("sendMessage");
    const text = String((op.payload as { text: string }).text);
    expect(text).toBe("Hi &lt;b&gt;Eve&lt;/b&gt; &amp; &quot;friends&quot; &lt;/code&gt;<b>&lt;i&gt;</b>");
    expect(typeof parseTelegramHtml(text)).toBe("number");
    expect(stripHtml(text)).toBe('Hi <b>Eve</b> & "friends" </code><i>');
    expect((op.payload as { parse_mode: string }).parse_mode).toBe("HTML");
  });

  it("splits a 200-code delivery into valid messages, every code exactly once and intact", () => {
    for (const withPassword of [false, true]) {
      const reply = codes(200, withPassword);
      const { ops } = renderReplies([reply], privateTarget);
      expect(ops.length).toBeGreaterThan(1);
      const texts = ops.map((o) => String((o.payload as { text: string }).text));
      for (const t of texts) {
        const visible = parseTelegramHtml(t);
        expect(typeof visible, t.slice(0, 200)).toBe("number");
        expect(visible).toBeLessThanOrEqual(4096);
      }
      const all = texts.map(stripHtml).join("\n");
      for (const item of reply.items) {
        expect(all.split(item.code).length - 1).toBe(1);
        // Intact within ONE message, and monospace.
        expect(texts.filter((t) => stripHtml(t).includes(item.code))).toHaveLength(1);
        expect(
          texts.some((t) =>
            t.includes(`<code>${item.code.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</code>`),
          ),
        ).toBe(true);
      }
      // Buttons ride on the last message only.
      expect(ops.slice(0, -1).every((o) => !("reply_markup" in o.payload))).toBe(true);
      expect(JSON.stringify(ops.at(-1)!.payload)).toContain('"callback_data":"orders"');
    }
  });

  it("never renders codes to a group and reports it without the codes", () => {
    const reply = codes(3);
    const { ops, notes } = renderReplies([{ kind: "text", body: [{ text: "see your private chat" }] }, reply], {
      chatId: "-1001234",
      chatKind: "group",
    });
    expect(ops).toHaveLength(1);
    expect(JSON.stringify(ops)).not.toContain("CODE-");
    expect(notes).toEqual([expect.objectContaining({ level: "error", orderId: "order-1", items: 3 })]);
    expect(JSON.stringify(notes)).not.toContain("CODE-");
  });

  it("splits long text on line boundaries", () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ${"x".repeat(40)} & <tag>`);
    const parts = splitHtml([{ text: lines.join("\n") }]);
    expect(parts.length).toBeGreaterThan(1);
    const back = parts.map(stripHtml).join("\n");
    expect(back).toBe(lines.join("\n"));
    for (const p of parts) expect(parseTelegramHtml(p)).toBeLessThanOrEqual(4096);
    // A single line longer than a message is cut, still valid.
    const long = splitHtml([{ text: "&".repeat(5000), style: "bold" }]);
    expect(long.length).toBe(2);
    for (const p of long) expect(typeof parseTelegramHtml(p)).toBe("number");
    expect(long.map(stripHtml).join("")).toBe("&".repeat(5000));
  });

  it("renders buttons, edits, prompts, invoices, deep links and precheckout answers", () => {
    const { ops, notes } = renderReplies(
      [
        {
          kind: "text",
          edit: true,
          body: [{ text: "Pick one" }],
          buttons: [
            [
              { kind: "callback", label: "A", data: "p:1" },
              { kind: "url", label: "Site", url: "https://example.com" },
            ],
            [{ kind: "callback", label: "Too long", data: "x".repeat(65) }],
          ],
        },
        { kind: "prompt", body: [{ text: "How many?" }], placeholder: "1–10" },
        {
          kind: "invoice",
          title: "Steam 50",
          description: "One code",
          payload: "ord:1",
          currency: "XTR",
          amount: 250n,
          label: "Steam 50 × 1",
        },
        { kind: "deep_link", body: [{ text: "Open the private chat" }], label: "Open", url: "https://t.me/b?start=x" },
        { kind: "answer_precheckout", queryId: "q1", ok: false, error: "Sold out" },
        { kind: "toast", text: "ignored" },
      ],
      { ...privateTarget, editMessageId: 9 },
    );
    expect(ops.map((o) => o.method)).toEqual([
      "editMessageText",
      "sendMessage",
      "sendInvoice",
      "sendMessage",
      "answerPreCheckoutQuery",
    ]);
    expect(ops[0]!.payload).toMatchObject({
      message_id: 9,
      reply_markup: {
        inline_keyboard: [
          [
            { text: "A", callback_data: "p:1" },
            { text: "Site", url: "https://example.com" },
          ],
        ],
      },
    });
    expect(notes).toEqual([expect.objectContaining({ level: "error" })]);
    expect(ops[1]!.payload).toMatchObject({ reply_markup: { force_reply: true, input_field_placeholder: "1–10" } });
    expect(ops[2]!.payload).toMatchObject({ currency: "XTR", provider_token: "", prices: [{ amount: 250 }] });
    expect(ops[4]!.payload).toEqual({ pre_checkout_query_id: "q1", ok: false, error_message: "Sold out" });
  });
});
