import { Hono } from "hono";

export type HealthCheck = () => Promise<void>;

/** `/health`: 200 when every dependency answers, 503 naming the ones that do not. */
export function healthRoutes(checks: Record<string, HealthCheck>, timeoutMs = 2000) {
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
          return [name, { ok: false, error: (e as Error).message }] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r.ok);
    return c.json({ status: ok ? "ok" : "degraded", checks: Object.fromEntries(results) }, ok ? 200 : 503);
  });
}
