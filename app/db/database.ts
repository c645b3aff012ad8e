import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import type { SqlRunner } from "../../core/shared/sql.ts";
import { createPgPipelineRunner } from "./pg-pipeline-runner.ts";
import { createPgliteRunner } from "./pglite-runner.ts";
import { lockDataDir, lockFileOf } from "./data-dir-lock.ts";
import { connectPostgres, pgliteConnection, type SqlConnection } from "./sql-connection.ts";

export type DatabaseKind = "postgres" | "pglite";

export interface Database {
  kind: DatabaseKind;
  /** Admin CRUD and reports (docs/data-access.md). */
  prisma: PrismaClient;
  /** The hot paths: the same statements on PostgreSQL (pipelined node-postgres) and on PGlite. */
  sql: SqlRunner;
  /** Opens a dedicated session (migrations, advisory locks, scripts). */
  connect(): Promise<SqlConnection>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 20);
  return openPglite(path.join(opts.dataDir, "pglite"));
}

function openPostgres(connectionString: string, max: number): Database {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString, max }) });
  // The hot paths get a pool of their own: half the configured size, at least 4.
  const sql = createPgPipelineRunner({ connectionString, max: Math.max(4, Math.ceil(max / 2)) });
  return {
    kind: "postgres",
    prisma,
    sql,
    connect: () => connectPostgres(connectionString),
    ping: async () => void (await sql.query(Prisma.sql`SELECT 1`)),
    close: async () => {
      await sql.close();
      await prisma.$disconnect();
    },
  };
}

async function openPglite(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const unlock = await lockDataDir(lockFileOf(path.dirname(dir)));
  const lite = await PGlite.create(dir).catch(async (e: unknown) => {
    await unlock();
    throw e;
  });
  return pgliteDatabase(lite, unlock);
}

/** A Database over an open PGlite (a data folder, or in memory for tests); closing closes it. */
export function pgliteDatabase(lite: PGlite, afterClose: () => Promise<void> = async () => {}): Database {
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite) });
  return {
    kind: "pglite",
    prisma,
    sql: createPgliteRunner(lite),
    connect: async () => pgliteConnection(lite),
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    close: async () => {
      await prisma.$disconnect();
      await lite.close();
      await afterClose();
    },
  };
}
