import { describe, expect, it } from "vitest";
import { SqlRecorder, type RecordedStep } from "../../bench/capture/recording-runner.ts";
import { sql, type Sql, type SqlRunner, type SqlTx } from "../../core/shared/index.ts";

/** A runner that answers every statement on the next macrotask, like a database round trip. */
function fakeRunner(): SqlRunner {
  const answer = <R>(rows: R[]) => new Promise<R[]>((r) => setTimeout(() => r(rows), 1));
  const tx: SqlTx = {
    query: <R>() => answer<R>([]),
    execute: async () => (await answer([])).length,
    send: () => {},
    queryAndCommit: <R>() => answer<R>([]),
    savepoint: (fn) => fn(),
  };
  return {
    engine: "postgres",
    query: <R>() => answer<R>([]),
    execute: async () => 0,
    transaction: (fn) => fn(tx),
  };
}

const texts = (steps: RecordedStep[]) =>
  steps.map((s) => (s.kind === "autocommit" ? [s.trip.map((x) => x.text)] : s.trips.map((t) => t.map((x) => x.text))));

describe("SqlRecorder: what the service sends, round trip by round trip", () => {
  it("groups statements issued before an answer came back; BEGIN with the first, COMMIT where the runner sends it", async () => {
    const rec = new SqlRecorder();
    const db = rec.wrap(fakeRunner());
    const s = (t: string): Sql => sql`SELECT ${t}::text`;
    rec.start();
    await db.query(s("alone"));
    await db.transaction(async (tx) => {
      const a = tx.query(s("a"));
      tx.send(s("b"));
      await a;
      await tx.query(s("c"));
    });
    await db.transaction(async (tx) => {
      tx.send(s("d"));
      await tx.queryAndCommit(s("e"));
    });
    const steps = rec.stop();
    expect(texts(steps)).toEqual([
      [["SELECT $1::text"]],
      [["BEGIN", "SELECT $1::text", "SELECT $1::text"], ["SELECT $1::text"], ["COMMIT"]],
      [["BEGIN", "SELECT $1::text", "SELECT $1::text", "COMMIT"]],
    ]);
    expect(steps[1]!.kind === "transaction" && steps[1]!.trips[0]![1]!.values).toEqual(["a"]);
  });

  it("records nothing while off, and a failed transaction as rolled back", async () => {
    const rec = new SqlRecorder();
    const db = rec.wrap(fakeRunner());
    await db.query(sql`SELECT 1`);
    rec.start();
    await expect(
      db.transaction(async (tx) => {
        await tx.query(sql`SELECT 2`);
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    const steps = rec.stop();
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: "transaction", outcome: "rollback" });
    expect(texts(steps)[0]!.at(-1)).toEqual(["ROLLBACK"]);
  });
});
