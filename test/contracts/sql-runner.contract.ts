import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kamengFailure, PG_UNIQUE_VIOLATION, sqlState, violatesCheck } from "../../core/shared/index.ts";
import { raw, sql, type SqlRunner } from "../../core/shared/sql.ts";

/**
 * One contract for every SqlRunner (core/shared/sql.ts): the embedded default (PGlite) and production
 * (pipelined node-postgres) must answer the same statements the same way — values, ordering, the
 * first-failure rule, deferred writes, commit with the last statement, savepoints, error shapes.
 */
export function sqlRunnerContract(name: string, open: () => Promise<{ runner: SqlRunner; close(): Promise<void> }>) {
  describe(`SqlRunner contract: ${name}`, () => {
    let runner: SqlRunner;
    let close: () => Promise<void>;
    let table = 0;

    beforeAll(async () => {
      ({ runner, close } = await open());
    });
    afterAll(() => close());

    /** A fresh probe table: `n int primary key, v text, CHECK (n >= 0)`, plus a deferred rule that fails at COMMIT for n = 666. */
    async function probe(): Promise<string> {
      const t = `contract_probe_${++table}`;
      await runner.execute(
        raw(`CREATE TABLE ${t} (n int PRIMARY KEY, v text, CONSTRAINT ${t}_n_non_negative CHECK (n >= 0))`),
      );
      await runner.execute(
        raw(`CREATE FUNCTION ${t}_deferred() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.n = 666 THEN PERFORM kameng_fail('deferred_rule', 'n'); END IF; RETURN NULL; END $$`),
      );
      await runner.execute(
        raw(`CREATE CONSTRAINT TRIGGER ${t}_deferred AFTER INSERT ON ${t} DEFERRABLE INITIALLY DEFERRED
           FOR EACH ROW EXECUTE FUNCTION ${t}_deferred()`),
      );
      return t;
    }
    const rows = async (t: string) =>
      (await runner.query<{ n: number }>(raw(`SELECT n FROM ${t} ORDER BY n`))).map((r) => r.n);
    const insert = (t: string, n: number) => sql`INSERT INTO ${raw(t)} (n) VALUES (${n}::int)`;

    it("answers every type the same way", async () => {
      const [row] = await runner.query<Record<string, unknown>>(sql`
        SELECT 9007199254740993::int8 AS big, ARRAY[1, NULL, 3]::int8[] AS bigs, 7::int4 AS i, 2::int2 AS small,
               1.50::numeric AS num, ${new Date("2026-12-01T10:00:00.123Z")}::timestamptz AS at,
               ${JSON.stringify({ a: [1, "x"] })}::jsonb AS doc, ${"8c3c2c2e-7d87-4f8a-9d3e-2c7a1b0e4f10"}::uuid AS id,
               true AS yes, ARRAY['a', 'b']::text[] AS words, NULL::text AS nothing, ${5n}::int8 + 1 AS sum,
               ${["8c3c2c2e-7d87-4f8a-9d3e-2c7a1b0e4f10"]}::uuid[] AS ids, ${null}::text IS NULL AS null_param,
               ${false}::boolean AS no`);
      expect(row).toEqual({
        big: 9007199254740993n,
        bigs: [1n, null, 3n],
        i: 7,
        small: 2,
        num: "1.50",
        at: new Date("2026-12-01T10:00:00.123Z"),
        doc: { a: [1, "x"] },
        id: "8c3c2c2e-7d87-4f8a-9d3e-2c7a1b0e4f10",
        yes: true,
        words: ["a", "b"],
        nothing: null,
        sum: 6n,
        ids: ["8c3c2c2e-7d87-4f8a-9d3e-2c7a1b0e4f10"],
        null_param: true,
        no: false,
      });
      expect(await runner.query(sql`SELECT ${[] as bigint[]}::int8[] AS none`)).toEqual([{ none: [] }]);
    });

    it("counts written rows; a transaction commits when its function returns and rolls back when it throws", async () => {
      const t = await probe();
      expect(
        await runner.transaction(async (tx) => {
          await tx.execute(insert(t, 1));
          return tx.execute(raw(`UPDATE ${t} SET v = 'x' WHERE n >= 0`));
        }),
      ).toBe(1);
      await expect(
        runner.transaction(async (tx) => {
          await tx.execute(insert(t, 2));
          throw new Error("caller gave up");
        }),
      ).rejects.toThrow("caller gave up");
      expect(await rows(t)).toEqual([1]);
    });

    it("runs statements issued without waiting in issue order", async () => {
      const t = await probe();
      const out = await runner.transaction(async (tx) => {
        const a = tx.query<{ n: number }>(raw(`INSERT INTO ${t} (n) VALUES (1) RETURNING n`));
        const b = tx.query<{ n: number }>(raw(`INSERT INTO ${t} (n) VALUES (2) RETURNING n`));
        const c = tx.query<{ total: bigint }>(raw(`SELECT count(*) AS total FROM ${t}`));
        return [await c, await b, await a];
      });
      expect(out).toEqual([[{ total: 2n }], [{ n: 2 }], [{ n: 1 }]]);
    });

    it("reports the first failure from every later statement, with its name and detail", async () => {
      const t = await probe();
      const err = await runner
        .transaction(async (tx) => {
          void tx.query(sql`SELECT kameng_fail(${"first_refusal"}, ${"7"})`);
          await tx.execute(insert(t, 1));
        })
        .catch((e: unknown) => e);
      expect(kamengFailure(err)).toEqual({ reason: "first_refusal", detail: "7" });
      expect(sqlState(err)).toBe("KM001");
      expect(await rows(t)).toEqual([]);
    });

    it("a sent write commits with the transaction; one that fails surfaces from the next statement and rolls back", async () => {
      const t = await probe();
      await runner.transaction(async (tx) => {
        await tx.execute(insert(t, 1));
        tx.send(insert(t, 2));
      });
      expect(await rows(t)).toEqual([1, 2]);
      const err = await runner
        .transaction(async (tx) => {
          await tx.execute(insert(t, 3));
          tx.send(insert(t, 1)); // duplicate key
          await tx.execute(insert(t, 4));
        })
        .catch((e: unknown) => e);
      expect(sqlState(err)).toBe(PG_UNIQUE_VIOLATION);
      const last = await runner
        .transaction(async (tx) => {
          await tx.execute(insert(t, 5));
          tx.send(insert(t, -1)); // nothing after it: the commit reports it
        })
        .catch((e: unknown) => e);
      expect(violatesCheck(last, `${t}_n_non_negative`)).toBe(true);
      expect(await rows(t)).toEqual([1, 2]);
    });

    it("the last statement commits with it; a deferred rule failing at COMMIT is its failure; nothing may follow", async () => {
      const t = await probe();
      const answered = await runner.transaction(async (tx) => {
        await tx.execute(insert(t, 1));
        const r = await tx.queryAndCommit<{ n: number }>(raw(`INSERT INTO ${t} (n) VALUES (2) RETURNING n`));
        expect(() => tx.send(insert(t, 3))).toThrow(/after COMMIT/);
        return r;
      });
      expect(answered).toEqual([{ n: 2 }]);
      expect(await rows(t)).toEqual([1, 2]);

      const err = await runner
        .transaction(async (tx) => {
          await tx.execute(insert(t, 10));
          return tx.queryAndCommit(insert(t, 666));
        })
        .catch((e: unknown) => e);
      expect(kamengFailure(err)).toEqual({ reason: "deferred_rule", detail: "n" });
      const refused = await runner
        .transaction(async (tx) => {
          tx.send(sql`SELECT kameng_fail(${"refused"})`);
          return tx.queryAndCommit(insert(t, 11));
        })
        .catch((e: unknown) => e);
      expect(kamengFailure(refused)?.reason).toBe("refused");
      expect(await rows(t)).toEqual([1, 2]);
    });

    it("a savepoint undoes only what ran under it; the transaction goes on; a later failure is itself", async () => {
      const t = await probe();
      await runner.transaction(async (tx) => {
        await tx.execute(insert(t, 1));
        await expect(
          tx.savepoint(async () => {
            await tx.execute(insert(t, 2));
            await tx.execute(sql`SELECT kameng_fail(${"inner"})`);
          }),
        ).rejects.toMatchObject({ message: "inner" });
        await tx.savepoint(async () => {
          await tx.execute(insert(t, 3));
          await expect(tx.savepoint(() => tx.execute(insert(t, 3)))).rejects.toMatchObject({ code: "23505" });
        });
        await tx.execute(insert(t, 4));
      });
      expect(await rows(t)).toEqual([1, 3, 4]);
      const err = await runner
        .transaction(async (tx) => {
          await tx.savepoint(() => tx.execute(sql`SELECT kameng_fail(${"handled"})`)).catch(() => {});
          await tx.execute(insert(t, 1));
        })
        .catch((e: unknown) => e);
      expect(sqlState(err)).toBe(PG_UNIQUE_VIOLATION);
    });

    it("runs concurrent transactions without mixing their statements", async () => {
      const t = await probe();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          runner.transaction(async (tx) => {
            tx.send(insert(t, 1000 + i));
            const [row] = await tx.query<{ n: bigint }>(
              sql`SELECT count(*) AS n FROM ${raw(t)} WHERE n = ${1000 + i}::int`,
            );
            const n = row?.n;
            if (n !== 1n) throw new Error(`transaction ${i} saw ${n} rows of its own`);
          }),
        ),
      );
      expect(await rows(t)).toHaveLength(20);
    });
  });
}
