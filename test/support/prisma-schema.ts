import { readFile } from "node:fs/promises";

/**
 * A deliberately small reader of schema.prisma: enough to list each model's table, columns (SQL type,
 * nullability), primary key, unique constraints and indexes, so a test can compare them with the
 * database the migrations build. (Prisma's own differ needs an engine binary we cannot download.)
 */
export interface ColumnSpec {
  name: string;
  sqlType: string;
  nullable: boolean;
}
export interface TableSpec {
  model: string;
  table: string;
  columns: ColumnSpec[];
  primaryKey: string[];
  uniques: string[][];
  indexes: string[][];
}

const SCALARS: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Float: "double precision",
  Decimal: "numeric(65,30)",
};

function nativeType(attr: string): string | undefined {
  const m = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attr);
  if (!m) return undefined;
  const [, name, arg] = m;
  switch (name) {
    case "Uuid":
      return "uuid";
    case "Char":
      return `character(${arg})`;
    case "VarChar":
      return `character varying(${arg})`;
    case "Timestamptz":
      return `timestamp(${arg ?? 6}) with time zone`;
    case "Timestamp":
      return `timestamp(${arg ?? 6}) without time zone`;
    default:
      return name!.toLowerCase();
  }
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim().replace(/\(.*\)$/, ""))
    .filter(Boolean);

export async function readPrismaSchema(file: string): Promise<TableSpec[]> {
  const text = (await readFile(file, "utf8")).replace(/\/\/.*$/gm, "");
  const blocks = [...text.matchAll(/model\s+(\w+)\s*\{([^}]*)\}/g)];
  const models = new Set(blocks.map((b) => b[1]!));
  return blocks.map(([, model, body]) => {
    const spec: TableSpec = { model: model!, table: model!, columns: [], primaryKey: [], uniques: [], indexes: [] };
    const fieldToColumn = new Map<string, string>();
    const blockAttrs: string[] = [];
    for (const raw of body!.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      if (line.startsWith("@@")) {
        blockAttrs.push(line);
        continue;
      }
      const m = /^(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
      if (!m) continue;
      const [, field, type, modifier, attrs] = m;
      if (models.has(type!)) continue; // relation fields have no column
      const column = /@map\("([^"]+)"\)/.exec(attrs!)?.[1] ?? field!;
      fieldToColumn.set(field!, column);
      const sqlType = nativeType(attrs!) ?? SCALARS[type!] ?? `?${type}`;
      spec.columns.push({
        name: column,
        // A scalar list (`String[]`) is an array column, never null.
        sqlType: modifier === "[]" ? `${sqlType}[]` : sqlType,
        nullable: modifier === "?",
      });
      if (/@id\b/.test(attrs!)) spec.primaryKey = [column];
      if (/@unique\b/.test(attrs!)) spec.uniques.push([column]);
    }
    const cols = (fields: string) => list(fields).map((f) => fieldToColumn.get(f) ?? f);
    for (const attr of blockAttrs) {
      const map = /^@@map\("([^"]+)"\)/.exec(attr);
      if (map) spec.table = map[1]!;
      const inner = /^@@(id|unique|index)\(\[([^\]]*)\]/.exec(attr);
      if (!inner) continue;
      const [, kind, fields] = inner;
      if (kind === "id") spec.primaryKey = cols(fields!);
      else if (kind === "unique") spec.uniques.push(cols(fields!));
      else spec.indexes.push(cols(fields!));
    }
    return spec;
  });
}
