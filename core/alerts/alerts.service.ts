import { recordEvents } from "../events/index.ts";
import { newId, type Clock, type SqlRunner, type SqlTx } from "../shared/index.ts";
import { openSql, raiseSql, resolveSql, staleSubjectsSql, touchSql } from "./alerts.sql.ts";
import type { Alert, AlertNotice, Alerts, AlertSignal, AlertState } from "./alerts.types.ts";

export interface AlertsDeps {
  sql: SqlRunner;
  clock: Clock;
  /** An open alert is notified again at most this often while its condition holds (default 30 minutes). */
  renotifyMs?: number;
}

type Row = Alert & { inserted?: boolean };

/** The notice and its `staff.alert` outbox event, written in the transaction that made the change. */
async function noticeIn(
  tx: SqlTx,
  state: AlertState,
  alert: AlertSignal & { id: string | null },
): Promise<AlertNotice> {
  await recordEvents(tx, [
    {
      type: "staff.alert",
      payload: {
        alertId: alert.id,
        subject: alert.subject,
        kind: alert.kind,
        severity: alert.severity,
        state,
        details: alert.details,
      },
    },
  ]);
  return { state, alert };
}

const signalOf = (r: Row): AlertSignal & { id: string } => ({
  id: r.id,
  subject: r.subject,
  kind: r.kind,
  severity: r.severity,
  details: r.details,
});

/**
 * Alerts to the staff channel (docs/alerts.md): one open alert per subject, re-notified at most every
 * `renotifyMs`, resolved with a message when it clears. The staff channel hears of them through the
 * `staff.alert` outbox event (the `staff-alerter` consumer renders and posts it), so a notice exists
 * exactly when its change committed, whichever process ran the check.
 */
export function createAlerts({ sql, clock, renotifyMs = 30 * 60_000 }: AlertsDeps): Alerts {
  async function raise(signal: AlertSignal): Promise<AlertNotice | null> {
    const now = clock.now();
    return sql.transaction(async (tx) => {
      const [row] = await tx.query<Row>(raiseSql(newId(), signal, now, new Date(now.getTime() - renotifyMs)));
      if (!row) {
        await tx.execute(touchSql(signal, now));
        return null;
      }
      return noticeIn(tx, row.inserted ? "opened" : "reminder", signalOf(row));
    });
  }

  async function resolve(subject: string): Promise<AlertNotice | null> {
    return sql.transaction(async (tx) => {
      const [row] = await tx.query<Row>(resolveSql(subject, clock.now()));
      return row ? noticeIn(tx, "resolved", signalOf(row)) : null;
    });
  }

  return {
    raise: (_ctx, signal) => raise(signal),
    resolve: (_ctx, subject) => resolve(subject),
    async sweep(_ctx, { kind, firing, scope = "" }) {
      const notices: AlertNotice[] = [];
      for (const s of firing) {
        if (s.kind !== kind) throw new Error(`alert ${s.subject} is ${s.kind}, not ${kind}`);
        const n = await raise(s);
        if (n) notices.push(n);
      }
      const stale = await sql.query<{ subject: string }>(
        staleSubjectsSql(
          kind,
          firing.map((s) => s.subject),
          scope,
        ),
      );
      for (const { subject } of stale) {
        const n = await resolve(subject);
        if (n) notices.push(n);
      }
      return notices;
    },
    async notify(_ctx, signal) {
      return sql.transaction((tx) => noticeIn(tx, "notice", { ...signal, id: null }));
    },
    async open(_ctx, input = {}) {
      return sql.query<Alert>(openSql(Math.min(Math.max(input.limit ?? 50, 1), 200)));
    },
  };
}
