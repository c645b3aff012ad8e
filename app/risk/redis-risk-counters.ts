import type { Redis } from "ioredis";
import type { CounterEvent, CounterReadings, RiskCounters, WindowReading } from "../../core/risk/index.ts";

/*
 * The risk counters on Redis (production): one sorted set per series, scored by time, members
 * `<event id>|<amount>|<member>`. One Lua script per call trims, adds and reads every series of an event
 * atomically (a window read for its count alone is a ZCOUNT, without scanning its entries) (Redis runs a script alone), so racing events each see a distinct count, whichever process
 * sent them. Keys expire after the longest window any rule reads.
 */

const RECORD = `
local now = tonumber(ARGV[1])
local retain = tonumber(ARGV[2])
local add = ARGV[3] == "1"
local out = {}
local a = 4
for i, key in ipairs(KEYS) do
  local member = ARGV[a]
  local nwin = tonumber(ARGV[a + 1])
  a = a + 2
  redis.call("ZREMRANGEBYSCORE", key, "-inf", now - retain)
  if add then
    redis.call("ZADD", key, now, member)
    redis.call("PEXPIRE", key, retain + 1000)
  end
  for w = 1, nwin do
    local win = tonumber(ARGV[a])
    local countOnly = ARGV[a + 1] == "1"
    a = a + 2
    if countOnly then
      -- O(log n): no rule wants this window's amount or members.
      table.insert(out, redis.call("ZCOUNT", key, "(" .. (now - win), now))
      table.insert(out, "")
      table.insert(out, -1)
    else
      local entries = redis.call("ZRANGEBYSCORE", key, "(" .. (now - win), now)
      local sum = 0
      local seen = {}
      local distinct = 0
      for _, e in ipairs(entries) do
        local p1 = string.find(e, "|", 1, true)
        local p2 = string.find(e, "|", p1 + 1, true)
        sum = sum + tonumber(string.sub(e, p1 + 1, p2 - 1))
        local m = string.sub(e, p2 + 1)
        if m ~= "" and not seen[m] then
          seen[m] = true
          distinct = distinct + 1
        end
      end
      table.insert(out, #entries)
      table.insert(out, tostring(sum))
      table.insert(out, distinct)
    end
  end
end
return out`;

type RiskRedis = Redis & { kamengRiskRecord(...args: Array<string | number>): Promise<unknown> };

export class RedisRiskCounters implements RiskCounters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ownsConnection = false,
  ) {
    if (!("kamengRiskRecord" in redis)) redis.defineCommand("kamengRiskRecord", { lua: RECORD });
  }

  record(input: CounterEvent): Promise<CounterReadings> {
    return this.run(input, true);
  }

  peek(input: CounterEvent): Promise<CounterReadings> {
    return this.run(input, false);
  }

  async forget(input: CounterEvent): Promise<void> {
    if (input.series.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const s of input.series) pipe.zrem(this.key(s.key), memberOf(input, s.member));
    await pipe.exec();
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => {});
  }

  private key(series: string): string {
    return `${this.prefix}:risk:${series}`;
  }

  private async run(input: CounterEvent, add: boolean): Promise<CounterReadings> {
    if (input.series.length === 0) return {};
    const args: Array<string | number> = [input.atMs, input.retainMs, add ? "1" : "0"];
    for (const s of input.series) {
      args.push(memberOf(input, s.member), s.windowsMs.length);
      for (const w of s.windowsMs) args.push(w, s.countOnlyMs?.includes(w) ? "1" : "0");
    }
    // EVALSHA (ioredis loads the script on first use): the script's text is not sent with every decision.
    const flat = (await (this.redis as RiskRedis).kamengRiskRecord(
      input.series.length,
      ...input.series.map((s) => this.key(s.key)),
      ...args,
    )) as Array<number | string>;
    const out: CounterReadings = {};
    let i = 0;
    for (const s of input.series) {
      const readings: Record<number, WindowReading> = {};
      for (const w of s.windowsMs) {
        const count = Number(flat[i]);
        readings[w] =
          Number(flat[i + 2]) < 0 ? { count } : { count, amount: Number(flat[i + 1]), distinct: Number(flat[i + 2]) };
        i += 3;
      }
      out[s.key] = readings;
    }
    return out;
  }
}

const memberOf = (e: CounterEvent, member: string | undefined) => `${e.eventId}|${e.amount}|${member ?? ""}`;
