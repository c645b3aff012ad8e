import { readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

/** DATA_DIR when unset (app/config.ts). */
export const DEFAULT_DATA_DIR = "./data";

/** The lock file of the embedded database in DATA_DIR (app/db/database.ts opens DATA_DIR/pglite). */
export const lockFileOf = (dataDir: string) => path.join(dataDir, "pglite.lock");

/**
 * PGlite is one in-process PostgreSQL: two processes opening the same data folder would corrupt it.
 * A pid lock file refuses the second one with a clear message; a lock left by a dead process is taken over.
 */
export async function lockDataDir(file: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      return async () => void (await unlink(file).catch(() => {}));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (pid > 0 && pid !== process.pid && isAlive(pid))
        throw new Error(
          `the embedded database in ${file.replace(/\/[^/]+$/, "")} is in use by process ${pid}; stop it, or set DATA_DIR to another folder (or DATABASE_URL to share PostgreSQL)`,
          { cause: e },
        );
      await unlink(file).catch(() => {});
    }
  }
  throw new Error(`could not lock ${file}`);
}

/** The live process (not this one) that holds the embedded database in `dataDir`, if any. */
export async function embeddedDatabaseHolder(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(lockFileOf(dataDir), "utf8").catch(() => "")).trim());
  return pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
