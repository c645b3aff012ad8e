import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";

/** A single database session that can run multi-statement scripts: what the migrator and tools need. */
export interface SqlConnection {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (simple query protocol, no parameters). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

export async function connectPostgres(connectionString: string): Promise<SqlConnection> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  return {
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query(text, params as unknown[])).rows as T[];
    },
    async exec(script) {
      await client.query(script);
    },
    close: () => client.end(),
  };
}

/** Wraps an open PGlite; closing the wrapper leaves the database open for its owner. */
export function pgliteConnection(db: PGlite): SqlConnection {
  return {
    async query<T>(text: string, params?: unknown[]) {
      return (await db.query<T>(text, params)).rows;
    },
    async exec(script) {
      await db.exec(script);
    },
    close: async () => {},
  };
}
