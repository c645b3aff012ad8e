import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress, sql } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { startReceiver } from "./webhook-receiver.ts";

describe("isPublicAddress", () => {
  it("is false off the open internet and true on it", () => {
    const closed = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254"];
    closed.push("100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fd12::1");
    closed.push("fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not an ip", "");
    for (const ip of closed) expect(isPublicAddress(ip), ip).toBe(false);
    for (const ip of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])
      expect(isPublicAddress(ip), ip).toBe(true);
  });
});

describe("/v1 webhooks with private targets refused (WEBHOOK_PRIVATE_TARGETS=false)", () => {
  let shop: Shop;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let seq = 0;
  beforeAll(async () => {
    shop = await createShop("webhooks-ssrf", {
      env: { WEBHOOK_PRIVATE_TARGETS: "false" },
      container: { webhookTimeoutMs: 2_000, eventTuning: { pollMs: 50 } },
    });
    shop.c.events.host(shop.c.webhookDispatcher);
    receiver = await startReceiver({ "/ok": [200] });
  });
  afterAll(async () => {
    await receiver.close();
    await shop.dispose();
  });

  const setUrl = (key: string, url: string) =>
    shop.request("/v1/webhook", { method: "POST", key, idem: `ssrf-${++seq}`, body: { url } });

  it("refuses localhost, loopback, private and metadata addresses when the URL is set; stores nothing", async () => {
    const d = await shop.buyer(10_000n);
    const port = new URL(receiver.url("/ok")).port;
    for (const url of [
      receiver.url("/ok"),
      `http://localhost:${port}/ok`,
      `http://LOCALHOST.:${port}/ok`,
      `http://[::1]:${port}/ok`,
      "http://169.254.169.254/latest/meta-data",
      "http://10.0.0.7/hook",
      "http://[::ffff:127.0.0.1]/hook",
    ]) {
      const res = await setUrl(d.key, url);
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: "invalid_url",
        message: expect.stringContaining("public host"),
      });
    }
    const rows = await shop.c.db.sql.query(sql`SELECT 1 FROM webhook_endpoints WHERE user_id = ${d.userId}::uuid`);
    expect(rows).toEqual([]);
  });

  it("a host name that resolves to a private address is refused at connect time, and the log says why", async (ctx) => {
    const name = hostname();
    const resolved = await lookup(name).catch(() => null);
    if (!resolved || isPublicAddress(resolved.address)) return ctx.skip();
    const d = await shop.buyer(10_000n);
    const port = new URL(receiver.url("/ok")).port;
    expect((await setUrl(d.key, `http://${name}:${port}/ok`)).status).toBe(201);
    const product = await shop.codeProduct({ price: 100n, stock: 2 });
    const order = await shop.request("/v1/orders", {
      method: "POST",
      key: d.key,
      idem: `ssrf-o-${++seq}`,
      body: { product_id: product.id, quantity: 1 },
    });
    expect(order.status).toBe(201);
    const end = Date.now() + 15_000;
    let log: Array<{ last_error: string | null; attempts: number }> = [];
    while (Date.now() < end) {
      log = (
        (await (await shop.request("/v1/webhook-deliveries", { key: d.key })).json()) as { deliveries: typeof log }
      ).deliveries;
      if (log.some((x) => x.attempts > 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(log.find((x) => x.attempts > 0)?.last_error).toContain("is not a public address");
    expect(receiver.at("/ok")).toEqual([]);
  });
});
