/**
 * Slack allows about one message per second per channel, with short bursts. Each channel gets a token
 * bucket (`burst` tokens, one back every `intervalMs`); posts to one channel leave in order and wait for
 * a token, posts to different channels do not wait for each other. Over-limit calls Slack still
 * refuses (429) are retried by the Web API client after `Retry-After`.
 */
export interface PostPacerOptions {
  intervalMs?: number;
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type PostPacer = <T>(channel: string, post: () => Promise<T>) => Promise<T>;

export function createPostPacer(opts: PostPacerOptions = {}): PostPacer {
  const intervalMs = opts.intervalMs ?? 1000;
  const burst = opts.burst ?? 3;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const buckets = new Map<string, { tokens: number; at: number; tail: Promise<unknown> }>();

  return (channel, post) => {
    const b = buckets.get(channel) ?? { tokens: burst, at: now(), tail: Promise.resolve() };
    buckets.set(channel, b);
    const run = b.tail.then(async () => {
      const refill = Math.floor((now() - b.at) / intervalMs);
      if (refill > 0) {
        b.tokens = Math.min(burst, b.tokens + refill);
        b.at += refill * intervalMs;
      }
      if (b.tokens === 0) {
        const wait = b.at + intervalMs - now();
        await sleep(wait);
        b.at += intervalMs;
        b.tokens = 1;
      }
      if (b.tokens === burst) b.at = now();
      b.tokens -= 1;
      return post();
    });
    b.tail = run.catch(() => undefined);
    return run;
  };
}
