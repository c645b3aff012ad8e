import { describe, expect, it } from "vitest";
import { isOrderNumber, orderNumberCheck, parseOrderRef } from "../../../core/orders/index.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A valid number built from a 7-character body. */
const numberOf = (body: string) => `${body.slice(0, 4)}-${body.slice(4)}${orderNumberCheck(body)}`;

describe("order numbers as people type them", () => {
  const n = numberOf("K7M29QX");

  it("reads the stored form, any case, with #, spaces, no dash, and Crockford's look-alikes", () => {
    expect(isOrderNumber(n)).toBe(true);
    const plain = n.replace("-", "");
    for (const typed of [
      n,
      `#${n}`,
      ` # ${n.toLowerCase()} `,
      plain,
      plain.toLowerCase(),
      `${n.slice(0, 4)} ${n.slice(5)}`,
    ])
      expect(parseOrderRef(typed), typed).toEqual({ kind: "number", number: n });
    const withZero = numberOf("A0B1C2D");
    expect(parseOrderRef(withZero.replace("0", "o").replace("1", "l"))).toEqual({ kind: "number", number: withZero });
    expect(parseOrderRef(withZero.replace("1", "I"))).toEqual({ kind: "number", number: withZero });
  });

  it("catches every single mistyped character and every swap of two different neighbours", () => {
    const chars = n.replace("-", "");
    let substitutions = 0;
    for (let i = 0; i < chars.length; i++)
      for (const c of ALPHABET) {
        if (c === chars[i]) continue;
        const typo = chars.slice(0, i) + c + chars.slice(i + 1);
        expect(parseOrderRef(typo).kind, typo).toBe("mistyped");
        substitutions++;
      }
    expect(substitutions).toBe(8 * 31);
    for (let i = 0; i + 1 < chars.length; i++) {
      if (chars[i] === chars[i + 1]) continue;
      const swapped = chars.slice(0, i) + chars[i + 1] + chars[i] + chars.slice(i + 2);
      expect(parseOrderRef(swapped).kind, swapped).not.toBe("number");
    }
  });

  it("names a mistyped number in its stored form, and tells order ids from garbage", () => {
    const last = n.at(-1)!;
    const wrong = n.slice(0, -1) + ALPHABET[(ALPHABET.indexOf(last) + 1) % 32];
    expect(parseOrderRef(wrong.toLowerCase())).toEqual({ kind: "mistyped", number: wrong });
    expect(isOrderNumber(wrong)).toBe(false);
    const id = "0193B4A2-7C1D-7E2F-8A3B-4C5D6E7F8091";
    expect(parseOrderRef(` #${id} `)).toEqual({ kind: "id", orderId: id.toLowerCase() });
    for (const bad of ["", "#", "K7M2-9QX", "K7M2-9QX44", "K7M2-9QXU", "订单K7M29QX4", "002944DE!"])
      expect(parseOrderRef(bad), bad).toEqual({ kind: "invalid" });
  });
});
