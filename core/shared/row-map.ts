import { raw, type Sql } from "./sql.ts";

/** How one field of a row type is read from its table: the column, and a cast where the type needs one. */
export interface ColumnRead {
  column: string;
  /** `uuid` columns are read `::text`; `count`-like expressions `::int`… */
  cast?: string;
  /** An expression read instead of the bare column (`{t}` is the table's alias); it must still be about `column`. */
  expr?: string;
}

/**
 * A row type's column map: every field of `T` (the compiler checks it with `satisfies`), read from one
 * table. `unread` lists the table's columns deliberately left out of `T`; test/prisma/row-maps.test.ts
 * fails when the table has a column that is neither mapped nor listed there, or the map names one it lacks.
 */
export interface RowMap<T> {
  table: string;
  columns: { readonly [K in keyof T]-?: ColumnRead };
  unread: readonly string[];
}

export function rowMap<T>(table: string, columns: RowMap<T>["columns"], unread: readonly string[] = []): RowMap<T> {
  return { table, columns, unread };
}

/**
 * `alias.column::cast AS "field", …` for every field of the map (`prefix` on the output names; a null
 * alias reads the columns unqualified, from a CTE of the table's rows).
 */
export function selectList<T>(map: RowMap<T>, alias: string | null, prefix = ""): Sql {
  const reads = (Object.entries(map.columns) as Array<[string, ColumnRead]>).map(([field, c]) => {
    if (c.expr && alias === null) throw new Error(`${map.table}.${field} is an expression: it needs the table's alias`);
    const value = c.expr ? c.expr.replaceAll("{t}", alias!) : alias === null ? c.column : `${alias}.${c.column}`;
    return `${c.cast ? `${value}::${c.cast}` : value} AS "${prefix}${field}"`;
  });
  return raw(reads.join(", "));
}
