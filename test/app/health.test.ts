import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createHttpApp } from "../../app/http-app.ts";
import { createTestContainer, type TestContainer } from "../support/container.ts";

describe("health and metrics", () => {
  let t: TestContainer;
  beforeAll(async () => {
    t = await createTestContainer("health");
  });
  afterAll(() => t.dispose());

  it("reports the database as healthy", async () => {
    const res = await createHttpApp(t.container).request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", checks: { database: { ok: true } } });
  });

  it("reports 503 naming the failing dependency, with the error in the log and not in the answer", async () => {
    const warn = vi.spyOn(t.container.logger, "warn");
    const app = createHttpApp(t.container, {
      extraChecks: { redis: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:6379")) },
    });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: "degraded", checks: { redis: { ok: false } } });
    expect(text).not.toContain("ECONNREFUSED");
    expect(text).not.toContain("10.0.0.7");
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ check: "redis" }), "health check failed");
    warn.mockRestore();
  });

  it("serves Prometheus text", async () => {
    const app = createHttpApp(t.container);
    await app.request("/health");
    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toMatch(/kameng_http_requests_total\{method="GET",route="\/health\/?",status="200"\} \d+/);
  });
});
