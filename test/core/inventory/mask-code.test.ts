import { describe, expect, it } from "vitest";
import { maskCode } from "../../../core/inventory/index.ts";

describe("maskCode", () => {
  it("shows a quarter of the code at each end, at most four characters, never the whole", () => {
    expect(maskCode("ABCDEFGH12345678WXYZ")).toBe("ABCD…WXYZ");
    expect(maskCode("ABCDEFGHIJKLMNOP")).toBe("ABCD…MNOP");
    expect(maskCode("SHORTCD8")).toBe("SH…D8");
    expect(maskCode("ABCDE")).toBe("A…E");
    expect(maskCode("ABC")).toBe("…");
    expect(maskCode("")).toBe("…");
    expect(maskCode("卡密一二三四五六")).toBe("卡密…五六"); // by character, not byte
  });
});
