import { Hono } from "hono";

export type HealthCheck = () => Promise<void>;

export interface HealthOptions {
  timeoutMs?: number;
  /** Where a failing check's error goes: the public answer only says which dependency is down. */
  onFailure?: (name: string, error: Error) => void;
}

/** `/health`: 200 when every dependency answers, 503 naming the ones that do not (no error text). */
export function healthRoutes(checks: Record<string, HealthCheck>, { timeoutMs = 2000, onFailure }: HealthOptions = {}) {
  return new Hono().get("/", async (c) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        const started = performance.now();
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref(),
            ),
          ]);
          return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
        } catch (e) {
          onFailure?.(name, e as Error);
          return [name, { ok: false }] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r.ok);
    return c.json({ status: ok ? "ok" : "degraded", checks: Object.fromEntries(results) }, ok ? 200 : 503);
  });
}
