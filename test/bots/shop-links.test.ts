import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseShopLink, shopLinkPayload } from "../../bots/shop-links.ts";

describe("shop links (/start payloads)", () => {
  it("round-trips a shop and a shop's product within Telegram's 64 characters", () => {
    for (let i = 0; i < 200; i++) {
      const shopId = randomUUID();
      const productId = randomUUID();
      const a = shopLinkPayload({ shopId });
      const b = shopLinkPayload({ shopId, productId });
      expect(a.length).toBeLessThanOrEqual(64);
      expect(b.length).toBeLessThanOrEqual(64);
      expect(b).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(parseShopLink(a)).toEqual({ shopId });
      expect(parseShopLink(b)).toEqual({ shopId, productId });
    }
  });

  it("names no shop for other payloads, malformed ids and non-canonical spellings", () => {
    expect(parseShopLink("")).toBeNull();
    expect(parseShopLink("ref_abcd")).toBeNull();
    expect(parseShopLink("shop_not-a-uuid-at-all-but-36-chars-x")).toBeNull();
    expect(parseShopLink("sp_short")).toBeNull();
    const good = shopLinkPayload({ shopId: randomUUID(), productId: randomUUID() });
    const last = good.at(-1)!;
    const tweaked = good.slice(0, -1) + (last === "A" ? "B" : "A");
    expect(parseShopLink(tweaked)?.productId).not.toBe(parseShopLink(good)?.productId);
    expect(() => shopLinkPayload({ shopId: "x" })).toThrow();
  });
});
