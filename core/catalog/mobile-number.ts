import type { Carrier, MobileParseResult } from "./catalog.types.ts";
import { MOBILE_SEGMENTS, VIRTUAL_PREFIXES } from "./mobile-segments.data.ts";

const MAX_RAW_LENGTH = 40;

/**
 * Parses what people type for a mainland mobile number: spaces, dashes, dots, brackets, full-width
 * digits, and a +86 / 0086 / 86 country prefix are accepted; the result is the bare 11 digits and
 * the carrier of its segment.
 */
export function parseMainlandMobile(raw: string): MobileParseResult {
  if (typeof raw !== "string" || raw.trim() === "") return { ok: false, reason: "empty" };
  if (raw.length > MAX_RAW_LENGTH) return { ok: false, reason: "wrong_length" };
  // NFKC turns full-width digits and ＋ into ASCII.
  let s = raw.normalize("NFKC").replace(/[\s\-.()（）]/g, "");
  let international = false;
  if (s.startsWith("+")) {
    international = true;
    s = s.slice(1);
  }
  if (!/^\d+$/.test(s)) return { ok: false, reason: "invalid_characters" };
  if (s.startsWith("0086") && s.length === 15) s = s.slice(4);
  else if (s.startsWith("86") && s.length === 13) s = s.slice(2);
  else if (international) return { ok: false, reason: "bad_prefix" };
  if (s.length !== 11) return { ok: false, reason: "wrong_length" };
  if (s[0] !== "1") return { ok: false, reason: "bad_prefix" };
  const carrier = carrierOfSegment(s);
  if (!carrier) return { ok: false, reason: "unknown_segment" };
  return { ok: true, number: s, carrier, virtual: VIRTUAL_PREFIXES.has(s.slice(0, 3)) };
}

function carrierOfSegment(number: string): Carrier | null {
  const four = MOBILE_SEGMENTS[number.slice(0, 4)];
  if (four !== undefined) return four;
  return MOBILE_SEGMENTS[number.slice(0, 3)] ?? null;
}
