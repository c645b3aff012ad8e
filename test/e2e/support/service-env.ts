import { TEST_ENCRYPTION_KEY } from "../../support/container.ts";
import { TEST_REDIS_URL } from "../../support/env.ts";
import type { Shop } from "./shop.ts";

/** The environment of a `serve` or `worker` process that shares the test shop's database and Redis prefix. */
export function serviceEnv(shop: Shop, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "test",
    DATABASE_URL: shop.t.testDb!.url,
    DATABASE_POOL_SIZE: "4",
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: shop.c.config.REDIS_PREFIX,
    CODE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    SANDBOX_WEBHOOK_SECRET: "whsec_test_secret_0123456789",
    DATA_DIR: dataDir,
    DEMO_SEED: "false",
    LOG_LEVEL: "warn",
    // As the test shop's container (test/support/container.ts): risk rules on only where a test sets them.
    RISK_ENABLED: "false",
    ...extra,
  };
}
