import { z } from "zod";
import { invalidData, type Clock } from "../shared/index.ts";
import { periodRange, REPORT_PERIODS } from "./day-range.ts";
import type { ReportFigures, Reports } from "./reports.types.ts";

export interface ReportsDeps {
  figures: ReportFigures;
  clock: Clock;
  /** The shop's time zone: where "today" starts. */
  timeZone: string;
  /** Products in the top list (default 5). */
  topLimit?: number;
}

const input = z.object({ period: z.enum(REPORT_PERIODS) });

/** The staff reports (docs/staff.md): read-only figures over a period. */
export function createReports({ figures, clock, timeZone, topLimit = 5 }: ReportsDeps): Reports {
  return {
    async sales(_ctx, raw) {
      const parsed = input.safeParse(raw);
      if (!parsed.success) throw invalidData("invalid_period", `period must be one of ${REPORT_PERIODS.join(", ")}`);
      const { period } = parsed.data;
      const { from, to } = periodRange(period, clock.now(), timeZone);
      const [totals, top] = await Promise.all([figures.totals(from, to), figures.top(from, to, topLimit)]);
      return {
        period,
        from,
        to,
        timeZone,
        totals: totals.map((t) => ({ ...t, margin: t.revenue - t.cost })),
        top,
      };
    },
  };
}
