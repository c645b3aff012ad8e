import type { Context } from "hono";
import { errorJson } from "./errors.ts";

/**
 * A request allowance per key (an API key, a browser, a client IP). The app builds one from config
 * (rate-limiter-flexible: in memory on the embedded default, on Redis with REDIS_URL).
 */
export interface RateLimiter {
  /** Takes one request from `key`'s allowance; when none is left, how long until there is. */
  take(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

/** 429 `rate_limited` with `Retry-After` in whole seconds (at least 1). */
export function tooManyRequests(c: Context, retryAfterMs: number): Response {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  c.header("Retry-After", String(seconds));
  return errorJson(c, 429, "rate_limited", `too many requests; try again in ${seconds} s`);
}

/** Takes one from `key`'s allowance: undefined when the request may go on, else the 429 to answer. */
export async function overLimit(
  c: Context,
  limiter: RateLimiter | undefined,
  key: string,
): Promise<Response | undefined> {
  if (!limiter) return undefined;
  const r = await limiter.take(key);
  return r.ok ? undefined : tooManyRequests(c, r.retryAfterMs);
}

interface NodeEnv {
  incoming?: { socket?: { remoteAddress?: string } };
}

/**
 * The client's IP: the socket's peer, or with `trustProxy` the first `X-Forwarded-For` entry (only
 * behind a proxy that sets it; otherwise anyone could pick their own IP).
 */
export function clientIp(c: Context, trustProxy = false): string {
  if (trustProxy) {
    const first = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (first) return first;
  }
  return (c.env as NodeEnv | undefined)?.incoming?.socket?.remoteAddress ?? "unknown";
}
