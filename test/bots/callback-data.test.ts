import { describe, expect, it } from "vitest";
import { createCallbackCodec, MAX_CALLBACK_BYTES, type Action } from "../../bots/shop/callback-data.ts";

const id = "0193a6b2-7c1d-7e3f-9a4b-5c6d7e8f9a0b";
const codec = createCallbackCodec("test-button-key-0123456789");

describe("callback data", () => {
  const samples: Action[] = [
    { op: "menu" },
    { op: "categories" },
    { op: "category", categoryId: id },
    { op: "product", productId: id, version: 12, price: 123_456n },
    { op: "product", productId: id, version: 1, price: null },
    { op: "qty", productId: id, version: 3, price: 999_999_999n, quantity: 10 },
    { op: "qty", productId: id, version: 3, price: 5n, quantity: null },
    { op: "confirm", nonce: "AbC_dEf-123" },
    { op: "topup_for", nonce: "AbC_dEf-123" },
    { op: "stars_for", nonce: "AbC_dEf-123" },
    { op: "cancel" },
    { op: "orders" },
    { op: "order", orderId: id },
    { op: "resend", orderId: id },
    { op: "balance" },
    { op: "topup_menu" },
    { op: "topup", amount: 5000n, currency: "CNY" },
    { op: "help" },
    { op: "lang_menu" },
    { op: "lang", locale: "zh-CN" },
    { op: "lang", locale: "en" },
    { op: "link_menu" },
    { op: "link_new" },
    { op: "link_enter" },
    { op: "notify", productId: id },
  ];

  it("round-trips every action within Telegram's 64-byte limit", () => {
    for (const a of samples) {
      const data = codec.encode(a);
      expect(Buffer.byteLength(data), data).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
      expect(codec.decode(data)).toEqual(a);
    }
  });

  it("drops an oversized price rather than exceed the limit", () => {
    const a: Action = {
      op: "qty",
      productId: id,
      version: Number.MAX_SAFE_INTEGER,
      price: 36n ** 13n - 1n,
      quantity: 999_999,
    };
    const data = codec.encode(a);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
    expect([a, { ...a, price: null }]).toContainEqual(codec.decode(data));
  });

  it("refuses forged, tampered, foreign-key and garbage data", () => {
    const good = codec.encode({ op: "order", orderId: id });
    const other = createCallbackCodec("another-key-0123456789abcdef");
    expect(other.decode(good)).toBeNull();
    const [body, mac] = good.split("~");
    expect(codec.decode(`${body}~${mac!.replace(/.$/, (c) => (c === "A" ? "B" : "A"))}`)).toBeNull();
    expect(codec.decode(`R${body!.slice(1)}~${mac}`)).toBeNull();
    for (const junk of ["", "~", "M", "M~", "x".repeat(65), "Q~abcdefgh", "\u0000~\u0000", "buy:1"])
      expect(codec.decode(junk)).toBeNull();
  });

  it("refuses a short key", () => {
    expect(() => createCallbackCodec("short")).toThrow(/16 bytes/);
  });
});
