import { Hono } from "hono";
import { isTurnProcessed, markTurnProcessed } from "../bots/dedupe.ts";
import { createOutboundDelivery, type OutboundSender } from "../bots/outbound.ts";
import { composeBots } from "../bots/compose.ts";
import { groupShopBot } from "../bots/groupshop/index.ts";
import { createStaffBot } from "../bots/staff/index.ts";
import type { ChannelCapabilities, InboundTurn, Reply, TurnChannel } from "../bots/turn.ts";
import { createMenuStore, createTextTurns, type TextTurns } from "../bots/text/index.ts";
import { starsRefundSubscriber, startTelegram, type StartedTelegram } from "../channels/telegram/index.ts";
import type { SlackChannel } from "../channels/slack/index.ts";
import type { WechatAlert, WechatChannel } from "../channels/wechat/index.ts";
import type { Wechaty } from "wechaty";
import { createSqlWebTranscript, createWebMailbox, webChatRoutes } from "../channels/web/index.ts";
import { systemContext } from "../core/shared/index.ts";
import { publicUrl, slackEnabled, staffChannelConfigured, wechatEnabled } from "./config.ts";
import type { Container } from "./container.ts";
import { groupShopFeed, shopNotifier, starsRefunder } from "./events/consumers.ts";
import { rateLimitersOf } from "./http/rate-limiters.ts";
import { createStaffConsole } from "./staff-console.ts";
import { chatWithdrawPorts } from "./withdrawals.ts";
import { staffAlerter, type StaffDestination } from "./staff-ops/staff-alerter.ts";
import { createTelegramWebhookHealth } from "./staff-ops/telegram-webhook-health.ts";
import { createWebhookWatch } from "./staff-ops/webhook-watch.ts";

export interface ChatEdges {
  /** HTTP entries of the chat channels: the web chat page and API, the Telegram webhook. */
  routes: Hono;
  telegram?: StartedTelegram;
  wechat?: WechatChannel;
  slack?: SlackChannel;
  /** Telegram's own view of our webhook (`getWebhookInfo`), checked every minute in webhook mode with a staff channel. */
  telegramWebhookHealth?: { check(): Promise<void> };
  stop(): Promise<void>;
}

export interface ChatOptions {
  demo: boolean;
  /** WeChat's operator alerts (login QR, logins, logouts, messages given up): the staff console plugs in here. */
  wechatAlert?: (alert: WechatAlert) => void;
  /** A wechaty built elsewhere (tests: the mock puppet in process) instead of the configured puppet. */
  wechaty?: Wechaty;
}

/** The embedded demo credits each new web-chat buyer this much (CNY fen) so a first purchase needs no top-up. */
const DEMO_CREDIT = 10_000n;

/**
 * Wires the bots to their channels: the local web chat (on by default outside production), Telegram
 * (when a token is set) and WeChat (when a puppet is configured; its text turns pass through the numbered
 * menus of bots/text) call one router (bots/router.ts), which hands each turn to the shop bot (or, as
 * they land, the staff and group-shop bots); committed domain events become messages for the buyer's
 * private chats.
 */
export async function startChat(c: Container, opts: ChatOptions): Promise<ChatEdges> {
  const { config, logger } = c;
  const db = c.db.sql;
  const routes = new Hono();
  const base = publicUrl(config);
  const webEnabled = config.WEB_CHAT ?? config.NODE_ENV !== "production";

  let telegram: StartedTelegram | undefined;
  // The bots are built after the Telegram channel (they need the channel's capabilities); a turn that
  // polling delivers in between waits for them.
  let botsReady!: (handle: (turn: InboundTurn) => Promise<Reply[]>) => void;
  const handle = new Promise<(turn: InboundTurn) => Promise<Reply[]>>((resolve) => (botsReady = resolve));
  const channels: Partial<Record<TurnChannel, ChannelCapabilities>> = {};
  if (webEnabled)
    channels.web = {
      deepLink: (p) => `${base}/?start=${encodeURIComponent(p)}`,
      starsInvoices: false,
      buttons: "native",
      files: false,
    };

  // The Telegram webhook's refused requests become a staff alert when a staff channel is configured.
  const webhookWatch =
    config.TELEGRAM_BOT_TOKEN && staffChannelConfigured(config)
      ? createWebhookWatch({
          alerts: createStaffConsole(c).alerts,
          clock: c.clock,
          channel: "telegram",
          onError: (err) => logger.warn({ err }, "webhook watch: the check failed"),
        })
      : undefined;
  // Filled once the bots' identity service exists (the Telegram channel is started before the bots).
  const canDm: { set?: (externalId: string, canDm: boolean) => Promise<void> } = {};
  if (config.TELEGRAM_BOT_TOKEN) {
    telegram = await startTelegram({
      token: config.TELEGRAM_BOT_TOKEN,
      ...(config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT } : {}),
      maxFileBytes: config.TELEGRAM_MAX_FILE_MB * 1024 * 1024,
      ...(config.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: config.TELEGRAM_WEBHOOK_SECRET } : {}),
      publicUrl: base,
      db,
      handler: async (turn) => (await handle)(turn),
      logger: logger.child({ part: "telegram" }),
      setCanDm: (id, v) => canDm.set?.(id, v) ?? Promise.resolve(),
      onWebhookRejected: (reason) => {
        c.metrics.webhookRejections.inc({ source: "telegram", reason });
        webhookWatch?.rejected(reason);
      },
    });
    channels.telegram = telegram.channel.capabilities;
    if (telegram.routes) routes.route("/telegram", telegram.routes);
  }
  const tgChannel = telegram?.channel;
  const telegramWebhookHealth =
    tgChannel && telegram?.mode === "webhook" && staffChannelConfigured(config)
      ? createTelegramWebhookHealth({
          alerts: createStaffConsole(c).alerts,
          webhookInfo: () => tgChannel.webhookInfo(),
          clock: c.clock,
          onError: (err) => logger.warn({ err }, "telegram webhook health: the check failed"),
        })
      : undefined;

  // WeChat: built before the bots (they need its capabilities); its turns wait for the text layer.
  let textReady!: (t: TextTurns) => void;
  const text = new Promise<TextTurns>((resolve) => (textReady = resolve));
  let wechat: WechatChannel | undefined;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  if (wechatEnabled(config)) {
    const wechatDeps = {
      db,
      secrets: c.secrets,
      handler: async (turn: InboundTurn) => (await text).handle(turn),
      present: async (chatId: string, replies: Reply[]) => (await text).present("wechat", chatId, replies),
      notice: async (...a: Parameters<TextTurns["notice"]>) => (await text).notice(...a),
      logger: logger.child({ part: "wechat" }),
      ...(opts.wechatAlert ? { alert: opts.wechatAlert } : {}),
      limits: {
        contactIntervalMs: config.WECHAT_SEND_CONTACT_INTERVAL_MS,
        roomIntervalMs: config.WECHAT_SEND_ROOM_INTERVAL_MS,
        roomPerMinute: config.WECHAT_SEND_ROOM_PER_MINUTE,
        perMinute: config.WECHAT_SEND_PER_MINUTE,
        jitterMs: config.WECHAT_SEND_JITTER_MS,
      },
      ...(config.WECHAT_ROOM_KEYWORDS ? { roomKeywords: config.WECHAT_ROOM_KEYWORDS } : {}),
      autoAcceptFriends: config.WECHAT_AUTO_ACCEPT_FRIENDS,
    };
    const puppet = {
      ...(config.WECHATY_PUPPET ? { puppet: config.WECHATY_PUPPET } : {}),
      ...(config.WECHATY_PUPPET_SERVICE_TOKEN ? { token: config.WECHATY_PUPPET_SERVICE_TOKEN } : {}),
      ...(config.WECHATY_PUPPET_SERVICE_ENDPOINT ? { endpoint: config.WECHATY_PUPPET_SERVICE_ENDPOINT } : {}),
      ...(config.WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT !== undefined
        ? { noTlsInsecureClient: config.WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT }
        : {}),
    };
    // Loaded only when configured: wechaty and its gRPC stack cost every other process (the CLI) seconds.
    const { buildWechat, createWechatChannel } = await import("../channels/wechat/index.ts");
    wechat = opts.wechaty
      ? createWechatChannel({ ...wechatDeps, wechaty: opts.wechaty })
      : buildWechat({ ...wechatDeps, ...puppet, dataDir: config.DATA_DIR });
    channels.wechat = wechat.capabilities;
  }

  // Slack: the staff console only (slash commands and buttons at /slack/commands and /slack/interactivity).
  let slack: SlackChannel | undefined;
  const slackChannelId = slackEnabled(config) ? config.SLACK_STAFF_CHANNEL_ID : undefined;
  if (slackChannelId) {
    // Loaded only when configured, like WeChat: Bolt and its Web API client cost every other process.
    const { createSlackChannel } = await import("../channels/slack/index.ts");
    slack = createSlackChannel({
      signingSecret: config.SLACK_SIGNING_SECRET!,
      botToken: config.SLACK_BOT_TOKEN!,
      ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
      handler: async (turn) => (await handle)(turn),
      dedupe: (id) => markTurnProcessed(db, "slack", id),
      logger: logger.child({ part: "slack" }),
      now: () => c.clock.now().getTime(),
    });
    channels.slack = slack.capabilities;
    routes.route("/slack", slack.routes);
  }

  const staffGroups = new Set(config.TELEGRAM_STAFF_CHAT_IDS ?? []);
  // One console for the staff bot and the distributors' withdrawal screens (requests land in its approvals).
  const staffConsole = createStaffConsole(c);
  const bots = composeBots({
    sql: db,
    clock: c.clock,
    secrets: c.secrets,
    catalog: c.catalog,
    inventory: c.inventory,
    orders: c.orders,
    ledger: c.ledger,
    payments: c.payments,
    kyc: c.kyc,
    distribution: c.distribution,
    withdraw: chatWithdrawPorts(c.distribution, staffConsole),
    channels,
    ...(opts.demo ? { demoCredit: DEMO_CREDIT } : {}),
    logger: logger.child({ part: "bots" }),
    staffChats: { telegram: staffGroups },
    ...(slack ? { staffOnlyChannels: ["slack" as const] } : {}),
    // The operators' console answers in the configured staff groups and Slack channel (and nowhere else).
    ...(staffGroups.size > 0 || slackChannelId
      ? {
          staff: (kit) =>
            createStaffBot({
              ...staffConsole,
              orders: c.orders,
              inventory: c.inventory,
              catalog: c.catalog,
              kyc: c.kyc,
              custody: c.custody,
              distribution: c.distribution,
              risk: { risk: c.risk, riskReview: c.riskReview },
              defaultLocale: config.STAFF_LOCALE,
              isStaffChat: (channel, chatId) =>
                (channel === "telegram" && staffGroups.has(chatId)) ||
                (channel === "slack" && chatId === slackChannelId),
              ...(kit.logger ? { logger: kit.logger } : {}),
            }),
        }
      : {}),
    shopOverrides: { timeZone: config.DEFAULT_TIME_ZONE },
    // Distributors' group shops: a group bound to a shop (/bindshop) is answered by the group-shop bot.
    groupShop: groupShopBot(c.distribution),
    groupShopOf: (channel, chatId) => c.distribution.groupShopOf(systemContext("group-shop-of"), channel, chatId),
  });
  const { router } = bots;
  const { identity } = bots.kit;
  const bot = bots.shop; // what the event subscriptions below deliver for
  botsReady((turn) => router.handle(turn));
  if (wechat)
    textReady(
      createTextTurns({
        handler: (turn) => router.handle(turn),
        store: createMenuStore(bots.kit),
        i18n: bots.kit.i18n,
        clock: c.clock,
      }),
    );
  canDm.set = (externalId, value) =>
    identity.setCanDm(systemContext("telegram-can-dm"), { channel: "telegram", externalId, canDm: value });

  // The web chat keeps each browser's conversation (encrypted) so a reload shows it again.
  const transcript = webEnabled ? createSqlWebTranscript({ db, secrets: c.secrets }) : undefined;
  const mailbox = webEnabled ? createWebMailbox({ ...(transcript ? { transcript } : {}) }) : undefined;
  const senders: Partial<Record<TurnChannel, OutboundSender>> = {};
  if (mailbox) senders.web = (m) => mailbox.deliver(m);
  if (telegram) {
    const tg = telegram.channel;
    // Telegram sends are rate limited (≈1/s per chat): queued in the channel, not awaited by the notifier.
    senders.telegram = (m) =>
      void tg
        .send(m.chatId, m.replies)
        .catch((err: unknown) => logger.warn({ err, userId: m.userId }, "telegram send failed"));
  }
  if (wechat) {
    const wx = wechat;
    // Durable once written to the outbox: the notifier may mark the message sent.
    senders.wechat = (m) => wx.send(m.chatId, m.replies);
    // Not awaited: a puppet service that cannot be reached must not keep the shop from starting; retried.
    const startWechat = (attempt: number): void =>
      void wx.start().catch((err: unknown) => {
        if (stopped) return;
        const waitMs = Math.min(5_000 * 2 ** attempt, 300_000);
        logger.error({ err, retryInMs: waitMs }, "wechat: could not start; retrying");
        retry = setTimeout(() => startWechat(attempt + 1), waitMs);
      });
    startWechat(0);
  }
  const deliver = createOutboundDelivery({
    senders,
    dedupe: {
      seen: (k) => isTurnProcessed(db, "outbound", k),
      mark: async (k) => void (await markTurnProcessed(db, "outbound", k)),
    },
    logger: logger.child({ part: "outbound" }),
  });
  // Committed domain events reach this process's consumers (docs/events.md): the shop notifier, and the
  // Stars refunder (hosted without Telegram too, so a Stars refund it cannot make is parked, not skipped).
  const unhost = [c.events.host(shopNotifier({ bot, deliver: (messages) => deliver(messages) }))];
  const onGroupEvent = bots.groupShop?.onDomainEvent;
  if (onGroupEvent)
    unhost.push(c.events.host(groupShopFeed({ bot: { onDomainEvent: onGroupEvent }, deliver: (m) => deliver(m) })));
  const refundStars = telegram
    ? starsRefundSubscriber({
        channel: telegram.channel,
        findStarsCharge: async (orderId) => {
          const charge = await c.payments.findStarsChargeForOrder(systemContext("stars-refund"), { orderId });
          if (!charge?.externalId) return null;
          const who = await identity.identitiesOf(systemContext("stars-refund"), charge.userId);
          const tgId = who.find((i) => i.channel === "telegram")?.externalId;
          return tgId ? { telegramUserId: tgId, chargeId: charge.externalId } : null;
        },
        // Booked before Telegram is asked (payments.recordProviderRefund's contract): `wallet −X, custody +X`
        // for what the charge credited (the order's CNY price, or the Stars), so Stars never go back for
        // money the buyer has already spent; a retry after a failed Bot API call replays the booking.
        beforeRefund: async ({ orderId }) => {
          const charge = await c.payments.findStarsChargeForOrder(systemContext("stars-refund"), { orderId });
          if (!charge) return "skip";
          const r = await c.payments.recordProviderRefund(systemContext("stars-refund"), {
            paymentId: charge.paymentId,
            idempotencyKey: `stars-refund:${charge.paymentId}`,
          });
          return r.ok ? "refund" : "skip";
        },
        logger: logger.child({ part: "telegram" }),
      })
    : undefined;
  unhost.push(
    c.events.host(
      starsRefunder(async (event) => {
        if (refundStars) return refundStars(event);
        const charge = await c.payments.findStarsChargeForOrder(systemContext("stars-refund"), {
          orderId: event.payload.orderId,
        });
        if (charge?.externalId)
          throw new Error("a Telegram Stars charge to refund, but Telegram is not configured (TELEGRAM_BOT_TOKEN)");
      }),
    ),
  );

  // The staff alerts (core/alerts' `staff.alert` events) reach the staff channels hosted here.
  const staffDestinations: StaffDestination[] = [];
  if (slack && slackChannelId) {
    const sl = slack;
    staffDestinations.push({
      name: `slack:${slackChannelId}`,
      locale: config.STAFF_LOCALE,
      send: (replies) => sl.send(slackChannelId, replies),
    });
  }
  if (telegram)
    for (const group of staffGroups) {
      const tg = telegram.channel;
      staffDestinations.push({
        name: `telegram:${group}`,
        locale: config.STAFF_LOCALE,
        async send(replies) {
          const r = await tg.send(group, replies);
          if (r.failed > 0) throw new Error(`telegram: ${r.failed} alert messages to the staff group failed`);
        },
      });
    }
  if (staffDestinations.length > 0)
    unhost.push(
      c.events.host(
        staffAlerter({
          destinations: staffDestinations,
          seen: (k) => isTurnProcessed(db, "outbound", k),
          mark: async (k) => void (await markTurnProcessed(db, "outbound", k)),
        }),
      ),
    );

  const limits = rateLimitersOf(c);
  if (mailbox)
    routes.route(
      "/",
      webChatRoutes({
        handle: (turn) => router.handle(turn),
        mailbox,
        // Derived from the code-encryption key: stable across restarts, so browsers keep their identity.
        secret: c.secrets.keyedHash("web-chat", "tokens"),
        dedupe: (id) => markTurnProcessed(db, "web", id),
        limits: { perIp: limits.ip, perBrowser: limits.webBrowser, trustProxy: limits.trustProxy },
        ...(transcript ? { transcript } : {}),
      }),
    );

  return {
    routes,
    ...(telegram ? { telegram } : {}),
    ...(wechat ? { wechat } : {}),
    ...(slack ? { slack } : {}),
    ...(telegramWebhookHealth ? { telegramWebhookHealth } : {}),
    async stop() {
      webhookWatch?.stop();
      telegramWebhookHealth?.stop();
      await Promise.all(unhost.map((u) => u()));
      mailbox?.close();
      await telegram?.channel.stop();
      stopped = true;
      clearTimeout(retry);
      await wechat?.stop();
      await slack?.stop();
    },
  };
}
