import type { Sql, SqlRunner, SqlTx } from "../../core/shared/sql.ts";

/**
 * A `SqlRunner` decorator that records what the service sends while recording is on: each statement's
 * text and values, grouped the way they travel — a statement outside any transaction is a round trip of
 * its own; inside a transaction, statements issued before any answer came back leave together (a
 * pipelining runner sends them in one round trip), and BEGIN, COMMIT and savepoints are where the
 * runner puts them (BEGIN with the first statement, COMMIT with `queryAndCommit`'s statement or on its
 * own after the transaction's function returns). Everything is passed through unchanged.
 */

export interface RecordedStatement {
  text: string;
  values: unknown[];
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT: sent as plain text by the runner. */
  control?: true;
}

/** Statements that leave together; the caller waits for the answers before sending more. */
export type RoundTrip = RecordedStatement[];

export type RecordedStep =
  { kind: "autocommit"; trip: RoundTrip } | { kind: "transaction"; trips: RoundTrip[]; outcome: "commit" | "rollback" };

const control = (text: string): RecordedStatement => ({ text, values: [], control: true });
const statement = (s: Sql): RecordedStatement => ({ text: s.text, values: [...s.values] });

export class SqlRecorder {
  private steps: RecordedStep[] | null = null;
  private inFlight = 0;
  private lastActivity = performance.now();

  get recording(): boolean {
    return this.steps !== null;
  }

  start(): void {
    this.steps = [];
  }

  /** Stops recording; what was recorded since `start`. */
  stop(): RecordedStep[] {
    const steps = this.steps ?? [];
    this.steps = null;
    return steps;
  }

  /** Resolves once nothing is in flight and nothing was sent for `quietMs`. */
  async idle(quietMs: number, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.inFlight > 0 || performance.now() - this.lastActivity < quietMs) {
      if (performance.now() > deadline) throw new Error("the service did not go quiet");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    this.lastActivity = performance.now();
    const done = () => {
      this.inFlight--;
      this.lastActivity = performance.now();
    };
    p.then(done, done);
    return p;
  }

  wrap(inner: SqlRunner): SqlRunner {
    const autocommit = <T>(s: Sql, run: () => Promise<T>): Promise<T> => {
      this.steps?.push({ kind: "autocommit", trip: [statement(s)] });
      return this.track(run());
    };
    return {
      engine: inner.engine,
      query: <R>(s: Sql) => autocommit(s, () => inner.query<R>(s)),
      execute: (s: Sql) => autocommit(s, () => inner.execute(s)),
      transaction: <T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> =>
        this.track(
          inner.transaction(async (tx) => {
            const rec = new TxRecording(this.steps);
            try {
              const result = await fn(rec.wrap(tx, (p) => this.track(p)));
              rec.finish("commit");
              return result;
            } catch (e) {
              rec.finish("rollback");
              throw e;
            }
          }),
        ),
    };
  }
}

class TxRecording {
  private readonly trips: RoundTrip[] = [];
  private current: RoundTrip | null = null;
  /** An answer came back since the last statement was issued: the next one starts a new round trip. */
  private answered = false;
  private committed = false;
  private savepoints = 0;
  private step: Extract<RecordedStep, { kind: "transaction" }> | null = null;

  constructor(private readonly steps: RecordedStep[] | null) {}

  private issue(s: RecordedStatement): void {
    if (!this.current || this.answered) {
      this.current = [];
      if (this.trips.length === 0) {
        // Recorded where it starts, so steps keep the order the service began them in.
        this.current.push(control("BEGIN"));
        this.step = { kind: "transaction", trips: this.trips, outcome: "commit" };
        this.steps?.push(this.step);
      }
      this.trips.push(this.current);
    }
    this.answered = false;
    this.current.push(s);
  }

  private answer = () => {
    this.answered = true;
  };

  wrap(tx: SqlTx, track: <T>(p: Promise<T>) => Promise<T>): SqlTx {
    const run = <T>(s: Sql, go: () => Promise<T>): Promise<T> => {
      this.issue(statement(s));
      const p = track(go());
      const seen = p.then(
        (v) => {
          this.answer();
          return v;
        },
        (e: unknown) => {
          this.answer();
          throw e;
        },
      );
      seen.catch(() => {});
      return seen;
    };
    return {
      query: <R>(s: Sql) => run(s, () => tx.query<R>(s)),
      execute: (s) => run(s, () => tx.execute(s)),
      send: (s) => {
        this.issue(statement(s));
        tx.send(s);
      },
      queryAndCommit: <R>(s: Sql) => {
        const p = run(s, () => tx.queryAndCommit<R>(s));
        this.current!.push(control("COMMIT"));
        this.committed = true;
        return p;
      },
      savepoint: (fn) => {
        this.issue(control(`SAVEPOINT kameng_sp${++this.savepoints}`));
        return tx.savepoint(fn);
      },
    };
  }

  finish(outcome: "commit" | "rollback"): void {
    if (!this.step) return;
    if (!this.committed) this.trips.push([control(outcome === "commit" ? "COMMIT" : "ROLLBACK")]);
    this.step.outcome = outcome;
  }
}
