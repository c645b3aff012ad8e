import type { WechatOutbox, OutboxMessage } from "./outbox.ts";
import type { SendBudget } from "./send-budget.ts";

export interface OutboxSenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxSenderDeps {
  outbox: WechatOutbox;
  budget: SendBudget;
  /** Sends one text to a contact or room (the puppet). Throws on failure. */
  send(chatId: string, room: boolean, text: string): Promise<void>;
  logger: OutboxSenderLogger;
  /** A message given up after `maxAttempts` (an alert: the staff console will plug in here). */
  onDead?(message: { id: string; chatId: string; room: boolean; attempts: number; error: string }): void;
  /** Attempts before a message is given up (default 6: about 2 minutes of retries). */
  maxAttempts?: number;
  /** Wait before retry `n` (1-based); default 2 s doubling, at most 5 minutes. */
  backoffMs?(attempt: number): number;
  /** While true nothing is sent (WeChat is not logged in): messages wait instead of using up their attempts. */
  paused?(): boolean;
  /** How often the outbox is read for messages other processes wrote (default 1000 ms). */
  pollMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * The one loop that sends WeChat messages: one at a time, oldest first per chat (a chat's next message
 * waits for the one before it, retries included), choosing among chats the message the limits let go
 * first, with a random extra wait (jitter). Failed sends are retried with backoff, then given up and
 * reported. `nudge()` after writing to the outbox; other processes' rows are found by polling.
 */
export class OutboxSender {
  private readonly deps: Required<Omit<OutboxSenderDeps, "onDead" | "paused">> &
    Pick<OutboxSenderDeps, "onDead" | "paused">;
  /** Messages per chat, oldest first. */
  private readonly queues = new Map<string, OutboxMessage[]>();
  private readonly known = new Set<string>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private dirty = true;
  private idleWaiters: (() => void)[] = [];
  private sent = 0;
  private failed = 0;

  constructor(deps: OutboxSenderDeps) {
    this.deps = {
      maxAttempts: 6,
      backoffMs: (n) => Math.min(2000 * 2 ** (n - 1), 300_000),
      pollMs: 1000,
      now: () => Date.now(),
      random: Math.random,
      ...deps,
    };
  }

  /** Seeds the limits with what was sent recently (a restart keeps the budget) and starts sending. */
  async start(): Promise<void> {
    if (this.running) return;
    const { budget, outbox, now } = this.deps;
    const window = Math.max(budget.limits.windowMs, budget.limits.contactIntervalMs, budget.limits.roomIntervalMs);
    for (const s of await outbox.recentSends(new Date(now() - window))) budget.record(s.chatId, s.room, s.at);
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** New rows in the outbox: read it now. */
  nudge(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves once nothing is left to send (every message sent or given up). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    // Rows may have been written without a nudge (another process, a direct enqueue): read the outbox again first.
    this.nudge();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): { queued: number; chats: number; sent: number; failed: number } {
    return { queued: this.queued(), chats: this.queues.size, sent: this.sent, failed: this.failed };
  }

  private queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private async run(): Promise<void> {
    const { now, pollMs, logger } = this.deps;
    while (this.running) {
      // Only those who asked before this read of the outbox learn that it is empty.
      let asked: (() => void)[] = [];
      try {
        asked = this.dirty ? this.idleWaiters.splice(0) : [];
        if (this.dirty) await this.reload();
        const next = this.pick();
        if (!next) {
          for (const w of asked.splice(0)) w();
          if (this.idleWaiters.length > 0) {
            this.dirty = true; // asked while the outbox was being read: read it again for them now
            continue;
          }
          await this.sleep(pollMs, true);
          this.dirty = true; // the poll: rows other processes wrote reach this sender within pollMs
          continue;
        }
        this.idleWaiters.unshift(...asked.splice(0));
        if (this.deps.paused?.()) {
          await this.sleep(pollMs, true);
          continue;
        }
        const wait = next.at - now();
        if (wait > 0) {
          await this.sleep(Math.min(wait, pollMs), true);
          continue;
        }
        const jitter = Math.floor(this.deps.random() * this.deps.budget.limits.jitterMs);
        if (jitter > 0) await this.sleep(jitter, false);
        if (!this.running) break;
        await this.sendOne(next.message);
      } catch (err) {
        this.idleWaiters.unshift(...asked);
        this.dirty = true;
        logger.error({ err }, "wechat: outbox sender failed; retrying");
        await this.sleep(pollMs, true);
      }
    }
  }

  private async reload(): Promise<void> {
    this.dirty = false;
    for (const m of await this.deps.outbox.pending(500)) {
      if (this.known.has(m.id)) continue;
      this.known.add(m.id);
      const q = this.queues.get(m.chatId) ?? [];
      q.push(m);
      q.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      this.queues.set(m.chatId, q);
    }
  }

  /** The chat whose oldest message may go first, and when. */
  private pick(): { message: OutboxMessage; at: number } | null {
    const { budget, now } = this.deps;
    const t = now();
    let best: { message: OutboxMessage; at: number } | null = null;
    for (const q of this.queues.values()) {
      const m = q[0]!;
      const at = Math.max(m.nextAttemptAt, budget.earliest(m.chatId, m.room, t));
      if (!best || at < best.at || (at === best.at && BigInt(m.id) < BigInt(best.message.id)))
        best = { message: m, at };
    }
    return best;
  }

  private async sendOne(m: OutboxMessage): Promise<void> {
    const { budget, outbox, now, logger, maxAttempts, backoffMs } = this.deps;
    const startedAt = now();
    budget.record(m.chatId, m.room, startedAt);
    try {
      await this.deps.send(m.chatId, m.room, m.text);
    } catch (err) {
      const attempts = m.attempts + 1;
      const dead = attempts >= maxAttempts;
      const error = err instanceof Error ? err.message : String(err);
      const nextAttemptAt = dead ? now() : now() + backoffMs(attempts);
      await outbox.markFailed(m.id, { attempts, nextAttemptAt: new Date(nextAttemptAt), error, dead });
      this.failed++;
      if (dead) {
        this.done(m);
        logger.error({ chatId: m.chatId, room: m.room, attempts, error }, "wechat: message given up");
        this.deps.onDead?.({ id: m.id, chatId: m.chatId, room: m.room, attempts, error });
      } else {
        m.attempts = attempts;
        m.nextAttemptAt = nextAttemptAt;
        logger.warn({ chatId: m.chatId, attempts, error }, "wechat: send failed; will retry");
      }
      return;
    }
    await outbox.markSent(m.id, new Date(startedAt));
    this.sent++;
    this.done(m);
  }

  private done(m: OutboxMessage): void {
    const q = this.queues.get(m.chatId);
    if (!q) return;
    q.shift();
    if (q.length === 0) this.queues.delete(m.chatId);
    this.known.delete(m.id);
  }

  /** Waits `ms`; a nudge or stop ends the wait early when `wakeable`. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      if (wakeable) this.wake = done;
    }).finally(() => {
      if (wakeable) this.wake = undefined;
    });
  }
}
