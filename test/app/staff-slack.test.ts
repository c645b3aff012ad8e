import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatEdges } from "../../app/chat.ts";
import type { createHttpApp } from "../../app/http-app.ts";
import { sql } from "../../core/shared/index.ts";
import { shown, type FakeSlackApi } from "../channels/slack/fake-slack-api.ts";
import { blockActionBody, signedInit, slackSignature, slashCommandBody } from "../channels/slack/signed-requests.ts";
import type { Shop } from "../e2e/support/shop.ts";
import { addStaff, startSlackChatApp, type SlackChatApp } from "./support/chat-app.ts";

/**
 * The staff console in Slack as `npm start` wires it (app/chat.ts): signed slash commands and button
 * presses in over HTTP, Bolt in the middle, the Web API faked at its HTTP boundary.
 */
const SECRET = "0123456789abcdef0123456789abcdef";
const STAFF_CHANNEL = "C0STAFF01";
const OTHER_CHANNEL = "C0RANDOM9";
const FANG = "U0FANG001";
const FEI = "U0FEI0002";
const STRANGER = "U0NOBODY9";
const TOKEN = "xoxb-000000000-000000000000-TESTtokenTESTtoken";
let api: FakeSlackApi;
let h: SlackChatApp | undefined;
let shop: Shop;
let chat: ChatEdges;
let app: ReturnType<typeof createHttpApp>;

beforeAll(async () => {
  h = await startSlackChatApp("staffslack", {
    workers: false, // a paid top-up stays PAID: refundable
    signingSecret: SECRET,
    botToken: TOKEN,
    staffChannel: STAFF_CHANNEL,
    env: { STAFF_APPROVAL_REFUND_OVER: "CNY:50" },
    setup: (s: Shop) =>
      addStaff(s, [
        { name: "Fang", role: "finance", slackUserId: FANG },
        { name: "Fei", role: "finance", slackUserId: FEI },
      ]),
  });
  ({ api, shop, chat, app } = h);
}, 60_000);

afterAll(() => h?.close());

beforeEach(() => void api.calls.splice(0));

/** Sends a signed request and waits until its replies are shown (a slash command's ack, then posts). */
async function send(path: "commands" | "interactivity", body: string, init = signedInit(SECRET, body)) {
  const res = await app.request(`/slack/${path}`, init);
  if (path === "commands" && res.status === 200)
    await api.recordAck(res, new URLSearchParams(String(init.body)).get("channel_id")!);
  await chat.slack!.idle();
  return res;
}
const command = (userId: string, text: string, channelId = STAFF_CHANNEL) =>
  send("commands", slashCommandBody({ userId, channelId, text }));
/** What was shown in a channel: answers in acks and posted messages. */
const posted = (channel = STAFF_CHANNEL) =>
  api.calls.filter((c) => (c.method === "ack" || c.method === "chat.postMessage") && c.params.channel === channel);
const auditCount = async () =>
  Number((await shop.c.db.sql.query<{ n: bigint }>(sql`SELECT count(*)::bigint AS n FROM audit_log`))[0]!.n);

async function paidOrder(key: string) {
  const sup = await shop.supplier(`slacksim${key}`);
  const product = await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n);
  const { userId, order } = await shop.paidTopUp(product.id, 2, key);
  return { orderId: order.id, userId };
}

describe("the staff console in Slack", () => {
  it("answers a staff member's /km order in the staff channel, in the command's ack, as Block Kit", async () => {
    const { orderId } = await paidOrder("slack-order-1");
    const res = await command(FANG, `order ${orderId}`);
    expect(res.status).toBe(200);
    const [reply] = posted();
    expect(reply!.params.response_type).toBe("in_channel"); // shown to the channel, not only to Fang
    expect(shown(reply!)).toContain(`\`${orderId}\``);
    expect(shown(reply!)).toMatch(/Status: PAID/);
    expect(reply!.params.text).toContain(orderId); // the notification fallback
    expect(api.calls.map((c) => c.method)).toEqual(["ack"]); // no Web API call (no auth.test, no post)
  });

  it("a refund over the threshold: asked by one member, approved by another's button press, done once", async () => {
    const { orderId, userId } = await paidOrder("slack-refund-1");
    const before = await shop.walletBalance(userId);
    expect((await command(FANG, `refund ${orderId} charged twice`)).status).toBe(200);
    const asked = posted().find((c) => /Needs a second person's approval/.test(shown(c)))!;
    expect(asked).toBeDefined();
    const buttons = asked.blocks.find((b) => b.type === "actions")!.elements!;
    expect(buttons.map((b) => b.text.text)).toEqual(["Approve", "Reject"]);
    const approve = buttons[0]!.value!;
    expect(approve).toMatch(/^sa:a:[0-9a-f-]{36}$/);
    // Slack asks before either press is sent: the dialog names what will happen.
    expect(buttons.map((b) => b.style)).toEqual(["primary", "danger"]);
    expect(buttons[0]!.confirm!.text.text).toMatch(new RegExp(`^refund order ${orderId} \\(PAID\\)`));
    expect((await shop.order(orderId)).status).toBe("PAID");

    // The requester cannot approve their own request.
    const ts = "1764000000.000001";
    await send(
      "interactivity",
      blockActionBody({ userId: FANG, channelId: STAFF_CHANNEL, value: approve, messageTs: ts }),
    );
    expect((await shop.order(orderId)).status).toBe("PAID");
    expect(shown(posted().at(-1)!)).toBe("You asked for this yourself: another staff member must decide.");

    // Fei presses Approve twice at once (two deliveries): executed exactly once.
    const press = () =>
      send("interactivity", blockActionBody({ userId: FEI, channelId: STAFF_CHANNEL, value: approve, messageTs: ts }));
    const results = await Promise.all([press(), press()]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect((await shop.order(orderId)).status).toBe("REFUNDED");
    expect((await shop.walletBalance(userId)) - before).toBe(6000n);
    const updates = api.calls.filter((c) => c.method === "chat.update");
    expect(updates.map((c) => c.params.ts)).toEqual([ts]); // the request's message now says it is done
    expect(updates[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(updates[0]!.params.token).toBeUndefined(); // the token travels in the header only
    expect(shown(updates[0]!)).toContain(`Approved and done: refund order ${orderId}`);
    expect(posted().map(shown).join("\n")).toMatch(/Already decided/);
  });

  it("refuses a Slack user who is not staff, and records the attempt", async () => {
    const res = await command(STRANGER, "stock");
    expect(res.status).toBe(200);
    expect(shown(posted()[0]!)).toBe("This console is for the shop's staff only. Your attempt was recorded.");
    const rows = await shop.c.db.sql.query<{ outcome: string; channel: string }>(
      sql`SELECT outcome, channel FROM audit_log WHERE details->>'externalId' = ${STRANGER}::text`,
    );
    expect(rows).toEqual([{ outcome: "refused", channel: "slack" }]);
  });

  it("refuses a staff member's command from another channel (the staff bot's refusal, audited)", async () => {
    const { orderId } = await paidOrder("slack-other-1");
    await command(FANG, `refund ${orderId} wrong place`, OTHER_CHANNEL);
    expect(posted(STAFF_CHANNEL)).toEqual([]);
    expect(shown(posted(OTHER_CHANNEL)[0]!)).toBe(
      "Staff commands work only in the staff channel. Your attempt was recorded.",
    );
    expect((await shop.order(orderId)).status).toBe("PAID");
    const rows = await shop.c.db.sql.query<{ code: string }>(
      sql`SELECT details->>'code' AS code FROM audit_log WHERE details->>'chatId' = ${OTHER_CHANNEL}::text`,
    );
    expect(rows).toEqual([{ code: "not_staff_channel" }]);
  });

  it("refuses forged, unsigned, stale and replayed requests with 401 and changes nothing", async () => {
    const { orderId } = await paidOrder("slack-forged-1");
    const body = slashCommandBody({ userId: FANG, channelId: STAFF_CHANNEL, text: `refund ${orderId} forged one` });
    const now = Math.floor(Date.now() / 1000);
    const audited = await auditCount();
    const forged = signedInit("ffffffffffffffffffffffffffffffff", body, now);
    const unsigned: RequestInit = {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
    const stale = signedInit(SECRET, body, now - 6 * 60);
    const future = signedInit(SECRET, body, now + 6 * 60);
    const tampered = { ...signedInit(SECRET, body, now), body: body.replace("forged", "edited") };
    const badTimestamp = {
      ...signedInit(SECRET, body, now),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": "yesterday",
        "x-slack-signature": slackSignature(SECRET, now, body),
      },
    };
    for (const init of [forged, unsigned, stale, future, tampered, badTimestamp]) {
      const res = await send("commands", body, init);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_signature" } });
    }
    expect(api.calls).toEqual([]);
    expect(await auditCount()).toBe(audited);
    expect((await shop.order(orderId)).status).toBe("PAID");

    // A replay of a genuine request inside the window is answered once (deduplicated on its trigger id).
    const genuine = signedInit(SECRET, slashCommandBody({ userId: FANG, channelId: STAFF_CHANNEL, text: "help" }), now);
    expect((await send("commands", "", genuine)).status).toBe(200);
    expect((await send("commands", "", genuine)).status).toBe(200);
    expect(posted()).toHaveLength(1);
  });

  it("answers malformed payloads with a clear 400 and changes nothing", async () => {
    const audited = await auditCount();
    const cases: Array<[string, RegExp]> = [
      ["payload=%7Bnot-json", /payload: is not JSON/],
      [
        new URLSearchParams({ payload: JSON.stringify({ type: "view_submission" }) }).toString(),
        /"view_submission" is not handled/,
      ],
      [
        new URLSearchParams({
          payload: JSON.stringify({
            type: "block_actions",
            trigger_id: "t",
            user: { id: FANG },
            channel: { id: STAFF_CHANNEL },
            actions: [],
          }),
        }).toString(),
        /actions: must hold the pressed button/,
      ],
      [slashCommandBody({ userId: "", channelId: STAFF_CHANNEL, text: "stock" }), /user_id: must be a Slack id/],
      ["hello=world", /neither a slash command nor an interaction payload/],
    ];
    for (const [body, message] of cases) {
      const res = await send("interactivity", body);
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe("bad_request");
      expect(json.error.message).toMatch(message);
    }
    expect(api.calls).toEqual([]);
    expect(await auditCount()).toBe(audited);
  });
});
