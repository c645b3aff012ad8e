import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole } from "../../app/staff-console.ts";
import { createStaffChecks, type StaffChecks } from "../../app/staff-ops/staff-checks.ts";
import { sleep, sql, systemContext } from "../../core/shared/index.ts";
import { serveFakeSlackApi, shown, type FakeSlackApi } from "../channels/slack/fake-slack-api.ts";
import { blockActionBody, signedInit } from "../channels/slack/signed-requests.ts";
import { stripHtml } from "../channels/telegram/fake-bot-api.ts";
import type { Shop } from "../e2e/support/shop.ts";
import { addStaff, startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * Staff alerts end to end as `serve` wires them (app/chat.ts hosts the staff alerter): the scheduled checks
 * raise and resolve alerts in the database, the `staff.alert` events reach the Slack channel (fake Web API)
 * and the Telegram staff group (fake Bot API), throttled, with next-action buttons that run commands.
 */
const SECRET = "0123456789abcdef0123456789abcdef";
const STAFF_CHANNEL = "C0ALERTS1";
const STAFF_GROUP = -100300300;
const OLGA = "U0OLGA001";
let slack: FakeSlackApi;
let h: TelegramChatApp | undefined;
let shop: Shop;
let checks: StaffChecks;
const sys = systemContext("test-alerts");

beforeAll(async () => {
  slack = await serveFakeSlackApi();
  h = await startTelegramChatApp("staffalerts", {
    workers: false,
    webhookSecret: "tg_alerts_secret_0123456789",
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-000000000-000000000000-TESTtokenTESTtoken",
      SLACK_STAFF_CHANNEL_ID: STAFF_CHANNEL,
      SLACK_API_URL: slack.url,
      TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}`,
      STAFF_LOCALE: "en",
      STAFF_ALERT_LOW_STOCK_FLOOR: "5",
      STAFF_APPROVAL_CREDIT_OVER: "CNY:10",
    },
    setup: (s: Shop) => addStaff(s, [{ name: "Olga", role: "operator", slackUserId: OLGA }]),
  });
  shop = h.shop;
  await shop.c.events.start(); // the consumers the chat wiring hosts (the staff alerter among them)
  checks = createStaffChecks(shop.c);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await slack?.close();
});

const slackPosts = () =>
  slack.calls.filter((c) => c.method === "chat.postMessage" && c.params.channel === STAFF_CHANNEL);
const groupTexts = () =>
  h!.api.calls.filter((c) => c.payload.chat_id === String(STAFF_GROUP)).map((c) => stripHtml(String(c.payload.text)));

async function until<T>(what: string, f: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(30);
  }
}
const alertEvents = async () =>
  (
    await shop.c.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'staff.alert'`,
    )
  )[0]!.n;

describe("staff alerts in Slack and the Telegram staff group", () => {
  it("low stock: opened once (throttled on the next sweeps), posted both sides with buttons; resolved after a restock", async () => {
    const p = await shop.codeProduct({ stock: 2, sku: "ALERT-CARD" });
    const r = await checks.sweepAlerts(sys);
    expect(r.errors).toEqual([]);
    const post = await until("the Slack alert", () =>
      slackPosts().find((c) => /ALERT.*Low stock: ALERT-CARD has 2 codes left/.test(shown(c))),
    );
    await until("the Telegram alert", () => groupTexts().find((t) => /Low stock: ALERT-CARD has 2 codes left/.test(t)));
    const buttons = post.blocks.flatMap((b) => b.elements ?? []).map((e) => e.value);
    expect(buttons).toEqual(["sc:stock", "sc:report today"]);

    // Sweeps inside the re-notify interval add nothing.
    const events = await alertEvents();
    await checks.sweepAlerts(sys);
    await checks.sweepAlerts(sys);
    expect(await alertEvents()).toBe(events);

    // The button runs the command for the staff member who pressed it.
    const body = blockActionBody({
      userId: OLGA,
      channelId: STAFF_CHANNEL,
      value: "sc:stock",
      messageTs: "1764000000.000001",
    });
    const res = await h!.app.request("/slack/interactivity", signedInit(SECRET, body));
    expect(res.status).toBe(200);
    await h!.chat.slack!.idle();
    expect(slackPosts().some((c) => shown(c).includes("ALERT-CARD") && shown(c).includes("Stock"))).toBe(true);

    await shop.importCodes(p.id, 10);
    await checks.sweepAlerts(sys);
    await until("the Slack resolution", () => slackPosts().find((c) => /RESOLVED.*ALERT-CARD/.test(shown(c))));
    await until("the Telegram resolution", () => groupTexts().find((t) => /RESOLVED.*ALERT-CARD/.test(t)));
    const rows = await shop.c.db.sql.query<{ status: string }>(
      sql`SELECT status FROM staff_alerts WHERE subject = ${`low_stock:${p.id}`}`,
    );
    expect(rows).toEqual([{ status: "RESOLVED" }]);
  });

  it("an open supplier breaker and a ledger mismatch are alerted; the ledger alert resolves when the books agree again", async () => {
    const sup = await shop.supplier("alertsim");
    await shop.c.db.sql.execute(
      sql`UPDATE suppliers SET consecutive_failures = 5, circuit_open_until = now() + interval '1 hour' WHERE id = ${sup.supplier.id}::uuid`,
    );
    await checks.sweepAlerts(sys);
    await until("the breaker alert", () =>
      slackPosts().find((c) =>
        new RegExp(`Supplier ${sup.supplier.code}: circuit open after 5 failures`).test(shown(c)),
      ),
    );
    // A deposit booked to a wallet without custody (as a bug would): reconciliation fails, the check alerts.
    const userId = await shop.user();
    const { walletCode, systemCode } = await import("../../core/ledger/index.ts");
    await shop.c.ledger.post(sys, {
      idempotencyKey: "alert-test-bad-booking",
      kind: "test",
      legs: [
        { account: walletCode(userId, "CNY"), amount: 500n },
        { account: systemCode("revenue", "CNY"), amount: -500n },
      ],
    });
    expect(await checks.checkLedger(sys)).toBe(1);
    await until("the reconcile alert", () => groupTexts().find((t) => /Reconciliation mismatch \(CNY\)/.test(t)));
    await shop.c.ledger.post(sys, {
      idempotencyKey: "alert-test-fix-booking",
      kind: "test",
      legs: [
        { account: systemCode("revenue", "CNY"), amount: 500n },
        { account: systemCode("custody", "CNY"), amount: -500n },
      ],
    });
    await checks.checkLedger(sys);
    await until("the reconcile resolution", () =>
      groupTexts().find((t) => /RESOLVED.*Reconciliation mismatch/.test(t)),
    );
  });

  it("an expired approval request is marked EXPIRED by the scheduled job and the staff channel is told who asked", async () => {
    const con = createStaffConsole(shop.c);
    const cli = systemContext("cli:test", { channel: "cli" });
    const fang = await con.staff.add(cli, { name: "Fang", role: "finance", slackUserId: "U0FANG777" });
    const userId = await shop.user();
    const asker = {
      ...sys,
      channel: "slack" as const,
      actor: { kind: "staff" as const, userId: fang.userId, role: "finance" as const },
    };
    const r = await con.approvals.submit(asker, {
      action: "wallet.adjust",
      payload: { userId, direction: "credit", amount: "5000", currency: "CNY" },
      reason: "goodwill after the outage",
    });
    if (r.status !== "pending") throw new Error(r.status);
    await shop.c.db.sql.execute(
      sql`UPDATE approval_requests SET expires_at = now() - interval '1 minute' WHERE id = ${r.request.id}::uuid`,
    );
    expect(await checks.expireApprovals(sys)).toBe(1);
    expect(await checks.expireApprovals(sys)).toBe(0);
    expect((await con.approvals.get(sys, r.request.id)).status).toBe("EXPIRED");
    await until("the expiry notice", () =>
      slackPosts().find((c) => /Approval request expired undecided: credit ¥50\.00 .* asked by/.test(shown(c))),
    );
    expect(await shop.walletBalance(userId)).toBe(0n);
  });

  it("a new distributor application is posted both sides with Approve/Reject; asking again posts nothing more", async () => {
    const userId = await shop.user();
    await shop.c.distribution.apply(sys, userId);
    await shop.c.distribution.apply(sys, userId); // still pending: no second notice
    const post = await until("the application notice", () =>
      slackPosts().find((c) => shown(c).includes(`New distributor application from user ${userId}`)),
    );
    const buttons = post.blocks.find((b) => b.type === "actions")!.elements!;
    expect(buttons.map((b) => b.value)).toEqual([`sd:a:${userId}`, `sd:r:${userId}`]);
    await until("the Telegram notice", () => groupTexts().find((t) => t.includes(`application from user ${userId}`)));
    await sleep(300);
    expect(slackPosts().filter((c) => shown(c).includes(`application from user ${userId}`))).toHaveLength(1);
    const applied = await shop.c.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'distributor.applied' AND payload->>'userId' = ${userId}::text`,
    );
    expect(applied[0]!.n).toBe(1);
  });

  it("the Telegram webhook refusing requests (a wrong secret) is alerted at the fifth refusal", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await h!.post({ update_id: 900 + i }, "wrong_secret_wrong_secret_0000");
      expect(res.status).toBe(403);
    }
    await until("the webhook alert", () =>
      slackPosts().find((c) => /The telegram webhook refused 5 requests in 5 min \(bad_secret 5\)/.test(shown(c))),
    );
    const [row] = await shop.c.db.sql.query<{ status: string }>(
      sql`SELECT status FROM staff_alerts WHERE subject = 'webhook:telegram'`,
    );
    expect(row).toEqual({ status: "OPEN" });
  });
});
