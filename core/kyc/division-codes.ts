import { DIVISIONS, PROVINCES } from "./division-codes.data.ts";

/** Where the first six digits of a resident ID number point. */
export interface Region {
  /** The six digits as given. */
  code: string;
  province: string;
  /** The prefecture and county names found for the code (the province's alone when none is). */
  name: string;
  /** Whether the six digits are a current county/district code (else an older or prefecture-level one). */
  exact: boolean;
}

let provinces: Map<string, string> | undefined;
const divisions = new Map<string, Map<string, string>>();

function provinceNames(): Map<string, string> {
  provinces ??= new Map(PROVINCES.split("|").map((e) => [e.slice(0, 2), e.slice(2)]));
  return provinces;
}

function divisionsOf(province: string): Map<string, string> {
  let m = divisions.get(province);
  if (!m) {
    m = new Map();
    for (const entry of (DIVISIONS[province] ?? "").split("|").filter(Boolean)) {
      const digits = /^\d+/.exec(entry)![0];
      m.set(province + digits, entry.slice(digits.length));
    }
    divisions.set(province, m);
  }
  return m;
}

/**
 * The region of a six-digit division code, or null when its province is not a mainland province (the one
 * part that never changes). A code under a known province that is not a current county (a district merged
 * or renamed since the ID was issued) is still a region, named as far as the table knows it.
 */
export function regionOf(code: string): Region | null {
  if (!/^\d{6}$/.test(code)) return null;
  const province = provinceNames().get(code.slice(0, 2));
  if (!province) return null;
  const known = divisionsOf(code.slice(0, 2));
  const city = known.get(code.slice(0, 4));
  const county = known.get(code);
  const parts = [province, city && city !== "市辖区" && city !== "县" ? city : undefined, county].filter(Boolean);
  return { code, province, name: parts.join(" "), exact: county !== undefined };
}
