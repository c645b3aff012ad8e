import { z } from "zod";
import { DEFAULT_STARS_PER_CNY } from "../core/payments/stars-price.ts";
import { STAFF_ROLES } from "../core/shared/actor.ts";
import { CURRENCIES, type Currency } from "../core/shared/money.ts";
import { DEFAULT_DATA_DIR } from "./db/data-dir-lock.ts";

/**
 * The only place that reads the environment. Every variable is listed here with an example, which
 * the README's table and the error message both use.
 */
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: "must be a whole number" })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${protocols.map((p) => p.replace(":", "://")).join(" or ")} URL` },
  );

/** A share between 0 and 1, e.g. `0.2`. */
const rate = z
  .string()
  .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, { message: "must be a number from 0 to 1, like 0.2" })
  .transform(Number);

const timeZone = z.string().refine(
  (v) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: v });
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be an IANA time zone like Asia/Shanghai" },
);

const base64Key = z.string().refine((v) => Buffer.from(v, "base64").length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(v), {
  message: "must be 32 random bytes in base64 (44 characters)",
});

/** `CNY:100,USD:15,XTR:1000` (major units per currency) → minor units per currency; an error text when invalid. */
export function parseApprovalThresholds(v: string): Partial<Record<Currency, bigint>> | string {
  const out: Partial<Record<Currency, bigint>> = {};
  for (const pair of v.split(",")) {
    const m = /^\s*([A-Z]{3}):(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(pair);
    if (!m) return "must be CURRENCY:amount pairs separated by commas, like CNY:100,USD:15,XTR:1000";
    const code = m[1] as Currency;
    if (!(code in CURRENCIES)) return `unknown currency ${code} (one of ${Object.keys(CURRENCIES).join(", ")})`;
    const digits = CURRENCIES[code].minorDigits;
    const frac = m[3] ?? "";
    if (frac.length > digits) return `${code} has ${digits} decimal places at most`;
    out[code] = BigInt(m[2]!) * 10n ** BigInt(digits) + BigInt(frac.padEnd(digits, "0") || "0");
  }
  return out;
}

/** A per-currency amount variable parseConfig has checked (minor units per currency). */
export function currencyAmounts(name: string, v: string): Partial<Record<Currency, bigint>> {
  const r = parseApprovalThresholds(v);
  if (typeof r === "string") throw new Error(`${name} ${r}`);
  return r;
}

/** The parsed staff refund threshold (parseConfig has checked it: an invalid one throws here). */
export function staffRefundOver(v: string, name = "STAFF_APPROVAL_REFUND_OVER"): Partial<Record<Currency, bigint>> {
  const r = parseApprovalThresholds(v);
  if (typeof r === "string") throw new Error(`${name} ${r}`);
  return r;
}

/** A comma-separated list of staff roles (`owner,admin`); empty: none. */
const staffRoleList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(STAFF_ROLES, { message: `each role must be one of ${STAFF_ROLES.join(", ")}` })));

const approvalThresholds = z.string().superRefine((v, zctx) => {
  const r = parseApprovalThresholds(v);
  if (typeof r === "string") zctx.addIssue({ code: "custom", message: r });
});

export const configVariables = {
  NODE_ENV: {
    schema: z.enum(["development", "production", "test"]).default("development"),
    example: "production",
    doc: "`production` refuses embedded defaults that are unsafe there.",
  },
  PORT: { schema: int(1, 65535).default(3000), example: "3000", doc: "HTTP port." },
  HOST: { schema: z.string().min(1).default("127.0.0.1"), example: "0.0.0.0", doc: "Interface to listen on." },
  PUBLIC_URL: {
    schema: url(["http:", "https:"]).optional(),
    example: "https://shop.example.com",
    doc: "Public base URL for checkout links and webhooks (default `http://localhost:PORT`).",
  },
  DATA_DIR: {
    schema: z.string().min(1).default(DEFAULT_DATA_DIR),
    example: "/var/lib/kameng",
    doc: "Folder for the embedded database, generated keys and secrets.",
  },
  DATABASE_URL: {
    schema: url(["postgres:", "postgresql:"]).optional(),
    example: "postgresql://kameng:kameng@localhost:5432/kameng",
    doc: "PostgreSQL; unset = embedded PGlite in `DATA_DIR`.",
  },
  DATABASE_POOL_SIZE: { schema: int(1, 200).default(20), example: "20", doc: "PostgreSQL connections per process." },
  REDIS_URL: {
    schema: url(["redis:", "rediss:"]).optional(),
    example: "redis://localhost:6379",
    doc: "Redis for BullMQ jobs; unset = in-process queue.",
  },
  REDIS_PREFIX: {
    schema: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/, { message: "must be 1–40 of a-z 0-9 _ -" })
      .default("kameng"),
    example: "kameng",
    doc: "Key prefix for BullMQ queues and rate-limit counters.",
  },
  ALLOW_IN_MEMORY_QUEUE: {
    schema: bool.default(false),
    example: "true",
    doc: "Allow the in-process queue when `NODE_ENV=production`.",
  },
  RUN_WORKERS: {
    schema: bool.default(true),
    example: "false",
    doc: "Run job workers inside the server process (`npm run worker` runs them separately).",
  },
  WORKER_CONCURRENCY: { schema: int(1, 500).default(50), example: "50", doc: "Jobs run at once per worker process." },
  WORKER_METRICS_PORT: {
    schema: int(1, 65535).optional(),
    example: "9464",
    doc: "`npm run worker` serves its own `/metrics` (its supplier calls and job failures) on this port at `HOST`; unset = none.",
  },
  CODE_ENCRYPTION_KEY: {
    schema: base64Key.optional(),
    example: "q0Vh1c8v2mQ7o5pW3mJk9sX1yZ4bN6cD8eF0gH2iJ4k=",
    doc: "AES-256 key for codes and secrets (base64, 32 bytes). Unset = a key file in `DATA_DIR` (0600), not allowed in production.",
  },
  KYC_HASH_KEY: {
    schema: base64Key.optional(),
    example: "c2VwYXJhdGUta2V5LWZvci1reWMtaWQtaGFzaGVzISE=",
    doc: "HMAC key (base64, 32 bytes) of the keyed hash that lets one ID number verify one account (docs/kyc.md). Unset = a key file in `DATA_DIR` (0600), not allowed in production.",
  },
  KYC_PROVIDER_URL: {
    schema: z.url().optional(),
    example: "https://kyc-bridge.internal/verify",
    doc: 'The real-name verification provider (docs/kyc.md "Provider protocol"), with `KYC_PROVIDER_SECRET`. Unset = the sandbox provider (checks nothing real).',
  },
  KYC_PROVIDER_SECRET: {
    schema: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
    example: "kycsec_5b8e2f0a9c1d4e7f",
    doc: "HMAC secret signing requests to `KYC_PROVIDER_URL`.",
  },
  SANDBOX_WEBHOOK_SECRET: {
    schema: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
    example: "whsec_3f9a0c1b7d2e4f6a",
    doc: "HMAC secret of the sandbox payment provider. Unset = generated into `DATA_DIR`.",
  },
  WEBHOOK_PRIVATE_TARGETS: {
    schema: bool.optional(),
    example: "false",
    doc: "Let distributor webhook URLs reach localhost and private addresses. Unset = yes, except with `NODE_ENV=production`.",
  },
  ORDER_PAYMENT_WINDOW_SECONDS: {
    schema: int(30, 86400).default(900),
    example: "900",
    doc: "Unpaid orders expire after this and release their stock.",
  },
  DEMO_SEED: {
    schema: bool.optional(),
    example: "false",
    doc: "Seed the demo catalog on first start (default: on for the embedded database, off otherwise).",
  },
  WEB_CHAT: {
    schema: bool.optional(),
    example: "true",
    doc: "Serve the local web chat storefront at `/` (default: on, except in production).",
  },
  TELEGRAM_BOT_TOKEN: {
    schema: z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, { message: "must look like 123456:ABC-DEF…" })
      .optional(),
    example: "123456789:AAF1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPp",
    doc: "Enables the Telegram bot.",
  },
  TELEGRAM_WEBHOOK_SECRET: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, { message: "must be 16–256 of A-Z a-z 0-9 _ -" })
      .optional(),
    example: "tg_webhook_secret_0123456789",
    doc: "Webhook mode: the `X-Telegram-Bot-Api-Secret-Token` value. Unset = long polling.",
  },
  TELEGRAM_API_ROOT: {
    schema: url(["http:", "https:"]).optional(),
    example: "http://localhost:8081",
    doc: "A self-hosted Bot API server.",
  },
  STAFF_APPROVAL_REFUND_OVER: {
    schema: approvalThresholds.default("CNY:100,USD:15,XTR:1000"),
    example: "CNY:100,USD:15,XTR:1000",
    doc: "Staff refunds above this amount per currency (major units) need a second staff member's approval; a currency left out needs approval for any amount.",
  },
  STAFF_APPROVAL_CREDIT_OVER: {
    schema: approvalThresholds.default("CNY:100,USD:15,XTR:1000"),
    example: "CNY:100,USD:15,XTR:1000",
    doc: "Staff wallet credits and debits above this amount per currency (major units) need a second staff member's approval; a currency left out needs approval for any amount.",
  },
  STAFF_LOCALE: {
    schema: z.enum(["zh-CN", "en"]).default("zh-CN"),
    example: "zh-CN",
    doc: "The language of the alerts posted to the staff channels (Slack and the Telegram staff groups), and of the console's replies to a staff member who chose none (`lang`) when their platform tells none (Slack).",
  },
  STAFF_APPROVAL_ROLES: {
    schema: z.string().default("owner,admin,finance").pipe(staffRoleList),
    example: "owner,admin,finance",
    doc: "Staff changes made in chat (`staff add|role|remove`) that grant or take away one of these roles need a second owner's approval; other roles, one owner. The CLI is the platform's and needs none.",
  },
  STAFF_APPROVAL_BULK_REFUND_COUNT: {
    schema: int(1, 50).default(3),
    example: "3",
    doc: "A staff refund of more than this many orders at once (`refund <order> <order> … <reason>`) needs a second staff member's approval, as does one whose total is over `STAFF_APPROVAL_REFUND_OVER`.",
  },
  STAFF_APPROVAL_PRICE_CHANGE_PERCENT: {
    schema: int(0, 1000).default(20),
    example: "20",
    doc: "A staff price change of more than this percentage (up or down) needs a second staff member's approval.",
  },
  STAFF_ALERT_RENOTIFY_MINUTES: {
    schema: int(1, 1440).default(30),
    example: "30",
    doc: "An open alert is posted to the staff channel again at most this often while it holds.",
  },
  STAFF_ALERT_LOW_STOCK_DAYS: {
    schema: int(0, 365).default(3),
    example: "3",
    doc: "Low-stock alert: a code product with fewer days of cover than this (at the last 7 days' sales rate).",
  },
  STAFF_ALERT_LOW_STOCK_FLOOR: {
    schema: int(0, 1_000_000).default(10),
    example: "10",
    doc: "Low-stock alert: a code product with fewer sellable codes than this, whatever its sales.",
  },
  STAFF_ALERT_FAILURE_PERCENT: {
    schema: int(1, 100).default(20),
    example: "20",
    doc: "Alert when more than this percentage of the orders that finished in the last 15 minutes failed (at least 5 orders).",
  },
  STAFF_ALERT_REFUND_STORM: {
    schema: int(1, 1_000_000).default(20),
    example: "20",
    doc: "Alert when at least this many orders were refunded in the last 15 minutes.",
  },
  STAFF_ALERT_BACKORDER_MINUTES: {
    schema: int(1, 10_080).default(60),
    example: "60",
    doc: "Alert when paid orders have waited for stock (AWAITING_STOCK) longer than this.",
  },
  RISK_ENABLED: {
    schema: bool.default(true),
    example: "true",
    doc: "Risk decisions before money moves (core/risk, docs/risk.md): rules, lists, review holds.",
  },
  RISK_REVIEW_TIMEOUT_MINUTES: {
    schema: int(1, 43_200).default(1440),
    example: "1440",
    doc: "An order held for risk review and not decided within this many minutes is refunded.",
  },
  RISK_RELEASE_APPROVAL_OVER: {
    schema: approvalThresholds.default("CNY:500,USD:75,XTR:5000"),
    example: "CNY:500,USD:75,XTR:5000",
    doc: "Releasing an order held for risk review above this amount per currency (major units) needs a second staff member's approval; a currency left out: always two.",
  },
  RISK_CACHE_MS: {
    schema: int(0, 60_000).default(2000),
    example: "2000",
    doc: "How long each process caches risk rules and lists: an edit takes effect everywhere within this.",
  },
  STAFF_APPROVAL_TTL_HOURS: {
    schema: int(1, 720).default(24),
    example: "24",
    doc: "Approval requests of the staff console expire after this many hours.",
  },
  BACKORDER_MAX_WAIT_MINUTES: {
    schema: int(1, 525_600).default(1440),
    example: "1440",
    doc: "补单: an order paid while its product was out of stock is refunded to the buyer's wallet when no import filled it within this many minutes.",
  },
  WITHDRAWAL_APPROVAL_OVER: {
    schema: approvalThresholds.default("CNY:1000,USD:150"),
    example: "CNY:1000,USD:150",
    doc: "Withdrawals above this amount per currency (major units) need a second staff member's approval after the first; a currency left out: always two.",
  },
  WITHDRAWAL_MIN: {
    schema: approvalThresholds.default("CNY:10,USD:2"),
    example: "CNY:10,USD:2",
    doc: "The smallest withdrawal per currency (major units); a currency left out cannot be withdrawn.",
  },
  WITHDRAWAL_DAILY_LIMIT: {
    schema: approvalThresholds.default("CNY:50000,USD:7000"),
    example: "CNY:50000,USD:7000",
    doc: "The most one user may withdraw per day (China time) per currency (major units), requests not rejected counted.",
  },
  WITHDRAWAL_FEE_BPS: {
    schema: int(0, 5000).default(0),
    example: "60",
    doc: "The withdrawal fee in basis points of the amount (60 = 0.6%), kept by the platform; rounded up to the minor unit.",
  },
  PAYOUT_PROVIDER_URL: {
    schema: z.url().optional(),
    example: "https://payouts.example.com/v1",
    doc: "Base URL of the payout provider (`POST <url>/payouts`, signed). Unset = the built-in sandbox at `<PUBLIC_URL>/sandbox`.",
  },
  PAYOUT_PROVIDER_SECRET: {
    schema: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
    example: "posec_8c1d2e3f4a5b6c7d",
    doc: "HMAC secret shared with the payout provider. Unset = generated into `DATA_DIR`.",
  },
  REFERRAL_REWARD_BPS: {
    schema: int(0, 10000).default(0),
    example: "1000",
    doc: "Referral reward: basis points of the platform's margin on a referred user's order, paid to the referrer at delivery (0 = off: plain orders then read nothing more).",
  },
  REFERRAL_PERIOD_DAYS: {
    schema: int(1, 3650).default(180),
    example: "180",
    doc: "Referral reward: how many days after attribution a referred user's orders still reward the referrer.",
  },
  SHOP_MAX_OVER_RETAIL_BPS: {
    schema: int(0, 100000).optional(),
    example: "3000",
    doc: "Distributor shops: the highest sale price allowed, in basis points over retail (unset = no cap).",
  },
  TELEGRAM_STAFF_CHAT_IDS: {
    schema: z
      .string()
      .regex(/^\s*-?\d+(\s*,\s*-?\d+)*\s*$/, { message: "must be chat ids separated by commas" })
      .transform((v) => v.split(",").map((id) => id.trim()))
      .optional(),
    example: "-1001234567890",
    doc: "Telegram groups of the staff console (comma-separated chat ids): the shop bot never answers there.",
  },
  SLACK_SIGNING_SECRET: {
    schema: z
      .string()
      .regex(/^[0-9a-f]{32}$/, { message: "must be the app's 32-character hex signing secret" })
      .optional(),
    example: "8f742231b10e8888abcd9900aa1285a5",
    doc: "Enables the staff console in Slack (with `SLACK_BOT_TOKEN` and `SLACK_STAFF_CHANNEL_ID`): the Slack app's signing secret.",
  },
  SLACK_BOT_TOKEN: {
    schema: z
      .string()
      .regex(/^xoxb-[A-Za-z0-9-]{10,}$/, { message: "must be a bot token like xoxb-…" })
      .optional(),
    example: "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    doc: "Slack: the app's bot token (scopes `commands`, `chat:write`).",
  },
  SLACK_STAFF_CHANNEL_ID: {
    schema: z
      .string()
      .regex(/^[CG][A-Z0-9]{6,}$/, { message: "must be a Slack channel id like C0123ABCD" })
      .optional(),
    example: "C0123ABCD45",
    doc: "Slack: the staff channel; commands from anywhere else are refused.",
  },
  SLACK_API_URL: {
    schema: url(["http:", "https:"]).optional(),
    example: "https://slack.com/api/",
    doc: "Slack Web API base (default Slack's own; GovSlack, or a local fake in tests).",
  },
  STARS_PER_CNY: {
    schema: z
      .string()
      .regex(/^\d{1,6}(\.\d{1,6})?$/, {
        message: "must be a positive decimal number of Stars per yuan, like 11 or 10.5",
      })
      .refine((v) => Number(v) > 0, { message: "must be more than 0" })
      .default(DEFAULT_STARS_PER_CNY),
    example: "11",
    doc: "Telegram: Stars per yuan for paying CNY prices in Stars (rounded up to a whole Star, shown beside the price); the order is still settled in CNY.",
  },
  TELEGRAM_MAX_FILE_MB: {
    schema: int(1, 2000).default(20),
    example: "20",
    doc: "Largest file users may send the Telegram bot, in MB (20 is the Bot API's cap; a self-hosted Bot API server allows up to 2000).",
  },
  WECHATY_PUPPET: {
    schema: z
      .string()
      .regex(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/, { message: "must be an npm package name" })
      .optional(),
    example: "wechaty-puppet-service",
    doc: "Enables WeChat (wechaty): the puppet package to load (any installed puppet). Unset with `WECHATY_PUPPET_SERVICE_TOKEN` set = `wechaty-puppet-service`; both unset = WeChat off.",
  },
  WECHATY_PUPPET_SERVICE_TOKEN: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{4,256}$/, { message: "must be 4–256 of A-Z a-z 0-9 _ . : -" })
      .optional(),
    example: "puppet_padlocal_0123456789abcdef",
    doc: "The puppet service token from your protocol provider (`insecure_…` for a service without TLS).",
  },
  WECHATY_PUPPET_SERVICE_ENDPOINT: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, { message: "must be host:port" })
      .optional(),
    example: "127.0.0.1:8788",
    doc: "Where the puppet service listens; unset = found from the token through the Wechaty service discovery.",
  },
  WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: {
    schema: bool.optional(),
    example: "true",
    doc: "Talk to the puppet service without TLS (a service on this machine or a private network).",
  },
  WECHAT_SEND_CONTACT_INTERVAL_MS: {
    schema: int(0, 600_000).default(2000),
    example: "2000",
    doc: "WeChat: at least this long between two messages to one contact (WeChat bans accounts that send too fast).",
  },
  WECHAT_SEND_ROOM_INTERVAL_MS: {
    schema: int(0, 600_000).default(3000),
    example: "3000",
    doc: "WeChat: at least this long between two messages to one room (group).",
  },
  WECHAT_SEND_ROOM_PER_MINUTE: {
    schema: int(1, 10_000).default(10),
    example: "10",
    doc: "WeChat: messages per room in any minute.",
  },
  WECHAT_SEND_PER_MINUTE: {
    schema: int(1, 100_000).default(20),
    example: "20",
    doc: "WeChat: messages in any minute, all chats together (the account's budget).",
  },
  WECHAT_SEND_JITTER_MS: {
    schema: int(0, 60_000).default(1500),
    example: "1500",
    doc: "WeChat: a random extra wait of up to this long before each message, so sends do not look scripted.",
  },
  WECHAT_ROOM_KEYWORDS: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((w) => w.trim())
          .filter(Boolean),
      )
      .optional(),
    example: "菜单,商城,menu,shop",
    doc: "WeChat rooms: besides @-mentions, the bot answers a message that is exactly one of these words (default `菜单,商城,购买,menu,shop,buy`).",
  },
  WECHAT_AUTO_ACCEPT_FRIENDS: {
    schema: bool.default(true),
    example: "false",
    doc: "WeChat: accept friend requests (a buyer must be a contact to chat privately and receive codes).",
  },
  DEFAULT_TIME_ZONE: {
    schema: timeZone.default("Asia/Shanghai"),
    example: "Asia/Shanghai",
    doc: "Time zone for times shown to buyers whose chat does not tell theirs (the web chat sends the browser's).",
  },
  SUPPLIER_SIM_FAILURE_RATE: {
    schema: rate.default(0),
    example: "0.3",
    doc: "Demo shop: share of direct top-ups the simulated supplier fails (the order is then refunded to the wallet).",
  },
  SUPPLIER_SIM_LATENCY_MS: {
    schema: int(0, 60_000).default(300),
    example: "2000",
    doc: "Demo shop: how long the simulated supplier takes to answer, in ms.",
  },
  RATE_LIMIT_API_PER_MINUTE: {
    schema: int(0, 1_000_000).default(600),
    example: "600",
    doc: "Distributor API requests per API key per minute (0 = no limit); more get `429` with `Retry-After`.",
  },
  RATE_LIMIT_IP_PER_MINUTE: {
    schema: int(0, 1_000_000).default(60),
    example: "60",
    doc: "Unauthenticated requests per client IP per minute: new web-chat sessions, API calls without a valid key (0 = no limit).",
  },
  RATE_LIMIT_WEB_PER_MINUTE: {
    schema: int(0, 1_000_000).default(120),
    example: "120",
    doc: "Web-chat messages per browser per minute (0 = no limit).",
  },
  TRUST_PROXY: {
    schema: bool.default(false),
    example: "true",
    doc: "Take the client IP from `X-Forwarded-For` (set only behind a reverse proxy that sets it).",
  },
  LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    example: "info",
    doc: "Log verbosity.",
  },
  LOG_FORMAT: {
    schema: z.enum(["auto", "json", "pretty"], { message: "must be auto, json or pretty" }).default("auto"),
    example: "json",
    doc: "`pretty`: readable lines; `json`: one JSON object per line; `auto`: pretty on a terminal, JSON otherwise.",
  },
} as const;

type Vars = typeof configVariables;
export type Config = { [K in keyof Vars]: z.output<Vars[K]["schema"]> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(configVariables)) {
    const raw = env[name];
    const value = raw === "" ? undefined : raw;
    const parsed = (def.schema as z.ZodType).safeParse(value);
    if (parsed.success) {
      out[name] = parsed.data;
    } else {
      const issue = parsed.error.issues[0];
      const shown =
        value === undefined ? "(unset)" : JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value);
      problems.push(`${name}=${shown}: ${issue?.message ?? "is invalid"} (example: ${name}=${def.example})`);
    }
  }
  const config = out as Config;
  if (problems.length === 0 && config.NODE_ENV === "production") {
    if (!config.DATABASE_URL)
      problems.push(
        `DATABASE_URL=(unset): production needs PostgreSQL; the embedded database is for development and demos (example: DATABASE_URL=${configVariables.DATABASE_URL.example})`,
      );
    if (!config.REDIS_URL && !config.ALLOW_IN_MEMORY_QUEUE)
      problems.push(
        `REDIS_URL=(unset): production refuses the in-process job queue; set REDIS_URL or ALLOW_IN_MEMORY_QUEUE=true (example: REDIS_URL=${configVariables.REDIS_URL.example})`,
      );
    if (!config.CODE_ENCRYPTION_KEY)
      problems.push(
        `CODE_ENCRYPTION_KEY=(unset): production needs an explicit key, not a generated key file (example: CODE_ENCRYPTION_KEY=${configVariables.CODE_ENCRYPTION_KEY.example})`,
      );
    if (!config.KYC_HASH_KEY)
      problems.push(
        `KYC_HASH_KEY=(unset): production needs an explicit key, not a generated key file (example: KYC_HASH_KEY=${configVariables.KYC_HASH_KEY.example})`,
      );
  }
  if (problems.length === 0 && Boolean(config.KYC_PROVIDER_URL) !== Boolean(config.KYC_PROVIDER_SECRET))
    problems.push(
      `${config.KYC_PROVIDER_URL ? "KYC_PROVIDER_SECRET" : "KYC_PROVIDER_URL"}=(unset): the KYC provider needs both KYC_PROVIDER_URL and KYC_PROVIDER_SECRET (or neither, for the sandbox)`,
    );
  if (problems.length === 0) {
    const slack = ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_STAFF_CHANNEL_ID"] as const;
    const missing = slack.filter((k) => !config[k]);
    if (missing.length > 0 && missing.length < slack.length)
      problems.push(
        `${missing.join(", ")}=(unset): Slack needs all of ${slack.join(", ")} (or none of them, to leave Slack off)`,
      );
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Whether WeChat is configured (`WECHATY_PUPPET` or a puppet service token). */
export function wechatEnabled(config: Config): boolean {
  return Boolean(config.WECHATY_PUPPET || config.WECHATY_PUPPET_SERVICE_TOKEN);
}

/** Whether the Slack staff console is configured (all of its three variables; parseConfig refuses some). */
export function slackEnabled(config: Config): boolean {
  return Boolean(config.SLACK_SIGNING_SECRET && config.SLACK_BOT_TOKEN && config.SLACK_STAFF_CHANNEL_ID);
}

export function publicUrl(config: Config): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, "");
}

/** Whether the staff console has a channel (Slack or a Telegram staff group): its alerts and periodic checks run. */
export function staffChannelConfigured(config: Config): boolean {
  return slackEnabled(config) || (config.TELEGRAM_STAFF_CHAT_IDS?.length ?? 0) > 0;
}
