import { describe, expect, it } from "vitest";
import { pgbenchScript, quote } from "../../bench/pgbench/script.ts";
import type { RecordedStep } from "../../bench/capture/recording-runner.ts";

const USER = "01941f29-7fe8-7a01-8000-000000000001";
const ORDER = "01a235f7-ebeb-73ea-b3c9-df410d55fef0";
const ROW = "01a235f7-0000-7000-8000-000000000009";
const now = new Date("2026-12-02T10:00:00.000Z");

const script = (steps: RecordedStep[], existing: string[] = []) =>
  pgbenchScript({
    header: ["test"],
    sets: ["\\set u random(1, :users)"],
    steps,
    roles: new Map([[USER, { name: "user_id", sql: "f(:u)" }]]),
    existingIds: new Set([USER, ...existing]),
  });

describe("pgbench scripts from recorded statements", () => {
  it("keeps every parameter a bind parameter, drawn per transaction by one SELECT … \\gset", () => {
    const out = script([
      {
        kind: "transaction",
        outcome: "commit",
        trips: [
          [
            { text: "BEGIN", values: [], control: true },
            {
              text: "INSERT INTO t VALUES ($1::uuid, $2::uuid, $3::text, $4::text, $5::timestamptz, $6::timestamptz, $7::text, $8::bigint)",
              values: [
                ORDER,
                USER,
                `wallet:${USER}:CNY`,
                null,
                now,
                new Date(now.getTime() + 900_000 + 3),
                "a".repeat(64),
                990n,
              ],
            },
            { text: "SELECT $1::jsonb", values: [JSON.stringify({ orderId: ORDER })] },
            { text: "COMMIT", values: [], control: true },
          ],
        ],
      },
      { kind: "autocommit", trip: [{ text: "SELECT $1::uuid, $2::text[]", values: [ORDER, ["x", USER]] }] },
    ]);
    expect(out).toContain(
      "INSERT INTO t VALUES (:new_id1::uuid, :user_id::uuid, :v1::text, NULL::text, :now::timestamptz, :now_plus_15m::timestamptz, :opaque_hash::text, :k1::bigint);",
    );
    expect(out).toContain("\\startpipeline\nBEGIN;");
    expect(out).toContain(
      "COMMIT;\n\\endpipeline\n-- step 2: outside a transaction\nSELECT :new_id1::uuid, :v3::text[];",
    );
    // Texts embedding an id are rebuilt around the drawn id; colons are hidden from pgbench's variables.
    expect(out).toContain(`E'wallet\\x3a' || v.user_id || E'\\x3aCNY' AS v1`);
    expect(out).toContain(`E'{"orderId"\\x3a"' || v.new_id1 || '"}' AS v2`);
    expect(out).toContain(`'{"x","' || v.user_id || '"}' AS v3`);
    expect(out).toContain("f(:u) AS user_id");
    expect(out).toContain("(now() + interval '15 minutes')::text AS now_plus_15m");
    expect(out).toMatch(/uuid::text AS new_id1/);
    expect(out).toContain("'990' AS k1");
  });

  it("refuses an id of a row that existed before the order unless a role names it", () => {
    const steps: RecordedStep[] = [{ kind: "autocommit", trip: [{ text: "SELECT $1::uuid", values: [ROW] }] }];
    expect(() => script(steps, [ROW])).toThrow(/add a role/);
    expect(script(steps)).toContain("SELECT :new_id1::uuid;");
  });

  it("refuses a statement pgbench would misread", () => {
    expect(() => script([{ kind: "autocommit", trip: [{ text: "SELECT 'a:b' AS x, $1::int", values: [1] }] }])).toThrow(
      /':name'/,
    );
  });

  it("quotes literals so that no ':name' remains", () => {
    expect(quote("it's")).toBe("'it''s'");
    expect(quote("a:b\\c")).toBe("E'a\\x3ab\\\\c'");
  });
});
