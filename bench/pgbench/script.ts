import type { RecordedStatement, RecordedStep } from "../capture/recording-runner.ts";

/**
 * A pgbench custom script from recorded statements (bench/capture): the same statement texts, the same
 * transactions and round trips (`\startpipeline`/`\endpipeline` around statements the service sends
 * together), every parameter still a bind parameter (`:var`, prepared with `-M prepared`). Per
 * transaction, one SELECT … \gset first computes every parameter's value:
 *   - a role value (the buyer, the product, a supplier) from the seed's id formulas and `\set` draws;
 *   - any other UUID is an id the service made up (order, postings, supplier request): a fresh v7 id;
 *   - a text embedding those (idempotency keys, account codes, JSON metadata, request keys) is rebuilt
 *     around them; a timestamp is now() (or now() plus whole minutes, e.g. a payment window);
 *   - opaque 64-hex hashes (request hashes) become one fixed value of the same length;
 *   - anything else is the recorded constant. NULL stays a literal NULL (pgbench cannot bind a null).
 * That SELECT is the one statement the service does not send (it makes these values in process).
 */

export interface ScriptRole {
  /** pgbench variable name. */
  name: string;
  /** SQL expression for its text value (may use `\set` variables, e.g. `:u`). */
  sql: string;
}

export interface ScriptInput {
  /** Comment lines at the top. */
  header: string[];
  /** `\set` lines drawing the role numbers. */
  sets: string[];
  steps: RecordedStep[];
  /** Role values by their value in the capture. */
  roles: Map<string, ScriptRole>;
  /** Ids of rows that existed before the recorded order: none may be taken for a fresh id. */
  existingIds: Set<string>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const OPAQUE = /^[0-9a-f]{64}$/;
const MINUTE = 60_000;

/** A fresh UUIDv7 (as the service's newId makes): time in ms, then random bits. */
export const FRESH_V7_SQL =
  "(lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || " +
  "substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid::text";

/** A SQL literal pgbench leaves alone: it would take `:name` even inside quotes for a variable. */
export const quote = (s: string) =>
  s.includes(":")
    ? `E'${s.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/:/g, "\\x3a")}'`
    : `'${s.replace(/'/g, "''")}'`;

/** A parameter's text as node-postgres sends it; Dates kept apart (they become times relative to now). */
export function paramText(v: unknown): string | Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (Array.isArray(v)) return arrayText(v);
  if (typeof v === "object") {
    if (ArrayBuffer.isView(v)) throw new Error("binary parameters are not supported in pgbench scripts");
    return JSON.stringify(v);
  }
  return String(v as string | number | bigint | boolean);
}

function arrayText(v: unknown[]): string {
  const items = v.map((x) => {
    if (x === null || x === undefined) return "NULL";
    if (Array.isArray(x)) return arrayText(x);
    const t = paramText(x);
    if (t instanceof Date || t === null) throw new Error("timestamps inside arrays are not supported");
    return `"${t.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(",")}}`;
}

interface Vars {
  /** Inner select: roles, fresh ids, times (name → expression). */
  base: Map<string, string>;
  /** Outer select: what the statements bind (name → expression over `v.<base>`). */
  out: Map<string, string>;
  byValue: Map<string, string>;
  times: Map<number, string>;
}

export function pgbenchScript(input: ScriptInput): string {
  const vars: Vars = { base: new Map(), out: new Map(), byValue: new Map(), times: new Map() };
  const statements = input.steps.flatMap((s) => (s.kind === "autocommit" ? [s.trip] : s.trips)).flat();
  const dates = statements
    .filter((s) => !s.control)
    .flatMap((s) => s.values.map(paramText).filter((t): t is Date => t instanceof Date))
    .map((d) => d.getTime())
    .sort((a, b) => a - b);
  // "Now" is where most timestamps lie (the earliest such one): the others are windows from it.
  const near = (t: number) => dates.filter((d) => Math.abs(d - t) < MINUTE).length;
  const now = dates.reduce((best, t) => (near(t) > near(best) ? t : best), dates[0] ?? 0);
  let fresh = 0;
  let derived = 0;
  let constants = 0;

  const baseFor = (uuid: string): string => {
    const role = input.roles.get(uuid);
    const known = vars.byValue.get(uuid);
    if (known) return known;
    if (!role && input.existingIds.has(uuid))
      throw new Error(`${uuid} names a row that existed before the order, and no role says which: add a role`);
    const name = role?.name ?? `new_id${++fresh}`;
    vars.base.set(name, role?.sql ?? FRESH_V7_SQL);
    vars.byValue.set(uuid, name);
    return name;
  };
  const output = (name: string, expr: string) => {
    if (!vars.out.has(name)) vars.out.set(name, expr);
    return `:${name}`;
  };

  const bind = (v: unknown): string => {
    const t = paramText(v);
    if (t === null) return "NULL";
    if (t instanceof Date) {
      const minutes = Math.abs(t.getTime() - now) < MINUTE ? 0 : Math.round((t.getTime() - now) / MINUTE);
      let name = vars.times.get(minutes);
      if (!name) {
        name = minutes === 0 ? "now" : `now_${minutes < 0 ? "minus" : "plus"}_${Math.abs(minutes)}m`;
        vars.times.set(minutes, name);
        vars.base.set(name, minutes === 0 ? "now()::text" : `(now() + interval '${minutes} minutes')::text`);
      }
      return output(name, `v.${name}`);
    }
    if (OPAQUE.test(t)) return output("opaque_hash", quote("0".repeat(64)));
    const uuids = t.match(UUID) ?? [];
    if (uuids.length === 1 && uuids[0] === t) {
      const name = baseFor(t);
      return output(name, `v.${name}`);
    }
    let name = vars.byValue.get(`text:${t}`);
    if (!name) {
      if (uuids.length) {
        const parts = t.split(UUID);
        const expr = parts
          .flatMap((p, i) => [...(p ? [quote(p)] : []), ...(i < uuids.length ? [`v.${baseFor(uuids[i]!)}`] : [])])
          .join(" || ");
        name = `v${++derived}`;
        vars.out.set(name, expr);
      } else {
        name = `k${++constants}`;
        vars.out.set(name, quote(t));
      }
      vars.byValue.set(`text:${t}`, name);
    }
    return `:${name}`;
  };

  const sqlOf = (s: RecordedStatement): string => {
    if (s.control) return `${s.text};`;
    if (/(^|[^:]):[A-Za-z_]/.test(s.text))
      throw new Error(`a statement contains ':name', which pgbench would take for a variable: ${s.text.slice(0, 80)}`);
    const params = s.values.map(bind);
    const text = s.text.replace(/\$(\d+)/g, (_m, n: string) => {
      const p = params[Number(n) - 1];
      if (p === undefined) throw new Error(`statement refers to $${n} but has ${params.length} parameters`);
      return p;
    });
    return `${text
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== "")
      .join("\n")
      .trim()};`;
  };

  const body: string[] = [];
  const trip = (t: RecordedStatement[]) => {
    if (t.length === 1) body.push(sqlOf(t[0]!));
    else body.push("\\startpipeline", ...t.map(sqlOf), "\\endpipeline");
  };
  for (const [i, step] of input.steps.entries()) {
    body.push(
      step.kind === "autocommit"
        ? `-- step ${i + 1}: outside a transaction`
        : `-- step ${i + 1}: a transaction in ${step.trips.length} round trip${step.trips.length === 1 ? "" : "s"}`,
    );
    if (step.kind === "autocommit") trip(step.trip);
    else for (const t of step.trips) trip(t);
  }

  const inner = [...vars.base].map(([name, expr]) => `${expr} AS ${name}`);
  const outer = [...vars.out].map(([name, expr]) => (expr === `v.${name}` ? expr : `${expr} AS ${name}`));
  return [
    ...input.header.map((l) => `-- ${l}`.trimEnd()),
    ...input.sets,
    `SELECT ${outer.join(",\n  ")}\nFROM (SELECT ${inner.join(",\n  ")}) AS v \\gset`,
    ...body,
    "",
  ].join("\n");
}
