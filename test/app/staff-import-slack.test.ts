import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatEdges } from "../../app/chat.ts";
import type { createHttpApp } from "../../app/http-app.ts";
import { shown, type FakeSlackApi } from "../channels/slack/fake-slack-api.ts";
import { slackSignature } from "../channels/slack/signed-requests.ts";
import { ctx, type Shop } from "../e2e/support/shop.ts";
import { addStaff, startSlackChatApp, type SlackChatApp } from "./support/chat-app.ts";

/**
 * Importing codes by sharing a file in the Slack staff channel: a signed Events API request (a `message`
 * with `subtype: file_share`, its text the caption `import <sku>`), files.info and the private download
 * with the bot token from the faked Web API, a progress message posted and then updated (chat.update),
 * the result with line numbers. Forged events and bad files change nothing.
 */
const SECRET = "fedcba9876543210fedcba9876543210";
const STAFF_CHANNEL = "C0STAFF02";
const OPS = "U0OPS0001";
const TOKEN = "xoxb-000000000-000000000000-IMPORTtokenIMPORT";
let api: FakeSlackApi;
let h: SlackChatApp | undefined;
let shop: Shop;
let chat: ChatEdges;
let app: ReturnType<typeof createHttpApp>;

beforeAll(async () => {
  h = await startSlackChatApp("staffimportslack", {
    workers: false,
    signingSecret: SECRET,
    botToken: TOKEN,
    staffChannel: STAFF_CHANNEL,
    setup: (s: Shop) => addStaff(s, [{ name: "Ops", role: "operator", slackUserId: OPS }]),
  });
  ({ api, shop, chat, app } = h);
}, 60_000);

afterAll(() => h?.close());

beforeEach(() => void api.calls.splice(0));

let eventSeq = 0;
/** A file shared in a channel, as the Events API posts it (JSON, signed). */
function fileShareEvent(fileId: string, text: string, user = OPS, channel = STAFF_CHANNEL) {
  return JSON.stringify({
    token: "deprecated-verification-token",
    team_id: "T0KAMENG",
    api_app_id: "A0KAMENG",
    event: {
      type: "message",
      subtype: "file_share",
      text,
      user,
      channel,
      channel_type: "channel",
      ts: `1764000100.${String(++eventSeq).padStart(6, "0")}`,
      files: [{ id: fileId, mode: "hosted", name: "codes.txt" }],
      upload: true,
    },
    type: "event_callback",
    event_id: `Ev0IMPORT${String(eventSeq).padStart(4, "0")}`,
    event_time: Math.floor(Date.now() / 1000),
  });
}

async function sendEvent(body: string, opts: { signature?: string; retry?: number } = {}) {
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await app.request("/slack/events", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": opts.signature ?? slackSignature(SECRET, timestamp, body),
      ...(opts.retry ? { "x-slack-retry-num": String(opts.retry), "x-slack-retry-reason": "http_timeout" } : {}),
    },
  });
  await chat.slack!.idle();
  return res;
}
const posted = () => api.calls.filter((c) => c.params.channel === STAFF_CHANNEL);

describe("import codes by sharing a file in the Slack staff channel", () => {
  it("answers the URL verification challenge (signed), and refuses a forged event", async () => {
    const body = JSON.stringify({
      type: "url_verification",
      token: "x",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    const res = await sendEvent(body);
    expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    const product = await shop.codeProduct();
    const fileId = api.addFile("FORGED-1\n", { name: "codes.txt" });
    const forged = await sendEvent(fileShareEvent(fileId, `import ${product.sku}`), { signature: "v0=deadbeef" });
    expect(forged.status).toBe(401);
    expect(api.calls).toEqual([]);
    expect(api.downloads).toEqual([]);
  });

  it("imports a shared file with a progress message updated in place, once even when Slack retries", async () => {
    const product = await shop.codeProduct({ price: 1000n });
    const lines = Array.from({ length: 11_000 }, (_, i) => `SLK-${i}-${"z".repeat(10)}`);
    lines[7] = lines[1]!; // line 8 repeats line 2
    lines[9] = "bad,code,not-a-date"; // line 10: an expiry that is not a date
    const fileId = api.addFile(lines.join("\n"), { name: "restock.csv", mimetype: "text/csv" });
    const body = fileShareEvent(fileId, `import ${product.sku}`);
    const res = await sendEvent(body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    // Slack retries the same event: answered once.
    expect((await sendEvent(body, { retry: 1 })).status).toBe(200);

    const info = api.calls.filter((c) => c.method === "files.info");
    expect(info).toHaveLength(1);
    expect(info[0]!.params.file).toBe(fileId);
    expect(info[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(api.downloads).toContainEqual({ fileId, authorization: `Bearer ${TOKEN}` });

    const progress = posted().filter((c) => /Importing restock\.csv|imported,/.test(shown(c)));
    expect(progress[0]!.method).toBe("chat.postMessage");
    expect(shown(progress[0]!)).toContain("⏳ Importing restock.csv: 0 lines read");
    const updates = progress.filter((c) => c.method === "chat.update");
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(new Set(updates.map((u) => u.params.ts)).size).toBe(1);
    expect(shown(updates.at(-1)!)).toContain(`${product.sku}: 10998 imported, 1 duplicate, 1 rejected.`);
    const result = posted().at(-1)!;
    expect(result.method).toBe("chat.postMessage");
    expect(shown(result)).toContain("line 8: duplicate of an earlier line");
    expect(shown(result)).toMatch(/line 10: rejected: /);
    const stock = await shop.c.inventory.stock(ctx, { productId: product.id });
    expect(stock.products[0]).toMatchObject({ available: 10_998 });
  }, 120_000);

  it("refuses a file that is not text, too large, or GBK — with a specific reply; nothing imported", async () => {
    const product = await shop.codeProduct();
    const before = await shop.c.inventory.stock(ctx, { productId: product.id });
    const cases: Array<[string, Uint8Array | string, { name: string; mimetype?: string; declaredSize?: number }]> = [
      [
        "not a text file",
        new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]),
        { name: "codes.xlsx", mimetype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      ],
      ["too large", "BIG-1\n", { name: "big.txt", declaredSize: 30 * 1024 * 1024 }],
      ["looks like GBK/GB18030", new Uint8Array([0xbf, 0xa8, 0xc3, 0xdc, 0x0a, 0x41, 0x42]), { name: "gbk.txt" }],
    ];
    for (const [why, bytes, opts] of cases) {
      api.calls.splice(0);
      await sendEvent(fileShareEvent(api.addFile(bytes, opts), `import ${product.sku}`));
      expect(shown(posted().at(-1)!)).toContain(why);
    }
    expect(await shop.c.inventory.stock(ctx, { productId: product.id })).toEqual(before);
  });
});
