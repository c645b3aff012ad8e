import type { Update } from "grammy/types";
import type { InboundTurn, Reply, TurnHandler } from "../../bots/turn.ts";
import type { TelegramChannel } from "../../channels/telegram/index.ts";
import type { SqlExecutor } from "../../core/shared/sql.ts";
import type { FakeBotApi } from "../../test/channels/telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../../test/channels/telegram/updates.ts";

/** What the bench drives: a bot handler and, per simulated user, the updates of one purchase. */
export interface Scenario {
  handler: TurnHandler;
  /** Database for the dedupe (defaults to the bench's own). */
  db?: SqlExecutor;
  setCanDm?: (externalId: string, canDm: boolean) => Promise<void>;
  attach?(channel: TelegramChannel): void;
  /** Runs before the measured phase for the users about to come (e.g. creates and funds their accounts). */
  prepare?(users: TgUser[]): Promise<void>;
  /** Yields updates one by one; returns true when the purchase completed. */
  conversation(user: TgUser, api: FakeBotApi): AsyncGenerator<Update, boolean, void>;
  /** After the run: waits for fulfilment, checks invariants; returns how many orders were delivered. */
  verify?(log: (...a: unknown[]) => void): Promise<{
    delivered: number;
    invariantsOk: boolean;
    /** Delivery messages: commit → handed to the channel, and → received by the (fake) Bot API. */
    notify?: { count: number; p50Ms: number; p99Ms: number; receivedCount: number; receivedP99Ms: number };
  } | void>;
  close?(): Promise<void>;
}

/**
 * The bot's latest replies per chat, taken as the handler returns them. Simulated users read their buttons
 * here rather than from the fake Bot API, because under Telegram's 30 msg/s the delivered copy can be
 * minutes behind at benchmark rates; the delivery path is measured separately.
 */
export class ReplyTap {
  private readonly last = new Map<string, Reply[]>();
  /** Handler time per step (the n-th turn of a chat), ms. */
  readonly stepMs: number[][] = [];
  private readonly turns = new Map<string, number>();
  wrap(handler: TurnHandler): TurnHandler {
    return async (turn: InboundTurn) => {
      const t0 = performance.now();
      const replies = await handler(turn);
      if (turn.chat.kind === "private") {
        const n = this.turns.get(turn.chat.id) ?? 0;
        this.turns.set(turn.chat.id, n + 1);
        (this.stepMs[n] ??= []).push(performance.now() - t0);
      }
      this.last.set(turn.chat.id, replies);
      return replies;
    };
  }
  /** Median handler ms per step. */
  stepSummary(): string {
    return this.stepMs
      .map((xs, i) => {
        const s = [...xs].sort((a, b) => a - b);
        return `step ${i}: p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, p99 ${s[Math.floor(s.length * 0.99)]!.toFixed(1)} ms`;
      })
      .join("; ");
  }
  replies(chatId: string | number): Reply[] {
    return this.last.get(String(chatId)) ?? [];
  }
  /** `data` of the first callback button whose label or data matches. */
  button(chatId: string | number, match: (label: string, data: string) => boolean): string | undefined {
    for (const r of this.replies(chatId)) {
      if (!("buttons" in r) || !r.buttons) continue;
      for (const row of r.buttons)
        for (const b of row) if (b.kind === "callback" && match(b.label, b.data)) return b.data;
    }
    return undefined;
  }
}

/** A stand-in bot with the same shape of conversation (menu edits, then a code delivery), no core. */
export function echoScenario(): Scenario {
  const tap = new ReplyTap();
  const menu = (label: string, next: string): Reply => ({
    kind: "text",
    edit: true,
    body: [{ text: `${label}: choose` }],
    buttons: [[{ kind: "callback", label: next, data: next }]],
  });
  const handler: TurnHandler = async (turn) => {
    const i = turn.input;
    if (i.kind === "command") return [menu("Categories", "cat:1")];
    if (i.kind !== "button") return [];
    if (i.data === "cat:1") return [menu("Products", "prod:1")];
    if (i.data === "prod:1") return [menu("Quantity", "qty:1")];
    if (i.data === "qty:1") return [menu("Confirm", "pay")];
    return [
      { kind: "text", edit: true, body: [{ text: "Paid" }] },
      {
        kind: "codes",
        orderId: "o1",
        title: [{ text: "Your code" }],
        items: [{ code: `CODE-${turn.from.externalId}` }],
        labels: { code: "Code", password: "PIN", copy: "copy" },
      },
    ];
  };
  return {
    handler: tap.wrap(handler),
    async *conversation(user) {
      yield textUpdate(user, "/start");
      for (const want of ["cat:1", "prod:1", "qty:1", "pay"]) {
        const data = tap.button(user.id, (_l, d) => d === want);
        if (!data) return false;
        yield callbackUpdate(user, data);
      }
      return true;
    },
  };
}
