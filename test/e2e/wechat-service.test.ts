import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PuppetServer } from "wechaty-puppet-service";
import { sleep } from "../../core/shared/index.ts";
import { MockWechat, numberOf } from "../channels/wechat/mock-wechat.ts";
import { freePort, startService, waitForOutput, type ServiceProcess } from "../support/service-process.ts";

/**
 * The running service (`serve` as its own process, the embedded default with its demo catalog) with WeChat
 * configured by wechaty's standard variables alone, talking over gRPC on localhost to a puppet-service
 * server that wraps the mock puppet here in the test. A buyer tops up through the sandbox checkout link and
 * buys a demo code by numbered menus; the code arrives in the private chat.
 */
let dataDir: string;
let server: PuppetServer;
let svc: ServiceProcess;
let wx: MockWechat;
let base: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "kameng-wxsvc-"));
  wx = new MockWechat();
  const grpcPort = await freePort();
  const token = `insecure_kameng_${Date.now()}`;
  server = new PuppetServer({ endpoint: `127.0.0.1:${grpcPort}`, puppet: wx.puppet, token, tls: { disable: true } });
  await server.start();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  svc = startService({
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_FORMAT: "json",
    PUBLIC_URL: base,
    WECHATY_PUPPET_SERVICE_TOKEN: token,
    WECHATY_PUPPET_SERVICE_ENDPOINT: `127.0.0.1:${grpcPort}`,
    WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: "true",
    WECHAT_SEND_CONTACT_INTERVAL_MS: "100",
    WECHAT_SEND_JITTER_MS: "50",
    WECHAT_SEND_PER_MINUTE: "600",
  });
  await waitForOutput(svc, /listening|http:\/\/127\.0\.0\.1/i, 90_000);
  // The service's wechaty started the puppet through the server: log the shop's account in.
  await wx.login(60_000).catch((err: Error) => {
    throw new Error(`${err.message}; the service printed:\n${svc.output().slice(-4000)}`);
  });
  await waitForOutput(svc, /wechat: logged in/, 30_000);
}, 150_000);

afterAll(async () => {
  if (svc && svc.child.exitCode === null) {
    svc.child.kill("SIGTERM");
    await Promise.race([svc.exited, sleep(15_000)]);
    if (svc.child.exitCode === null) svc.child.kill("SIGKILL");
  }
  await server?.stop().catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe("serve + WeChat over a puppet service (gRPC, localhost)", () => {
  it("tops up by the sandbox link and buys a demo code by numbered menus; the code arrives privately", async () => {
    const buyer = wx.contact("Nina");
    const say = async (text: string, pattern: RegExp) => {
      const from = wx.textsTo(buyer.id).length;
      buyer.say(text).to(wx.self);
      return wx.waitFor(buyer.id, pattern, from, 30_000);
    };
    const menu = await say("菜单", /回复数字/);
    const cats = await say(numberOf(menu, /商城/), /请选择分类/);
    const first = numberOf(cats, /./);
    const products = await say(first, /请选择商品/);
    const product = /^(\d+)\. (.*库存.*)$/m.exec(products);
    expect(product).not.toBeNull();
    const card = await say(product![1]!, /直接回复数字|请确认/);
    const confirm = /请确认/.test(card) ? card : await say("1", /请确认/);
    expect(confirm).toMatch(/余额还差/);
    const link = await say(numberOf(confirm, /充值/), /\/pay\/sandbox\//);
    const url = /(http\S+\/pay\/sandbox\/[\w-]+)/.exec(link)![1]!;
    const paid = await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    const received = await wx.waitFor(buyer.id, /已到账/, 0, 30_000);
    const placed = await say(numberOf(received, /继续您的订单/), /订单/);
    expect(placed).toMatch(/#[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    const codes = await wx.waitFor(buyer.id, /请妥善保管卡密/, 0, 30_000);
    expect(codes.split("\n").length).toBeGreaterThan(3);
  }, 120_000);
});
