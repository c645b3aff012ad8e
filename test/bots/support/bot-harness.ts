import { createI18n } from "../../../bots/i18n/index.ts";
import { createShopBot, shopPortsFromCore, type ShopBot, type ShopBotDeps } from "../../../bots/shop/index.ts";
import type { Button, CallbackButton, InboundTurn, Reply, TurnChannel, TurnInput } from "../../../bots/turn.ts";
import { toPlain } from "../../../bots/turn.ts";
import { createConversations } from "../../../core/conversations/index.ts";
import { createIdentity, type Identity } from "../../../core/identity/index.ts";
import { createPayments } from "../../../core/payments/index.ts";
import type { Currency } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop, type ShopOptions } from "../../e2e/support/shop.ts";

export const BOT_USERNAME = "kameng_test_bot";
export const deepLink = (payload: string) => `https://t.me/${BOT_USERNAME}?start=${payload}`;

/** Plain text of every reply, for assertions. */
export function plainOf(replies: Reply[]): string {
  return replies
    .map((r) => {
      switch (r.kind) {
        case "text":
        case "prompt":
        case "deep_link":
          return toPlain(r.body);
        case "codes":
          return [toPlain(r.title), ...r.items.map((i) => `${i.code}${i.password ? ` / ${i.password}` : ""}`)].join(
            "\n",
          );
        case "invoice":
          return `${r.title} ${r.amount}`;
        case "answer_precheckout":
          return `precheckout ${r.ok}`;
        case "toast":
          return r.text;
      }
    })
    .join("\n---\n");
}

export function buttonsOf(replies: Reply[]): Button[] {
  return replies.flatMap((r) => ("buttons" in r && r.buttons ? r.buttons.flat() : []));
}

export function findButton(replies: Reply[], label: RegExp | string): CallbackButton {
  const b = buttonsOf(replies).find(
    (x): x is CallbackButton =>
      x.kind === "callback" && (typeof label === "string" ? x.label === label : label.test(x.label)),
  );
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(buttonsOf(replies).map((x) => x.label))}`);
  return b;
}

let turnSeq = 0;

/** One device/chat of a user talking to the bot. */
export class ChatClient {
  last: Reply[] = [];
  constructor(
    readonly bot: ShopBot,
    readonly opts: {
      channel: TurnChannel;
      externalId: string;
      chatId?: string;
      kind?: "private" | "group";
      name?: string;
      lang?: string;
      timeZone?: string;
    },
  ) {}

  turn(input: TurnInput): InboundTurn {
    return {
      id: `t${++turnSeq}`,
      channel: this.opts.channel,
      chat: { id: this.opts.chatId ?? this.opts.externalId, kind: this.opts.kind ?? "private" },
      from: {
        externalId: this.opts.externalId,
        displayName: this.opts.name ?? "Tester",
        ...(this.opts.lang ? { languageCode: this.opts.lang } : {}),
        ...(this.opts.timeZone ? { timeZone: this.opts.timeZone } : {}),
      },
      input,
    };
  }

  async input(input: TurnInput): Promise<Reply[]> {
    const turn = this.turn(input);
    this.last = await this.bot.handle(turn);
    // Invariants every reply must keep, whatever the test does.
    for (const b of buttonsOf(this.last))
      if (b.kind === "callback" && Buffer.byteLength(b.data) > 64)
        throw new Error(`button data over 64 bytes: ${b.data}`);
    if (turn.chat.kind === "group" && this.last.some((r) => r.kind === "codes")) throw new Error("a code in a group");
    return this.last;
  }

  send(text: string): Promise<Reply[]> {
    const m = /^\/(\w+)(?:@\w+)?\s*([\s\S]*)$/.exec(text);
    return this.input(m ? { kind: "command", command: m[1]!, payload: m[2]!.trim() } : { kind: "text", text });
  }

  pressData(data: string): Promise<Reply[]> {
    return this.input({ kind: "button", data, messageId: "m1" });
  }

  press(label: RegExp | string, from: Reply[] = this.last): Promise<Reply[]> {
    return this.pressData(findButton(from, label).data);
  }

  get text(): string {
    return plainOf(this.last);
  }
}

export type BotHarness = Awaited<ReturnType<typeof createBotHarness>>;

export async function createBotHarness(
  label: string,
  opts: ShopOptions & { bot?: (shop: Shop) => Partial<ShopBotDeps> } = {},
) {
  const shop: Shop = await createShop(label, opts);
  const c = shop.c;
  const prisma = c.db.prisma;
  // As app/chat.ts wires them: on the container's runner.
  const identity: Identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const conversations = createConversations({ sql: c.db.sql, clock: c.clock });
  const payments = createPayments({
    sql: c.db.sql,
    clock: c.clock,
    ledger: c.ledger,
    sandbox: { secret: c.sandboxWebhookSecret, publicUrl: "http://pay.test" },
  });
  const ports = shopPortsFromCore({
    catalog: c.catalog,
    inventory: c.inventory,
    orders: c.orders,
    ledger: c.ledger,
    payments,
    kyc: c.kyc,
    distribution: c.distribution,
  });
  const makeBot = () =>
    createShopBot({
      ports,
      identity,
      conversations,
      i18n: createI18n(),
      clock: c.clock,
      buttonKey: "bot-test-button-key-0123456789",
      channels: {
        telegram: { deepLink, starsInvoices: true },
        web: { deepLink: () => null, starsInvoices: false },
      },
      logger: { warn: () => {}, error: (o, m) => console.error(m, o) },
      ...opts.bot?.(shop),
    });
  const bot = makeBot();
  return {
    shop,
    c,
    prisma,
    identity,
    conversations,
    bot,
    /** Another bot instance over the same database: a second server process. */
    makeBot,
    payments,
    client(o: ConstructorParameters<typeof ChatClient>[1]) {
      return new ChatClient(bot, o);
    },
    async userIdOf(channel: string, externalId: string): Promise<string> {
      const i = await identity.findIdentity(ctx, channel, externalId);
      if (!i) throw new Error(`no identity ${channel}:${externalId}`);
      return i.userId;
    },
    async fund(userId: string, amount: bigint, currency: Currency = "CNY") {
      await shop.fund(userId, amount, currency);
    },
    balance: (userId: string, currency: Currency = "CNY") => shop.walletBalance(userId, currency),
    orderCount: (userId: string) => prisma.order.count({ where: { userId } }),
    dispose: () => shop.dispose(),
  };
}
