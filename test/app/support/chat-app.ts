import { startChat, type ChatEdges } from "../../../app/chat.ts";
import { createHttpApp } from "../../../app/http-app.ts";
import { createStaffConsole } from "../../../app/staff-console.ts";
import type { AddStaffInput } from "../../../core/staff/index.ts";
import { systemContext } from "../../../core/shared/index.ts";
import { serveFakeSlackApi, type FakeSlackApi } from "../../channels/slack/fake-slack-api.ts";
import { serveFakeBotApi } from "../../channels/telegram/fake-bot-api-server.ts";
import { FakeBotApi } from "../../channels/telegram/fake-bot-api.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

/** The service's chat wiring (startChat + the HTTP app) over a test shop: what `serve` runs, in process. */
export interface ChatApp {
  shop: Shop;
  chat: ChatEdges;
  app: ReturnType<typeof createHttpApp>;
  close(): Promise<void>;
}

export interface ChatAppOptions {
  workers: boolean;
  env?: Record<string, string>;
  /** Runs after the shop exists and before the chat starts (staff members, products). */
  setup?: (shop: Shop) => Promise<void>;
  chat?: Omit<Parameters<typeof startChat>[1], "demo">;
}

export async function startChatApp(name: string, opts: ChatAppOptions): Promise<ChatApp> {
  const shop = await createShop(name, { workers: opts.workers, env: opts.env ?? {} });
  try {
    await opts.setup?.(shop);
    const chat = await startChat(shop.c, { demo: false, ...opts.chat });
    const app = createHttpApp(shop.c, { chatRoutes: chat.routes });
    return {
      shop,
      chat,
      app,
      close: async () => {
        await chat.stop();
        await shop.dispose();
      },
    };
  } catch (e) {
    await shop.dispose();
    throw e;
  }
}

/** Adds staff members to the shop as the operator's CLI would (`staff add`): a `setup` for the apps below. */
export async function addStaff(shop: Shop, members: AddStaffInput[]): Promise<void> {
  const staff = createStaffConsole(shop.c).staff;
  const cli = systemContext("cli:test", { channel: "cli" });
  for (const m of members) await staff.add(cli, m);
}

/** The same with Telegram on: a fake Bot API over real HTTP, updates posted to the webhook as Telegram does. */
export interface TelegramChatApp extends ChatApp {
  api: FakeBotApi;
  post(update: unknown, secret?: string): Promise<Response>;
}

export async function startTelegramChatApp(
  name: string,
  opts: ChatAppOptions & { webhookSecret: string },
): Promise<TelegramChatApp> {
  const api = new FakeBotApi();
  const server = await serveFakeBotApi(api);
  try {
    const base = await startChatApp(name, {
      ...opts,
      env: {
        TELEGRAM_BOT_TOKEN: "123456789:TESTtokenTESTtokenTESTtoken",
        TELEGRAM_API_ROOT: server.root,
        TELEGRAM_WEBHOOK_SECRET: opts.webhookSecret,
        PUBLIC_URL: "https://shop.example",
        ...opts.env,
      },
    });
    return {
      ...base,
      api,
      post: async (update, secret = opts.webhookSecret) =>
        base.app.request("/telegram/webhook", {
          method: "POST",
          body: JSON.stringify(update),
          headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
        }),
      close: async () => {
        await base.close();
        await server.close();
      },
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}

/** The same with Slack on: a fake Web API over real HTTP, the app's signing secret, bot token and staff channel. */
export interface SlackChatApp extends ChatApp {
  api: FakeSlackApi;
}

export async function startSlackChatApp(
  name: string,
  opts: ChatAppOptions & { signingSecret: string; botToken: string; staffChannel: string },
): Promise<SlackChatApp> {
  const api = await serveFakeSlackApi();
  try {
    const base = await startChatApp(name, {
      ...opts,
      env: {
        SLACK_SIGNING_SECRET: opts.signingSecret,
        SLACK_BOT_TOKEN: opts.botToken,
        SLACK_STAFF_CHANNEL_ID: opts.staffChannel,
        SLACK_API_URL: api.url,
        // Slack tells no language: these tests read the console in English unless they choose
        // (test/app/staff-locale.test.ts covers the default, zh-CN).
        STAFF_LOCALE: "en",
        ...opts.env,
      },
    });
    return {
      ...base,
      api,
      close: async () => {
        await base.close();
        await api.close();
      },
    };
  } catch (e) {
    await api.close();
    throw e;
  }
}
