import { describe, expect, it } from "vitest";
import { parseMainlandMobile } from "../../../core/catalog/index.ts";

describe("parseMainlandMobile", () => {
  it.each([
    ["13800138000", "13800138000", "CMCC", false],
    ["139 1234 5678", "13912345678", "CMCC", false],
    ["198-0000-1111", "19800001111", "CMCC", false],
    ["+86 186 1234 5678", "18612345678", "CUCC", false],
    ["0086-130-1234-5678", "13012345678", "CUCC", false],
    ["8615512345678", "15512345678", "CUCC", false],
    ["(+86)189.1234.5678", "18912345678", "CTCC", false],
    ["１９９１２３４５６７８", "19912345678", "CTCC", false],
    ["19212345678", "19212345678", "CBN", false],
    ["17001234567", "17001234567", "CTCC", true],
    ["17051234567", "17051234567", "CMCC", true],
    ["17091234567", "17091234567", "CUCC", true],
    ["16212345678", "16212345678", "CTCC", true],
    ["16512345678", "16512345678", "CMCC", true],
    ["16712345678", "16712345678", "CUCC", true],
    ["17112345678", "17112345678", "CUCC", true],
  ])("%s → %s %s", (raw, number, carrier, virtual) => {
    expect(parseMainlandMobile(raw)).toEqual({ ok: true, number, carrier, virtual });
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["1380013800", "wrong_length"],
    ["138001380001", "wrong_length"],
    ["23800138000", "bad_prefix"],
    ["+1 415 555 0100", "bad_prefix"],
    ["1380013800a", "invalid_characters"],
    ["abc", "invalid_characters"],
    ["10012345678", "unknown_segment"],
    ["12012345678", "unknown_segment"],
    ["13491234567", "unknown_segment"],
    ["14012345678", "unknown_segment"],
    ["1".repeat(50), "wrong_length"],
  ])("%j → %s", (raw, reason) => {
    expect(parseMainlandMobile(raw)).toEqual({ ok: false, reason });
  });
});
