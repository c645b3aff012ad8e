import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpApp } from "../../app/http-app.ts";
import { createLogger } from "../../app/logger.ts";
import { listen, type RunningServer } from "../../app/server.ts";
import { createTestContainer, type TestContainer } from "../support/container.ts";
import { freePort } from "../support/service-process.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`API docs e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe("GET /docs", () => {
  let t: TestContainer;
  beforeAll(async () => {
    t = await createTestContainer("apidocs");
  });
  afterAll(() => t?.dispose());

  it("serves the reference page and Swagger UI's files from this server, under a same-origin CSP", async () => {
    const app = createHttpApp(t.container);
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('src="/docs/swagger-ui-bundle.js"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    for (const asset of ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js"]) {
      const res = await app.request(asset);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    expect((await app.request("/docs/../package.json")).status).toBe(404);
    expect((await app.request("/docs/swagger-ui.js.map")).status).toBe(404);
  });

  describe.skipIf(!haveChromium)("in a real browser, offline", () => {
    let browser: Browser;
    let server: RunningServer;
    let base: string;
    beforeAll(async () => {
      const port = await freePort();
      server = await listen(createHttpApp(t.container), port, "127.0.0.1", createLogger("silent"));
      base = `http://127.0.0.1:${port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
        ],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop(1000);
    });

    it("renders every operation of the API without fetching anything from elsewhere", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const elsewhere: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(base) || url.startsWith("data:")) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${base}/docs`);
      await page.getByText("kameng distributor API").first().waitFor({ timeout: 30_000 });
      for (const path of [
        "/categories",
        "/products",
        "/products/{id}",
        "/orders",
        "/orders/{id}",
        "/wallet",
        "/statement",
        "/webhook",
        "/webhook-deliveries",
        "/webhook-deliveries/{id}/resend",
      ])
        await page
          .locator(".opblock-summary-path", { hasText: new RegExp(`^${path.replace(/[{}/]/g, "\\$&")}$`) })
          .first()
          .waitFor();
      // 7 catalog/order/wallet operations + prices, the statement, the webhook's three, its log and resend.
      expect(await page.locator(".opblock").count()).toBe(14);
      expect(elsewhere).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});
