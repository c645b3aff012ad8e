/**
 * Slack bench (issue 11 §8): signed Slack slash commands through the staff console as the service wires it —
 * the `v0` signature and 5-minute window, Bolt's `processEvent`, ack, the staff bot on the real core (its own
 * PostgreSQL database: staff lookup, audit row, an order lookup with its history and masked codes, the
 * replay dedupe), Block Kit, and the answer: in the ack's body when ready within the ack budget (as an
 * order look-up is), else `chat.postMessage` to a fake Slack Web API on a real localhost port.
 * The service side runs in its own process (bench/slack/server.ts) and takes the commands over HTTP, as
 * from Slack; this process is Slack: it signs and sends the commands and runs the fake Web API.
 *
 *   npx tsx bench/slack/run.ts [--seconds 10] [--concurrency 16] [--rate 300] [--orders 50] [--quiet]
 *
 * Two phases after a warm-up. Closed loop: `--concurrency` staff members send a command as soon as the last
 * one is answered, for `--seconds` → `slack_events_per_s` (commands answered per second: the reply in the ack
 * or received by the Web API; the most the console can do) and `slack_closed_p99_ms` (with 16 always waiting, Little's
 * law puts the mean near 16 ÷ throughput). Open loop: commands arrive at the goal's rate (`--rate`, 300/s)
 * on a fixed schedule whatever the answers, for `--seconds` → `slack_p99_ms` and `slack_p50_ms`, timed from
 * each command's scheduled send time (a late send counts against it: no coordinated omission), and
 * `slack_open_events_per_s`, what was answered at that rate; `slack_server_cpu_ms_per_cmd` (closed loop) and
 * `slack_open_server_cpu_ms_per_cmd` are the service process's CPU (user + system) per command. Slack's own ≈1 message/s per channel pacing is set
 * off here (in production it bounds posting to one channel, not processing). The last line is the JSON
 * `npm run bench` merges.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { signedInit, slashCommandBody } from "../../test/channels/slack/signed-requests.ts";
import { post } from "../load.ts";
import { SLACK_BENCH, type SlackBenchReady } from "./bench-slack-app.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: process.env.BENCH_SLACK_SECONDS ?? "10" },
    concurrency: { type: "string", default: "16" },
    rate: { type: "string", default: process.env.BENCH_SLACK_RATE ?? "300" },
    orders: { type: "string", default: "50" },
    quiet: { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const RATE = Number(args.rate);
const say = (...a: unknown[]) => {
  if (!args.quiet) console.error(...a);
};
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The Web API at its HTTP boundary: answers ok, hands each postMessage's order id to whoever waits for it. */
async function fakeWebApi(onPost: (orderId: string) => void) {
  let ts = 0;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const params = new URLSearchParams(raw);
      const id = UUID.exec(params.get("text") ?? "")?.[0];
      if (id && req.url?.includes("chat.postMessage")) onPost(id);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: true, channel: params.get("channel"), ts: `1764000000.${++ts}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function main() {
  const waiting = new Map<string, Array<() => void>>();
  const api = await fakeWebApi((orderId) => waiting.get(orderId)?.shift()?.());
  say(`starting the service side (bench/slack/server.ts) and placing ${args.orders} delivered orders to look up`);
  const child = fork(new URL("./server.ts", import.meta.url), [], {
    execArgv: ["--import", "tsx", ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [])],
    env: { ...process.env, SLACK_BENCH_API_URL: api.url, SLACK_BENCH_ORDERS: args.orders },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    const ready = await Promise.race([
      new Promise<SlackBenchReady>((r) => child.once("message", (m) => r(m as SlackBenchReady))),
      exited.then((code) => Promise.reject(new Error(`the service side exited (${code}) before it was ready`))),
    ]);
    const url = `http://127.0.0.1:${ready.port}/slack/commands`;
    /** The service process's CPU (user + system) so far, in ms. */
    const serverCpuMs = async () => {
      const reply = new Promise<NodeJS.CpuUsage>((r) => {
        const on = (m: unknown) => {
          if (typeof m === "object" && m !== null && "cpu" in m) {
            child.off("message", on);
            r((m as { cpu: NodeJS.CpuUsage }).cpu);
          }
        };
        child.on("message", on);
      });
      child.send("cpu");
      const { user, system } = await reply;
      return (user + system) / 1000;
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
    let seq = 0;
    /** One order look-up; resolves with the ms from `t0` (default: now) to its answer (in the ack, or at the Web API). */
    const one = async (t0 = performance.now()) => {
      const orderId = ready.orderIds[seq++ % ready.orderIds.length]!;
      let resolveReply!: () => void;
      const replied = new Promise<void>((resolve) => (resolveReply = resolve));
      const list = waiting.get(orderId) ?? [];
      list.push(resolveReply);
      waiting.set(orderId, list);
      const init = signedInit(
        SLACK_BENCH.secret,
        slashCommandBody({ userId: SLACK_BENCH.staff, channelId: SLACK_BENCH.channel, text: `order ${orderId}` }),
      );
      const res = await post(url, init.body as string, init.headers as Record<string, string>, agent);
      if (res.status !== 200) throw new Error(`slack answered ${res.status}`);
      // The answer in the ack itself (the console's usual way); else it is posted through the Web API.
      if (!res.body.includes(orderId)) await replied;
      else {
        // Not waited for: off the list, unless a post already took it.
        const at = list.indexOf(resolveReply);
        if (at >= 0) list.splice(at, 1);
      }
      return performance.now() - t0;
    };
    const closedLoop = async (until: number, into?: number[]) => {
      while (performance.now() < until) {
        const ms = await one();
        into?.push(ms);
      }
    };
    const pct = (sorted: number[], p: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 10) / 10;

    say(`warming up`);
    await Promise.all(Array.from({ length: CONCURRENCY }, () => closedLoop(performance.now() + 2_000)));
    say(`closed loop: ${CONCURRENCY} concurrent staff commands for ${SECONDS} s`);
    const closed: number[] = [];
    const closedCpu0 = await serverCpuMs();
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => closedLoop(start + SECONDS * 1000, closed)));
    const elapsed = (performance.now() - start) / 1000;
    const closedCpu = (await serverCpuMs()) - closedCpu0;
    closed.sort((a, b) => a - b);

    say(`open loop: ${RATE} commands/s for ${SECONDS} s`);
    const open: Array<Promise<number>> = [];
    const openCpu0 = await serverCpuMs();
    const openStart = performance.now();
    const total = Math.round(RATE * SECONDS);
    for (let i = 0; i < total; i++) {
      const due = openStart + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      open.push(one(due));
    }
    const openMs = (await Promise.all(open)).sort((a, b) => a - b);
    const openElapsed = (performance.now() - openStart) / 1000;
    const openCpu = (await serverCpuMs()) - openCpu0;
    const perCommand = (ms: number, n: number) => Math.round((ms / Math.max(1, n)) * 1000) / 1000;
    const result = {
      slack_events_per_s: Math.round((closed.length / elapsed) * 10) / 10,
      slack_closed_p99_ms: pct(closed, 0.99),
      slack_rate: RATE,
      slack_open_events_per_s: Math.round((openMs.length / openElapsed) * 10) / 10,
      slack_p50_ms: pct(openMs, 0.5),
      slack_p99_ms: pct(openMs, 0.99),
      slack_events: closed.length + openMs.length,
      // The service process's CPU per command (user + system): what the goal's rate costs it, less noisy
      // than the latencies on a shared machine.
      slack_server_cpu_ms_per_cmd: perCommand(closedCpu, closed.length),
      slack_open_server_cpu_ms_per_cmd: perCommand(openCpu, openMs.length),
    };
    say(result);
    console.log(JSON.stringify(result));
    agent.destroy();
  } finally {
    child.send("stop");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    child.kill();
    await api.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
