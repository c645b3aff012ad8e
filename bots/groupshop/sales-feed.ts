/**
 * How many sales lines a group gets (docs/distribution.md "Group shops"): at most `perWindow` in any
 * `windowMs` per group (default 5 a minute — a quarter of Telegram's 20 messages a minute per group, so
 * the window and command answers always have room). Sales beyond that are not posted one by one: they are
 * counted and the next line that goes out says "and N more". A count still open when the process stops,
 * or when no sale follows, is dropped — the feed is a mood, not a ledger. The channel's own limiter
 * (channels/telegram/rate-limiter.ts) still paces every message to the group.
 */
export interface FeedBudgetOptions {
  perWindow?: number;
  windowMs?: number;
  now: () => number;
}

export function feedBudget(opts: FeedBudgetOptions) {
  const perWindow = opts.perWindow ?? 5;
  const windowMs = opts.windowMs ?? 60_000;
  const groups = new Map<string, { starts: number[]; held: number }>();
  return {
    /** Whether this sale gets a line in `group` now, and how many held-back sales the line should mention. */
    take(group: string): { post: true; more: number } | { post: false } {
      const now = opts.now();
      let g = groups.get(group);
      if (!g) {
        if (groups.size >= 10_000) groups.clear();
        g = { starts: [], held: 0 };
        groups.set(group, g);
      }
      while (g.starts.length && g.starts[0]! + windowMs <= now) g.starts.shift();
      if (g.starts.length >= perWindow) {
        g.held++;
        return { post: false };
      }
      g.starts.push(now);
      const more = g.held;
      g.held = 0;
      return { post: true, more };
    },
  };
}
