import { regionOf, type Region } from "./division-codes.ts";

/** Why a mainland resident ID number (GB 11643-1999, 18 characters) was refused. */
export type ResidentIdProblem =
  /** Not 18 characters (after spaces are removed). */
  | "length"
  /** A character other than digits, and `X` as the last one. */
  | "characters"
  /** The first two digits are not a mainland province. */
  | "region"
  /** Digits 7–14 are not a real calendar date (or one before 1900). */
  | "birth_date"
  /** The birth date is after today. */
  | "future_birth_date"
  /** Born less than 18 years ago. */
  | "under_18"
  /** The last character is not the ISO 7064 MOD 11-2 check of the first 17. */
  | "checksum";

export type ResidentIdCheck =
  | { ok: true; number: string; region: Region; birthDate: string; sex: "male" | "female" }
  | { ok: false; problem: ResidentIdProblem };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = "10X98765432";

/** The ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643). */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** `YYYY-MM-DD` of today in China (UTC+8, no daylight saving): an age counts in the holder's calendar. */
function chinaDate(now: Date): { y: number; m: number; d: number } {
  const t = new Date(now.getTime() + 8 * 3_600_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * Checks a resident ID number as a person typed it: spaces removed, a lower-case `x` taken as `X`. The
 * problems are checked from the most basic up (length, characters, region, birth date, age, checksum), so
 * the message names the first thing to fix.
 */
export function checkResidentId(input: string, now: Date, minAge = 18): ResidentIdCheck {
  const number = input.replace(/[\s\u3000]+/g, "").toUpperCase();
  if (number.length !== 18) return { ok: false, problem: "length" };
  if (!/^\d{17}[\dX]$/.test(number)) return { ok: false, problem: "characters" };
  const region = regionOf(number.slice(0, 6));
  if (!region) return { ok: false, problem: "region" };
  const y = Number(number.slice(6, 10));
  const m = Number(number.slice(10, 12));
  const d = Number(number.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return { ok: false, problem: "birth_date" };
  const today = chinaDate(now);
  const born = y * 10_000 + m * 100 + d;
  const todayNum = today.y * 10_000 + today.m * 100 + today.d;
  if (born > todayNum) return { ok: false, problem: "future_birth_date" };
  // Of age on the birthday itself: born on or before the same day `minAge` years ago (29 Feb → 1 Mar).
  if (born + minAge * 10_000 > todayNum) return { ok: false, problem: "under_18" };
  if (residentIdCheckChar(number) !== number[17]) return { ok: false, problem: "checksum" };
  return {
    ok: true,
    number,
    region,
    birthDate: `${number.slice(6, 10)}-${number.slice(10, 12)}-${number.slice(12, 14)}`,
    sex: Number(number[16]) % 2 === 1 ? "male" : "female",
  };
}

/** What staff see of an ID number: the first four and the last four (`4401**********123X`). */
export function maskResidentId(number: string): string {
  return number.length < 9
    ? "*".repeat(number.length)
    : number.slice(0, 4) + "*".repeat(number.length - 8) + number.slice(-4);
}

/** What staff see of a name: the first character, the rest starred (`张**`; `J*** D**` for Latin names). */
export function maskName(name: string): string {
  return name
    .split(/(\s+|·)/)
    .map((part) =>
      /^(\s+|·)$/.test(part) || part.length === 0 ? part : [...part][0] + "*".repeat([...part].length - 1),
    )
    .join("");
}
