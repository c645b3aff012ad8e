import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimiter } from "../../channels/http/rate-limit.ts";
import type { Config } from "../config.ts";
import type { Container } from "../container.ts";

/**
 * The request limits of RATE_LIMIT_* (per minute; 0 = none), on rate-limiter-flexible: counted in
 * Redis with REDIS_URL, so every server process shares them; in process memory on the embedded
 * default. If Redis fails, each process falls back to counting in its own memory.
 */
export interface RateLimiters {
  /** Distributor API requests per API key. */
  apiKey?: RateLimiter;
  /** Requests without credentials per client IP (new web-chat sessions, API calls without a valid key). */
  ip?: RateLimiter;
  /** Web-chat messages per browser. */
  webBrowser?: RateLimiter;
  trustProxy: boolean;
  close(): Promise<void>;
}

/** One limiter's allowance as the channels' port. */
export function limiterPort(l: RateLimiterAbstract): RateLimiter {
  return {
    async take(key) {
      try {
        await l.consume(key);
        return { ok: true };
      } catch (e) {
        if (e instanceof RateLimiterRes) return { ok: false, retryAfterMs: e.msBeforeNext };
        throw e;
      }
    },
  };
}

type LimitConfig = Pick<
  Config,
  | "RATE_LIMIT_API_PER_MINUTE"
  | "RATE_LIMIT_IP_PER_MINUTE"
  | "RATE_LIMIT_WEB_PER_MINUTE"
  | "TRUST_PROXY"
  | "REDIS_URL"
  | "REDIS_PREFIX"
>;

export function createRateLimiters(config: LimitConfig): RateLimiters {
  // Connects on first use; a request waits for the connection, and if Redis cannot be reached (one
  // retry), that request is counted by the in-memory insurance limiter instead.
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
    : undefined;
  redis?.on("error", () => {}); // reconnects on its own; the insurance limiter covers the gap
  const make = (name: string, perMinute: number): RateLimiter | undefined => {
    if (perMinute === 0) return undefined;
    const opts = { points: perMinute, duration: 60, keyPrefix: `${config.REDIS_PREFIX}:rl:${name}` };
    const memory = new RateLimiterMemory(opts);
    return limiterPort(
      redis ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: memory }) : memory,
    );
  };
  const apiKey = make("api", config.RATE_LIMIT_API_PER_MINUTE);
  const ip = make("ip", config.RATE_LIMIT_IP_PER_MINUTE);
  const webBrowser = make("web", config.RATE_LIMIT_WEB_PER_MINUTE);
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(ip ? { ip } : {}),
    ...(webBrowser ? { webBrowser } : {}),
    trustProxy: config.TRUST_PROXY,
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

const perContainer = new WeakMap<Container, RateLimiters>();

/** The container's limiters, built once (the HTTP app and the web chat share them) and closed with it. */
export function rateLimitersOf(c: Container): RateLimiters {
  let l = perContainer.get(c);
  if (!l) {
    const built = createRateLimiters(c.config);
    c.onClose(() => built.close());
    perContainer.set(c, (l = built));
  }
  return l;
}
