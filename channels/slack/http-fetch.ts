import http from "node:http";
import https from "node:https";

/** Statuses whose response has no body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

export interface HttpFetchOptions {
  /** Sockets kept per host and scheme. Default 64. */
  maxSockets?: number;
  /** What a request this fetch does not take (a stream or form body, a `Request`) goes to. Default: the global fetch. */
  fallback?: typeof fetch;
}

/**
 * A `fetch` for the Slack Web API client (`WebClient`'s `fetch` option) on `node:http`/`node:https` with
 * kept-alive sockets. The global fetch (undici) costs several times more CPU per call than the request
 * itself: a Request and its body stream, a Response and its stream, headers objects on both sides — and
 * every reply a command produces is one call. This one takes what the client sends (a POST of a string or
 * buffer body, headers as a plain object), writes it in one go, and answers with a `Response` over the
 * received bytes; anything else goes to `fallback`. Redirects are not followed (the client asks for
 * `redirect: "error"`; a 3xx reaches it as a non-200 and fails the call); the abort signal is honoured.
 */
export function createHttpFetch(opts: HttpFetchOptions = {}): typeof fetch {
  const maxSockets = opts.maxSockets ?? 64;
  const fallback = opts.fallback ?? fetch;
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets }),
  };

  return (input, init) => {
    const body = init?.body;
    const headers = init?.headers;
    const plainHeaders =
      headers === undefined ||
      (typeof headers === "object" && !(headers instanceof Headers) && !Array.isArray(headers));
    const takenBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : null;
    const scheme = url?.startsWith("https:") ? "https:" : url?.startsWith("http:") ? "http:" : null;
    if (!url || !scheme || !plainHeaders || !takenBody) return fallback(input, init);

    return new Promise<Response>((resolve, reject) => {
      const payload = typeof body === "string" ? Buffer.from(body) : (body ?? undefined);
      const req = (scheme === "https:" ? https : http).request(
        url,
        {
          method: init?.method ?? "GET",
          agent: agents[scheme],
          headers: {
            ...(headers as Record<string, string> | undefined),
            ...(payload ? { "content-length": String(payload.byteLength) } : {}),
          },
          ...(init?.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            const out = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value === undefined) continue;
              for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
            }
            try {
              const response = new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? "",
                headers: out,
              });
              // The client reads `url` (a constructed Response has none).
              Object.defineProperty(response, "url", { value: url });
              resolve(response);
            } catch (e) {
              reject(e instanceof Error ? e : new Error(String(e)));
            }
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  };
}
