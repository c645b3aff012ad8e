import { describe, expect, it } from "vitest";
import { ConfigError, configVariables, parseConfig, slackEnabled } from "../../app/config.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("configuration", () => {
  it("starts with no configuration at all (the embedded default)", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ NODE_ENV: "development", PORT: 3000, DATA_DIR: "./data", REDIS_PREFIX: "kameng" });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ["PORT", "eighty", /PORT="eighty": must be a whole number \(example: PORT=3000\)/],
    ["PORT", "70000", /PORT="70000": must be between 1 and 65535/],
    ["NODE_ENV", "staging", /NODE_ENV="staging": .*(development|production).*\(example: NODE_ENV=production\)/],
    [
      "DATABASE_URL",
      "mysql://x@y/z",
      /DATABASE_URL="mysql:\/\/x@y\/z": must be a postgres:\/\/ or postgresql:\/\/ URL \(example: DATABASE_URL=postgresql:/,
    ],
    ["DATABASE_URL", "not a url", /DATABASE_URL="not a url": must be a postgres/],
    ["REDIS_URL", "http://localhost:6379", /REDIS_URL=.*must be a redis:\/\/ or rediss:\/\/ URL/],
    ["REDIS_PREFIX", "Bad Prefix!", /REDIS_PREFIX=.*must be 1–40 of a-z 0-9 _ -/],
    ["ALLOW_IN_MEMORY_QUEUE", "maybe", /ALLOW_IN_MEMORY_QUEUE="maybe": must be true or false/],
    ["CODE_ENCRYPTION_KEY", "short", /CODE_ENCRYPTION_KEY="short": must be 32 random bytes in base64/],
    ["SANDBOX_WEBHOOK_SECRET", "tiny", /SANDBOX_WEBHOOK_SECRET="tiny": must be at least 16 characters/],
    ["ORDER_PAYMENT_WINDOW_SECONDS", "5", /ORDER_PAYMENT_WINDOW_SECONDS="5": must be between 30 and 86400/],
    ["TELEGRAM_BOT_TOKEN", "abc", /TELEGRAM_BOT_TOKEN="abc": must look like 123456:ABC-DEF/],
    ["TELEGRAM_WEBHOOK_SECRET", "has spaces in it!!", /TELEGRAM_WEBHOOK_SECRET=.*must be 16–256 of/],
    ["TELEGRAM_STAFF_CHAT_IDS", "-100123;@ops", /TELEGRAM_STAFF_CHAT_IDS=.*must be chat ids separated by commas/],
    ["TELEGRAM_MAX_FILE_MB", "0", /TELEGRAM_MAX_FILE_MB="0": must be between 1 and 2000/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL="loud":/],
    ["PUBLIC_URL", "ftp://x", /PUBLIC_URL="ftp:\/\/x": must be a http:\/\/ or https:\/\/ URL/],
  ])("%s=%s names the variable, the problem and a good example", (name, value, pattern) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });

  it("reads the Telegram staff groups and the file limit", () => {
    const c = parseConfig({ TELEGRAM_STAFF_CHAT_IDS: " -1001, -1002 ", TELEGRAM_MAX_FILE_MB: "50" });
    expect(c).toMatchObject({ TELEGRAM_STAFF_CHAT_IDS: ["-1001", "-1002"], TELEGRAM_MAX_FILE_MB: 50 });
    expect(parseConfig({})).toMatchObject({ TELEGRAM_STAFF_CHAT_IDS: undefined, TELEGRAM_MAX_FILE_MB: 20 });
  });

  it("turns Slack on with all three of its variables, off with none, and refuses some of them", () => {
    const trio = {
      SLACK_SIGNING_SECRET: configVariables.SLACK_SIGNING_SECRET.example,
      SLACK_BOT_TOKEN: configVariables.SLACK_BOT_TOKEN.example,
      SLACK_STAFF_CHANNEL_ID: configVariables.SLACK_STAFF_CHANNEL_ID.example,
    };
    expect(slackEnabled(parseConfig(trio))).toBe(true);
    expect(slackEnabled(parseConfig({}))).toBe(false);
    const partial = problemsOf({ SLACK_BOT_TOKEN: trio.SLACK_BOT_TOKEN });
    expect(partial).toEqual([
      "SLACK_SIGNING_SECRET, SLACK_STAFF_CHANNEL_ID=(unset): Slack needs all of SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_STAFF_CHANNEL_ID (or none of them, to leave Slack off)",
    ]);
    expect(problemsOf({ ...trio, SLACK_BOT_TOKEN: "xoxp-user-token" })[0]).toMatch(
      /SLACK_BOT_TOKEN="xoxp-user-token": must be a bot token like xoxb-/,
    );
    expect(problemsOf({ ...trio, SLACK_STAFF_CHANNEL_ID: "#ops" })[0]).toMatch(/must be a Slack channel id/);
    expect(problemsOf({ ...trio, SLACK_SIGNING_SECRET: "secret" })[0]).toMatch(/32-character hex signing secret/);
  });

  it("reports every bad variable at once", () => {
    expect(problemsOf({ PORT: "x", LOG_LEVEL: "y", REDIS_URL: "z" })).toHaveLength(3);
  });

  it("refuses production without PostgreSQL, without Redis (unless allowed) and without an explicit key", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.join("\n")).toMatch(/DATABASE_URL=\(unset\): production needs PostgreSQL/);
    expect(problems.join("\n")).toMatch(/REDIS_URL=\(unset\): production refuses the in-process job queue/);
    expect(problems.join("\n")).toMatch(/CODE_ENCRYPTION_KEY=\(unset\)/);
    expect(problems.join("\n")).toMatch(/KYC_HASH_KEY=\(unset\)/);
    const ok = parseConfig({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://u@h/db",
      ALLOW_IN_MEMORY_QUEUE: "true",
      CODE_ENCRYPTION_KEY: configVariables.CODE_ENCRYPTION_KEY.example,
      KYC_HASH_KEY: configVariables.KYC_HASH_KEY.example,
    });
    expect(ok.ALLOW_IN_MEMORY_QUEUE).toBe(true);
  });

  it("every example value is itself valid", () => {
    const productionNeeds = {
      DATABASE_URL: "postgresql://u@h/db",
      REDIS_URL: "redis://h:6379",
      CODE_ENCRYPTION_KEY: configVariables.CODE_ENCRYPTION_KEY.example,
      KYC_HASH_KEY: configVariables.KYC_HASH_KEY.example,
    };
    const slackTrio = {
      SLACK_SIGNING_SECRET: configVariables.SLACK_SIGNING_SECRET.example,
      SLACK_BOT_TOKEN: configVariables.SLACK_BOT_TOKEN.example,
      SLACK_STAFF_CHANNEL_ID: configVariables.SLACK_STAFF_CHANNEL_ID.example,
    };
    // The KYC provider's URL and secret come together too.
    const kycProvider = {
      KYC_PROVIDER_URL: configVariables.KYC_PROVIDER_URL.example,
      KYC_PROVIDER_SECRET: configVariables.KYC_PROVIDER_SECRET.example,
    };
    for (const [name, def] of Object.entries(configVariables)) {
      // Slack's three variables come together (one alone is a configuration error of its own).
      const env =
        name === "NODE_ENV"
          ? { ...productionNeeds, NODE_ENV: def.example }
          : /^SLACK_(SIGNING_SECRET|BOT_TOKEN|STAFF_CHANNEL_ID)$/.test(name)
            ? { ...slackTrio, [name]: def.example }
            : /^KYC_PROVIDER_(URL|SECRET)$/.test(name)
              ? { ...kycProvider, [name]: def.example }
              : { [name]: def.example };
      expect(problemsOf(env), name).toEqual([]);
    }
  });
});

describe("the KYC provider", () => {
  it("needs its URL and secret together", () => {
    expect(problemsOf({ KYC_PROVIDER_URL: "https://kyc.example/verify" }).join("\n")).toMatch(
      /KYC_PROVIDER_SECRET=\(unset\): the KYC provider needs both/,
    );
    expect(problemsOf({ KYC_PROVIDER_SECRET: "kycsec_5b8e2f0a9c1d4e7f" }).join("\n")).toMatch(
      /KYC_PROVIDER_URL=\(unset\)/,
    );
  });
});

describe("README", () => {
  it("documents every environment variable", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    for (const name of Object.keys(configVariables)) expect(readme, name).toContain(`\`${name}\``);
  });
});
