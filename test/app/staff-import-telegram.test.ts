import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asBuyer, sleep } from "../../core/shared/index.ts";
import type { FakeBotApi } from "../channels/telegram/fake-bot-api.ts";
import { stripHtml } from "../channels/telegram/fake-bot-api.ts";
import { documentUpdate, type TgUser } from "../channels/telegram/updates.ts";
import { ctx, type Shop } from "../e2e/support/shop.ts";
import { addStaff, startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * Importing codes by uploading a file to the Telegram staff group (as `npm start` wires it): the document
 * (caption `/import <sku>`) is fetched with getFile + the download, a progress message is posted and
 * edited while importing, the result names duplicate and rejected lines, waiting orders (补单) are filled
 * and their buyers get the codes; non-text, too large and GBK files are refused and import nothing.
 */
const SECRET = "tg_import_secret_0123456789";
const STAFF_GROUP = -100700701;
const olga: TgUser = { id: 7_200_001, first_name: "Olga", language_code: "en" };
const wen: TgUser = { id: 7_200_002, first_name: "Wen", language_code: "zh-hans" };
let h: TelegramChatApp | undefined;
let api: FakeBotApi;
let shop: Shop;

beforeAll(async () => {
  h = await startTelegramChatApp("staffimporttg", {
    workers: false,
    webhookSecret: SECRET,
    env: { TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}` },
    setup: (s: Shop) =>
      addStaff(s, [
        { name: "Olga", role: "operator", telegramUserId: String(olga.id) },
        { name: "Wen", role: "support", telegramUserId: String(wen.id) },
      ]),
  });
  ({ api, shop } = h);
}, 60_000);

afterAll(() => h?.close());

const toGroup = () => api.calls.filter((c) => c.payload.chat_id === String(STAFF_GROUP) && c.response.ok);
const texts = () => toGroup().map((c) => `${c.method}: ${stripHtml(String(c.payload.text ?? ""))}`);

async function waitForGroup(pattern: RegExp, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const hit = toGroup().find((c) => pattern.test(stripHtml(String(c.payload.text ?? ""))));
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`no ${pattern} in:\n${texts().join("\n")}`);
    await sleep(30);
  }
}

const upload = (from: TgUser, content: Uint8Array | string, name: string, caption: string, mimeType = "text/plain") =>
  h!.post(documentUpdate(from, api.addFile(content, { name, mimeType }), { groupId: STAFF_GROUP, caption }));

describe("import codes by uploading a file to the Telegram staff group", () => {
  it("imports with a progress message edited in place, names bad lines, and fills waiting orders", async () => {
    const product = await shop.codeProduct({ price: 1000n });
    await shop.c.catalog.updateProduct(ctx, { productId: product.id, patch: { acceptBackorders: true } });
    const buyer = await shop.user();
    await shop.fund(buyer, 5_000n);
    const waiting = await shop.c.orders.place(asBuyer(ctx, buyer), {
      userId: buyer,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "tg-import-bo",
      payWith: "wallet",
    });
    expect(waiting).toMatchObject({ ok: true, order: { status: "AWAITING_STOCK" } });

    // 12,000 lines: the import reports progress every 5,000 lines; line 3 repeats line 1, line 5 is too long.
    const lines = Array.from({ length: 12_000 }, (_, i) => `TGIMP-${i}-${"x".repeat(8)}`);
    lines[2] = lines[0]!;
    lines[4] = "y".repeat(5_000);
    const res = await upload(olga, `code\n${lines.join("\n")}\n`, "codes.csv", `/import ${product.sku}`);
    expect(res.status).toBe(200);

    const result = await waitForGroup(/imported, .* duplicate, .* rejected\.\n/);
    const body = stripHtml(String(result.payload.text));
    expect(body).toContain(`✅ ${product.sku}: 11998 imported, 1 duplicate, 1 rejected.`);
    expect(body).toContain("1 waiting order(s) (补单) filled from the new codes.");
    expect(body).toContain("line 4: duplicate of an earlier line");
    expect(body).toMatch(/line 6: rejected: /);
    // The progress message: posted once, then edited (the last edit is the summary).
    const progress = toGroup().filter((c) =>
      /Importing codes\.csv|imported, .* duplicate/.test(String(c.payload.text)),
    );
    expect(progress[0]!.method).toBe("sendMessage");
    expect(String(progress[0]!.payload.text)).toContain("⏳ Importing codes.csv: 0 lines read");
    const edits = progress.filter((c) => c.method === "editMessageText");
    expect(edits.length).toBeGreaterThanOrEqual(1);
    const messageId = (progress[0]!.response as { result: { message_id: number } }).result.message_id;
    expect(edits.every((e) => Number(e.payload.message_id) === messageId)).toBe(true);
    expect(String(edits.at(-1)!.payload.text)).toContain(`✅ ${product.sku}: 11998 imported`);
    expect(api.downloads()).toHaveLength(1);

    // The waiting order was filled and its codes never appear in the group.
    expect((await shop.order(waiting.ok ? waiting.order.id : "")).status).toBe("DELIVERED");
    expect(texts().join("\n")).not.toMatch(/TGIMP-\d+-x{8}/);
    const stock = await shop.c.inventory.stock(ctx, { productId: product.id });
    expect(stock.products[0]).toMatchObject({ available: 11_997, sold: 1 });
  }, 120_000);

  it("refuses non-text, GBK, wrong product and a role without codes.import — nothing imported", async () => {
    const product = await shop.codeProduct({ price: 1000n });
    const before = await shop.c.inventory.stock(ctx, { productId: product.id });

    await upload(
      olga,
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      "codes.png",
      `/import ${product.sku}`,
      "image/png",
    );
    await waitForGroup(/“codes\.png” is not a text file/);

    // "卡号\nGBK-CODE-1" saved in GBK (Chinese Windows' default).
    const gbk = new Uint8Array([0xbf, 0xa8, 0xba, 0xc5, 0x0a, ...new TextEncoder().encode("GBK-CODE-1\n")]);
    await upload(olga, gbk, "gbk.txt", `/import ${product.sku}`);
    await waitForGroup(/“gbk\.txt” looks like GBK\/GB18030/);

    await upload(olga, new Uint8Array([0x41, 0xff, 0xfe, 0x42]), "bad.txt", `/import ${product.sku}`);
    await waitForGroup(/“bad\.txt” is not valid UTF-8 text/);

    // Above the Bot API's 20 MB: refused before any download.
    const huge = api.addFile("HUGE-1\n", { name: "huge.txt", mimeType: "text/plain", declaredSize: 25 * 1024 * 1024 });
    await h!.post(documentUpdate(olga, huge, { groupId: STAFF_GROUP, caption: `/import ${product.sku}` }));
    await waitForGroup(/too (large|big)|20 MB/i);

    await upload(olga, "NOPE-1\n", "codes.txt", "/import NO-SUCH-SKU");
    await waitForGroup(/No product with SKU “NO-SUCH-SKU”/);

    await upload(olga, "NOCAP-1\n", "nocaption.txt", "/import");
    await waitForGroup(/Usage: import <sku>/);

    await upload(wen, "SUPPORT-1\n", "support.txt", `/import ${product.sku}`);
    await waitForGroup(/你的角色（support）无权执行此操作/); // Wen writes in Chinese

    const after = await shop.c.inventory.stock(ctx, { productId: product.id });
    expect(after.products).toEqual(before.products);
    expect(after.batches).toEqual(before.batches);
  }, 60_000);
});
