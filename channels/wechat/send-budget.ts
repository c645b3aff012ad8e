/**
 * WeChat's outbound limits, as sliding windows over the moments sends START (a send that fails may
 * still have reached WeChat, so it counts):
 * - per contact: at least `contactIntervalMs` between two messages to one private chat;
 * - per room: at least `roomIntervalMs` between two messages to one room, and `roomPerMinute` in any window;
 * - overall: at most `perMinute` messages in any window, every chat together.
 * The sender (outbox-sender.ts) asks `earliest()` for each chat's next message, sends the one that may
 * go first, and adds a random wait of up to `jitterMs` on top (jitter only ever delays).
 *
 * Why not rate-limiter-flexible (the API's limiter): its windows are fixed — a key's window starts at
 * its first hit and resets whole — so N at the end of one window and N at the start of the next pass
 * (2N inside one minute); and a sender choosing among many chats needs "when may this one go" for each
 * without consuming. Sliding logs of recent start times answer both and are seeded from the outbox at
 * start, so a restart does not reset the budget.
 */
export interface SendLimits {
  contactIntervalMs: number;
  roomIntervalMs: number;
  roomPerMinute: number;
  perMinute: number;
  jitterMs: number;
  /** The budgets' window (60 s; shorter in tests). */
  windowMs: number;
  /** Added to every interval and window, so the limits hold as WeChat sees them too (transport delays). */
  marginMs: number;
}

export const WECHAT_LIMITS: SendLimits = {
  contactIntervalMs: 2000,
  roomIntervalMs: 3000,
  roomPerMinute: 10,
  perMinute: 20,
  jitterMs: 1500,
  windowMs: 60_000,
  marginMs: 50,
};

export class SendBudget {
  readonly limits: SendLimits;
  private readonly last = new Map<string, number>();
  private readonly roomLogs = new Map<string, number[]>();
  private readonly log: number[] = [];

  constructor(limits: Partial<SendLimits> = {}) {
    this.limits = { ...WECHAT_LIMITS, ...limits };
  }

  /** The earliest moment (ms, same clock as `record`) a message to this chat may start. */
  earliest(chatId: string, room: boolean, now: number): number {
    const { contactIntervalMs, roomIntervalMs, roomPerMinute, perMinute, marginMs } = this.limits;
    const windowMs = this.limits.windowMs + marginMs;
    this.forget(now);
    let t = now;
    const last = this.last.get(chatId);
    if (last !== undefined) t = Math.max(t, last + (room ? roomIntervalMs : contactIntervalMs) + marginMs);
    const roomLog = room ? this.roomLogs.get(chatId) : undefined;
    if (roomLog && roomLog.length >= roomPerMinute)
      t = Math.max(t, roomLog[roomLog.length - roomPerMinute]! + windowMs);
    if (this.log.length >= perMinute) t = Math.max(t, this.log[this.log.length - perMinute]! + windowMs);
    return t;
  }

  /** A send to this chat started at `at`. */
  record(chatId: string, room: boolean, at: number): void {
    this.last.set(chatId, Math.max(at, this.last.get(chatId) ?? -Infinity));
    insertSorted(this.log, at);
    if (room) {
      const list = this.roomLogs.get(chatId) ?? [];
      insertSorted(list, at);
      this.roomLogs.set(chatId, list);
    }
  }

  /** Drops what no longer limits anything. */
  private forget(now: number): void {
    const { windowMs, contactIntervalMs, roomIntervalMs } = this.limits;
    while (this.log.length && this.log[0]! + windowMs <= now) this.log.shift();
    if (this.last.size > 1000) {
      const keep = Math.max(contactIntervalMs, roomIntervalMs);
      for (const [k, t] of this.last) if (t + keep <= now) this.last.delete(k);
      for (const [k, list] of this.roomLogs) {
        while (list.length && list[0]! + windowMs <= now) list.shift();
        if (list.length === 0) this.roomLogs.delete(k);
      }
    }
  }
}

function insertSorted(list: number[], at: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1]! > at) i--;
  list.splice(i, 0, at);
}

/** Checks recorded send start times against the limits (tests and the benchmark). */
export function countBudgetViolations(
  sends: { chatId: string; room: boolean; at: number }[],
  limits: Omit<SendLimits, "jitterMs" | "marginMs">,
): { contact: number; room: number; global: number; total: number } {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  let contact = 0;
  let room = 0;
  let global = 0;
  for (let i = limits.perMinute; i < sorted.length; i++)
    if (sorted[i]!.at - sorted[i - limits.perMinute]!.at < limits.windowMs) global++;
  const byChat = new Map<string, { room: boolean; times: number[] }>();
  for (const s of sorted) {
    const c = byChat.get(s.chatId) ?? { room: s.room, times: [] };
    c.times.push(s.at);
    byChat.set(s.chatId, c);
  }
  for (const { room: isRoom, times } of byChat.values()) {
    const gap = isRoom ? limits.roomIntervalMs : limits.contactIntervalMs;
    for (let i = 1; i < times.length; i++) {
      if (times[i]! - times[i - 1]! >= gap) continue;
      if (isRoom) room++;
      else contact++;
    }
    if (isRoom)
      for (let i = limits.roomPerMinute; i < times.length; i++)
        if (times[i]! - times[i - limits.roomPerMinute]! < limits.windowMs) room++;
  }
  return { contact, room, global, total: contact + room + global };
}
