import { startChat, type ChatEdges } from "../../../app/chat.ts";
import { createHttpApp } from "../../../app/http-app.ts";
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
