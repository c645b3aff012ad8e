/** Report periods, in the shop's time zone: today so far, all of yesterday, the last seven days (today included). */
export const REPORT_PERIODS = ["today", "yesterday", "7d"] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** Minutes `timeZone` is ahead of UTC at `at`. */
function offsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant the calendar day containing `at` (in `timeZone`) began, `daysBack` days earlier. */
export function startOfDay(at: Date, timeZone: string, daysBack = 0): Date {
  const local = new Date(at.getTime() + offsetMinutes(at, timeZone) * 60_000);
  const midnightWall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - daysBack);
  // The offset at midnight may differ from now's (a DST change in between): take it at the guess, twice.
  let guess = midnightWall - offsetMinutes(new Date(midnightWall), timeZone) * 60_000;
  guess = midnightWall - offsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

/** [from, to) of a period at `now`. */
export function periodRange(period: ReportPeriod, now: Date, timeZone: string): { from: Date; to: Date } {
  switch (period) {
    case "today":
      return { from: startOfDay(now, timeZone), to: now };
    case "yesterday":
      return { from: startOfDay(now, timeZone, 1), to: startOfDay(now, timeZone) };
    case "7d":
      return { from: startOfDay(now, timeZone, 6), to: now };
  }
}
