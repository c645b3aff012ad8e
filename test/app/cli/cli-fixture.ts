import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { bufferIo, runCli, type RunCliOptions } from "../../../app/cli/run-cli.ts";
import { TEST_ENCRYPTION_KEY } from "../../support/container.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

/** What one command printed, and its exit code. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}
export type Cli = (...args: string[]) => Promise<CliResult>;

/**
 * Runs one command in this process, as `npm run cli -- …` would; its output and exit code. `options` is
 * read at each call (a container made in `beforeAll`); `trim` drops the output's trailing new lines.
 */
export function cliRunner(options: () => Omit<RunCliOptions, "io"> = () => ({}), { trim = false } = {}): Cli {
  return async (...args) => {
    const io = bufferIo();
    const code = await runCli(args, { ...options(), io });
    return trim ? { code, out: io.out().trimEnd(), err: io.err().trimEnd() } : { code, out: io.out(), err: io.err() };
  };
}

export interface CliDatabase {
  /** The database's URL (after `beforeAll`). */
  readonly url: string;
  /** The DATA_DIR the commands run with (after `beforeAll`). */
  readonly dir: string;
  /** Runs a command that opens its own container from the environment, as an operator's shell would. */
  cli: Cli;
}

/**
 * This test file's own fresh, migrated database and data folder, named to the CLI through process.env
 * (NODE_ENV test, a test encryption key, no demo seed, silent log). Call it inside `describe`: it
 * registers the `beforeAll` that makes them and the `afterAll` that drops them.
 */
export function useCliDatabase(label: string): CliDatabase {
  let t: TestDatabase | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    t = await createTestDatabase(label);
    await t.db.close();
    dir = await mkdtemp(path.join(tmpdir(), `kameng-${label}-`));
    Object.assign(process.env, {
      NODE_ENV: "test",
      DATABASE_URL: t.url,
      DATABASE_POOL_SIZE: "2",
      CODE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      SANDBOX_WEBHOOK_SECRET: "whsec_test_secret_0123456789",
      DATA_DIR: dir,
      DEMO_SEED: "false",
      LOG_LEVEL: "silent",
    });
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error("useCliDatabase: used before its beforeAll ran");
    return v;
  };
  return {
    get url() {
      return ready(t).url;
    },
    get dir() {
      return ready(dir);
    },
    cli: cliRunner(),
  };
}
