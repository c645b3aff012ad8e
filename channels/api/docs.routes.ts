import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono } from "hono";
import { errorJson } from "../http/errors.ts";

/**
 * `/docs`: a readable reference of the distributor API, rendered in the browser by Swagger UI from
 * `/v1/openapi.json`. Swagger UI's files are served from the installed `swagger-ui-dist` package:
 * nothing is fetched from a CDN (the page works offline, and its CSP allows only this origin).
 */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

const INIT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kameng distributor API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>body{margin:0} .topbar{display:none}</style>
</head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
`;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'";

let dist: string | undefined;
const distDir = () => (dist ??= path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json")));

export function apiDocsRoutes() {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  app.get("/docs", (c) => {
    c.header("content-security-policy", CSP);
    c.header("x-content-type-options", "nosniff");
    return c.html(PAGE);
  });
  app.get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/docs/:asset", async (c) => {
    const name = c.req.param("asset");
    const type = ASSETS[name];
    if (!type) return errorJson(c, 404, "route_not_found", `no route for GET ${c.req.path}`);
    let body = cache.get(name);
    if (!body) cache.set(name, (body = await readFile(path.join(distDir(), name))));
    return c.body(new Uint8Array(body), 200, {
      "content-type": type,
      "cache-control": "public, max-age=86400",
      "x-content-type-options": "nosniff",
    });
  });
  return app;
}
