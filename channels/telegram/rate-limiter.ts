import type { Transformer } from "grammy";

/**
 * Outbound limits of the Bot API, enforced as sliding windows over the moments calls START:
 * - per chat: at most one call every `perChatIntervalMs` (≈1 msg/s), one at a time, in FIFO order;
 * - per group chat (negative or `@name` chat ids): at most `groupMax` calls in any `groupWindowMs` (20/min);
 * - overall: at most `globalMax` calls in any `globalWindowMs` (≈30/s).
 * A 429 answer pauses that chat for its `retry_after`.
 *
 * Why not @grammyjs/transformer-throttler: it builds on Bottleneck reservoirs that refill in fixed windows
 * (30 per second, 20 per minute), which lets a burst at the end of one window and another at the start of
 * the next through (up to 2× the limit inside one second or minute), and Bottleneck has been unmaintained
 * since 2019. This scheduler is one heap and three logs, and the benchmark verifies it against sliding
 * windows measured at the fake Bot API. 429 retries are left to @grammyjs/auto-retry installed OUTSIDE this
 * transformer, so every retry is scheduled (and counted) here again.
 */
export interface RateLimits {
  perChatIntervalMs: number;
  globalMax: number;
  globalWindowMs: number;
  groupMax: number;
  groupWindowMs: number;
  /** Added to every interval and window, so the limits hold as seen by the server too (network jitter). */
  marginMs: number;
}

export const TELEGRAM_LIMITS: RateLimits = {
  perChatIntervalMs: 1000,
  globalMax: 30,
  globalWindowMs: 1000,
  groupMax: 20,
  groupWindowMs: 60_000,
  marginMs: 40,
};

/** Methods that carry a `chat_id` but send nothing a user sees; they bypass the limits. */
const UNLIMITED = new Set(["getChat", "getChatMember", "getChatAdministrators", "getChatMemberCount", "leaveChat"]);

interface Job {
  run: () => void;
}

interface ChatLane {
  key: string;
  group: boolean;
  queue: Job[];
  busy: boolean;
  lastStart: number;
  /** Not before this moment (a 429 pause). */
  pausedUntil: number;
  /** Recent starts (groups only), oldest first. */
  starts: number[];
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
  readyAt: number;
  seq: number;
}

export interface RateLimiterStats {
  queued: number;
  chats: number;
  started: number;
  paused429: number;
}

export class RateLimiter {
  readonly limits: RateLimits;
  private readonly now: () => number;
  private readonly lanes = new Map<string, ChatLane>();
  private readonly heap: ChatLane[] = [];
  private readonly globalStarts: number[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private seq = 0;
  private lastSweep = 0;
  private queued = 0;
  private started = 0;
  private paused429 = 0;

  constructor(limits: Partial<RateLimits> = {}, now: () => number = () => performance.now()) {
    this.limits = { ...TELEGRAM_LIMITS, ...limits };
    this.now = now;
  }

  /** The grammY API transformer: every call with a `chat_id` waits for its turn. */
  transformer(): Transformer {
    return (prev, method, payload, signal) => {
      const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
      if (chatId === undefined || UNLIMITED.has(method)) return prev(method, payload, signal);
      return this.schedule(String(chatId), async () => {
        const res = await prev(method, payload, signal);
        const wait = res.ok ? undefined : res.parameters?.retry_after;
        if (typeof wait === "number") this.pause(String(chatId), wait * 1000);
        return res;
      });
    };
  }

  /** Runs `fn` when the limits allow a call to `chatId`. */
  schedule<T>(chatId: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lane = this.lane(chatId);
      lane.queue.push({
        run: () => {
          fn()
            .then(resolve, reject)
            .finally(() => {
              lane.busy = false;
              this.requeue(lane);
              this.dispatch();
            });
        },
      });
      this.queued++;
      this.requeue(lane);
      this.dispatch();
      this.sweep();
    });
  }

  /** Forgets idle lanes whose limits no longer matter (keeps the map as small as the active chats). */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const lane of this.lanes.values()) if (!lane.busy && lane.queue.length === 0) this.requeue(lane);
  }

  /** Telegram said 429: nothing more to this chat until the wait is over. */
  pause(chatId: string, ms: number): void {
    const lane = this.lane(chatId);
    lane.pausedUntil = Math.max(lane.pausedUntil, this.now() + ms + this.limits.marginMs);
    this.paused429++;
    this.requeue(lane);
    this.dispatch();
  }

  stats(): RateLimiterStats {
    return { queued: this.queued, chats: this.lanes.size, started: this.started, paused429: this.paused429 };
  }

  private lane(key: string): ChatLane {
    let lane = this.lanes.get(key);
    if (!lane) {
      const n = Number(key);
      lane = {
        key,
        group: !(Number.isFinite(n) && n > 0),
        queue: [],
        busy: false,
        lastStart: -Infinity,
        pausedUntil: -Infinity,
        starts: [],
        heapIndex: -1,
        readyAt: 0,
        seq: 0,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Earliest moment this lane's head may start, ignoring the global window. */
  private readyAt(lane: ChatLane): number {
    const { perChatIntervalMs, groupMax, groupWindowMs, marginMs } = this.limits;
    let t = Math.max(lane.lastStart + perChatIntervalMs + marginMs, lane.pausedUntil);
    if (lane.group && lane.starts.length >= groupMax) {
      t = Math.max(t, lane.starts[lane.starts.length - groupMax]! + groupWindowMs + marginMs);
    }
    return t;
  }

  /** Puts the lane in the heap when it has work and may start; forgets idle lanes. */
  private requeue(lane: ChatLane): void {
    if (lane.heapIndex >= 0) this.heapRemove(lane);
    if (lane.busy) return;
    if (lane.queue.length === 0) {
      const now = this.now();
      const groupIdle =
        !lane.group ||
        lane.starts.length === 0 ||
        lane.starts[lane.starts.length - 1]! + this.limits.groupWindowMs + this.limits.marginMs <= now;
      if (this.readyAt(lane) <= now && groupIdle) this.lanes.delete(lane.key);
      return;
    }
    lane.readyAt = this.readyAt(lane);
    lane.seq = ++this.seq;
    this.heapPush(lane);
  }

  private dispatch(): void {
    const { globalMax, globalWindowMs, marginMs } = this.limits;
    for (;;) {
      const head = this.heap[0];
      if (!head) return this.arm(Infinity);
      const now = this.now();
      while (this.globalStarts.length && this.globalStarts[0]! + globalWindowMs + marginMs <= now)
        this.globalStarts.shift();
      let at = head.readyAt;
      if (this.globalStarts.length >= globalMax) {
        at = Math.max(at, this.globalStarts[this.globalStarts.length - globalMax]! + globalWindowMs + marginMs);
      }
      if (at > now) return this.arm(at);
      this.heapRemove(head);
      const job = head.queue.shift()!;
      this.queued--;
      this.started++;
      head.busy = true;
      head.lastStart = now;
      if (head.group) {
        head.starts.push(now);
        if (head.starts.length > this.limits.groupMax) head.starts.shift();
      }
      this.globalStarts.push(now);
      job.run();
    }
  }

  private arm(at: number): void {
    if (at === Infinity) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.dispatch();
      },
      Math.max(0, Math.ceil(at - this.now())),
    );
  }

  // A binary min-heap on (readyAt, seq): the lane whose head may start first, FIFO among equals.
  private less(a: ChatLane, b: ChatLane): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  private heapPush(lane: ChatLane): void {
    lane.heapIndex = this.heap.length;
    this.heap.push(lane);
    this.siftUp(lane.heapIndex);
  }

  private heapRemove(lane: ChatLane): void {
    const i = lane.heapIndex;
    const last = this.heap.pop()!;
    lane.heapIndex = -1;
    if (last === lane) return;
    this.heap[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }
}

/** Checks recorded send times against the limits (used by tests and the benchmark). */
export function countRateLimitViolations(
  sends: { chatId: string; at: number }[],
  limits: Pick<RateLimits, "perChatIntervalMs" | "globalMax" | "globalWindowMs" | "groupMax" | "groupWindowMs">,
): { perChat: number; global: number; group: number; total: number } {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  let perChat = 0;
  let global = 0;
  let group = 0;
  for (let i = limits.globalMax; i < sorted.length; i++) {
    if (sorted[i]!.at - sorted[i - limits.globalMax]!.at < limits.globalWindowMs) global++;
  }
  const byChat = new Map<string, number[]>();
  for (const s of sorted) {
    const list = byChat.get(s.chatId) ?? [];
    list.push(s.at);
    byChat.set(s.chatId, list);
  }
  for (const [chatId, times] of byChat) {
    for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! < limits.perChatIntervalMs) perChat++;
    const n = Number(chatId);
    if (!(Number.isFinite(n) && n > 0)) {
      for (let i = limits.groupMax; i < times.length; i++)
        if (times[i]! - times[i - limits.groupMax]! < limits.groupWindowMs) group++;
    }
  }
  return { perChat, global, group, total: perChat + global + group };
}
