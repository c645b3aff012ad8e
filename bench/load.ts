import http from "node:http";
import net from "node:net";
import pg from "pg";
import { log, percentile, round1 } from "./config.ts";

/** What the buyers buy from, and where. */
export interface Shop {
  urls: string[];
  /** API keys of distinct buyers. */
  keys: string[];
  stockProducts: string[];
  directProducts: string[];
}

export interface LoadOptions {
  seconds: number;
  /** Share of orders that are DIRECT (0 = stock only, 1 = DIRECT only). */
  directShare: number;
  concurrency: number;
  dbUrl: string;
}

type Kind = "stock" | "direct";

export interface LoadResult {
  placed: Array<{ id: string; kind: Kind }>;
  outOfStock: number;
  errors: Record<string, number>;
  placeLatencies: number[];
  /** Per delivered order, as its buyer saw it: request sent → delivered (the 201 itself for stock codes). */
  deliveryLatencies: Record<Kind, number[]>;
  /** Seconds from the buyers' first order to the last buyer's last answer (delivery included). */
  busySeconds: number;
}

let seq = 0;

// The load generator should cost the machine little (pgbench's client is C): plain node:http on
// kept-alive sockets is several times cheaper per request than fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  via: http.Agent = agent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent: via, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (data += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * One POST on a connection of its own, written and read by hand: for a burst of new buyers (each opens a
 * connection), where node:http's client costs the load generator ~0.5 ms of CPU a request — CPU the
 * server it measures shares two cores with. The request is plain HTTP/1.1 (kept alive, as a browser's
 * or node's agent would); the answer is read by its Content-Length (or chunks). `sockets` collects the
 * connections, for the caller to close once every answer is in.
 */
export function postOnNewConnection(
  url: string,
  body: string,
  headers: Record<string, string>,
  sockets: net.Socket[],
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  let head = `POST ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 80), noDelay: true });
    sockets.push(socket);
    let buf: Buffer = Buffer.alloc(0);
    const fail = (e: Error) => reject(e);
    socket.once("error", fail);
    socket.once("close", () => reject(new Error("connection closed before the answer")));
    socket.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      const header = (name: string) =>
        lines
          .find((l) => l.slice(0, name.length + 1).toLowerCase() === `${name}:`)
          ?.slice(name.length + 1)
          .trim();
      const rest = buf.subarray(end + 4);
      const length = header("content-length");
      let text: string | undefined;
      if (length !== undefined) {
        if (rest.length >= Number(length)) text = rest.subarray(0, Number(length)).toString("utf8");
      } else if (header("transfer-encoding")?.toLowerCase() === "chunked") text = dechunk(rest);
      else return fail(new Error("an answer without Content-Length or chunks"));
      if (text === undefined) return;
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      socket.off("error", fail);
      socket.on("error", () => {});
      resolve({ status, body: text });
    });
    socket.write(head + body);
  });
}

/** The body of a complete chunked message, or undefined while its last chunk has not arrived. */
function dechunk(b: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const size = parseInt(b.subarray(at, eol).toString("latin1"), 16);
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    if (b.length < eol + 2 + size + 2) return undefined;
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Closed loop: each buyer places an order, waits until it is delivered (or refunded), then places the
 * next — so the pipeline runs at its own pace and latency is service time, not a growing backlog.
 * Delivery is watched by one poller on the database (cheaper than every buyer polling the API).
 * Buyer n uses a different key (user) each round, so concurrent orders never share a wallet.
 */
export async function load(shop: Shop, opts: LoadOptions): Promise<LoadResult> {
  const watcher = new pg.Client({ connectionString: opts.dbUrl });
  await watcher.connect();
  const res: LoadResult = {
    placed: [],
    outOfStock: 0,
    errors: {},
    placeLatencies: [],
    deliveryLatencies: { stock: [], direct: [] },
    busySeconds: 0,
  };
  const deadline = performance.now() + opts.seconds * 1000;
  const waiting = new Map<string, (delivered: boolean) => void>();
  let polling = true;
  const poller = (async () => {
    while (polling || waiting.size > 0) {
      if (waiting.size > 0) {
        const ids = [...waiting.keys()];
        const { rows: done } = await watcher.query<{ id: string; status: string }>(
          `SELECT id::text AS id, status FROM orders
           WHERE id = ANY($1::uuid[]) AND status IN ('DELIVERED', 'REFUNDED', 'EXPIRED', 'CANCELLED')`,
          [ids],
        );
        for (const { id, status } of done) {
          waiting.get(id)?.(status === "DELIVERED");
          waiting.delete(id);
        }
      }
      await new Promise((r) => setTimeout(r, 20));
      if (!polling && performance.now() > deadline + 30_000) break;
    }
  })();
  const fail = (code: string) => (res.errors[code] = (res.errors[code] ?? 0) + 1);
  const buyer = async (n: number) => {
    for (let round = 0; performance.now() < deadline; round++) {
      const key = shop.keys[(n + round * opts.concurrency) % shop.keys.length]!;
      const kind: Kind = Math.random() < opts.directShare ? "direct" : "stock";
      const i = ++seq;
      const body =
        kind === "direct"
          ? {
              product_id: shop.directProducts[i % shop.directProducts.length],
              quantity: 1,
              target: `1380013${String(8000 + (i % 1000)).padStart(4, "0")}`,
            }
          : { product_id: shop.stockProducts[i % shop.stockProducts.length], quantity: 1 };
      const t0 = performance.now();
      try {
        const r = await post(`${shop.urls[n % shop.urls.length]}/v1/orders`, JSON.stringify(body), {
          authorization: `Bearer ${key}`,
          "idempotency-key": `bench-${process.pid}-${i}`,
          "content-type": "application/json",
        });
        const json = JSON.parse(r.body) as { order?: { id: string; status: string }; error?: { code: string } };
        res.placeLatencies.push(performance.now() - t0);
        if (r.status === 201 && json.order) {
          const id = json.order.id;
          res.placed.push({ id, kind });
          const delivered =
            json.order.status === "DELIVERED" || (await new Promise<boolean>((resolve) => waiting.set(id, resolve)));
          if (delivered) res.deliveryLatencies[kind].push(performance.now() - t0);
        } else if (json.error?.code === "out_of_stock") res.outOfStock++;
        else fail(json.error?.code ?? `http_${r.status}`);
      } catch (e) {
        fail((e as Error).message);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => buyer(i)));
  res.busySeconds = (performance.now() - started) / 1000;
  polling = false;
  await poller;
  await watcher.end();
  return res;
}

export interface RunFigures {
  placed: number;
  delivered: number;
  /** Delivered orders ÷ (first placed → last delivered). */
  ordersPerS: number;
  p50: number;
  p99: number;
  byKind: Record<Kind, { p50: number; p99: number; n: number }>;
  placeP50: number;
  placeP99: number;
}

/** Waits until every placed order is delivered or refunded, then reads the run's figures. */
export async function measure(dbUrl: string, label: string, res: LoadResult): Promise<RunFigures> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const ids = res.placed.map((p) => p.id);
    const drainDeadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND status IN ('CREATED', 'PAID', 'FULFILLING', 'FAILED')`,
        [ids],
      );
      const open = Number(rows[0]!.n);
      if (open === 0 || Date.now() > drainDeadline) {
        if (open) log(`${label}: ${open} orders still open after the drain timeout`);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const { rows } = await db.query<{ status: string; created: Date; delivered: Date | null }>(
      `SELECT status, created_at AS created, delivered_at AS delivered FROM orders WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const delivered = rows.filter((r) => r.status === "DELIVERED");
    const firstCreated = Math.min(...rows.map((r) => r.created.getTime()));
    const lastDelivered = Math.max(...delivered.map((r) => r.delivered!.getTime()));
    const spanS = (lastDelivered - firstCreated) / 1000;
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const all = sorted([...res.deliveryLatencies.stock, ...res.deliveryLatencies.direct]);
    const kind = (k: Kind) => {
      const s = sorted(res.deliveryLatencies[k]);
      return { p50: round1(percentile(s, 50)), p99: round1(percentile(s, 99)), n: s.length };
    };
    const place = sorted(res.placeLatencies);
    const f: RunFigures = {
      placed: rows.length,
      delivered: delivered.length,
      ordersPerS: delivered.length > 0 && spanS > 0 ? round1(delivered.length / spanS) : 0,
      p50: round1(percentile(all, 50)),
      p99: round1(percentile(all, 99)),
      byKind: { stock: kind("stock"), direct: kind("direct") },
      placeP50: round1(percentile(place, 50)),
      placeP99: round1(percentile(place, 99)),
    };
    log(
      `${label}: delivered ${f.delivered}/${f.placed} in ${spanS.toFixed(1)} s → ${f.ordersPerS} orders/s; ` +
        `placed→delivered p50 ${f.p50} ms, p99 ${f.p99} ms (stock p99 ${f.byKind.stock.p99}, DIRECT p50 ` +
        `${f.byKind.direct.p50} p99 ${f.byKind.direct.p99}); HTTP place p50 ${f.placeP50} ms, p99 ${f.placeP99} ms; ` +
        `${res.outOfStock} out_of_stock, errors ${JSON.stringify(res.errors)}`,
    );
    return f;
  } finally {
    await db.end();
  }
}
