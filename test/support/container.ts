import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../../app/config.ts";
import { createContainer, type Container, type ContainerOptions } from "../../app/container.ts";
import { createLogger } from "../../app/logger.ts";
import { createTestDatabase, type TestDatabase } from "./databases.ts";

export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");

/** Tests send many requests from one key and one (unknown) IP: limits are on only where a test sets them. */
const NO_RATE_LIMITS = {
  RATE_LIMIT_API_PER_MINUTE: "0",
  RATE_LIMIT_IP_PER_MINUTE: "0",
  RATE_LIMIT_WEB_PER_MINUTE: "0",
  // Risk rules (velocity, new-account limits) would refuse the many orders tests place: on where a test sets it.
  RISK_ENABLED: "false",
};

export interface TestContainer {
  container: Container;
  testDb: TestDatabase;
  dispose(): Promise<void>;
}

/** A full container on a fresh PostgreSQL database of its own. */
export async function createTestContainer(
  label: string,
  env: Record<string, string> = {},
  opts: ContainerOptions = {},
): Promise<TestContainer> {
  const testDb = await createTestDatabase(label);
  const dataDir = await mkdtemp(path.join(tmpdir(), `kameng-${label}-`));
  await testDb.db.close();
  const config = parseConfig({
    NODE_ENV: "test",
    DATABASE_URL: testDb.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    CODE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    SANDBOX_WEBHOOK_SECRET: "whsec_test_secret_0123456789",
    DEMO_SEED: "false",
    ...NO_RATE_LIMITS,
    ...env,
  });
  const container = await createContainer(config, createLogger(config.LOG_LEVEL), opts);
  return {
    container,
    testDb,
    async dispose() {
      await container.close();
      await testDb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A full container on the embedded default (PGlite in a fresh data folder, in-process jobs), as `npm start`. */
export async function createEmbeddedTestContainer(
  label: string,
  env: Record<string, string> = {},
  opts: ContainerOptions = {},
): Promise<Omit<TestContainer, "testDb">> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `kameng-${label}-`));
  const config = parseConfig({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DEMO_SEED: "false",
    ...NO_RATE_LIMITS,
    ...env,
  });
  const container = await createContainer(config, createLogger(config.LOG_LEVEL), opts);
  return {
    container,
    async dispose() {
      await container.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
