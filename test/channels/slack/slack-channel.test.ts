import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { InboundTurn, Reply } from "../../../bots/turn.ts";
import { createSlackChannel } from "../../../channels/slack/index.ts";
import { serveFakeSlackApi, shown, type FakeSlackApi } from "./fake-slack-api.ts";
import { blockActionBody, signedInit, slashCommandBody } from "./signed-requests.ts";

/** The channel alone (no shop): acking before the bot answers, failures, the turns it builds. */
const SECRET = "abcdefabcdefabcdefabcdefabcdef01";
let api: FakeSlackApi;
beforeAll(async () => void (api = await serveFakeSlackApi()));
afterAll(async () => api.close());
beforeEach(() => void api.calls.splice(0));

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
function channel(handler: (turn: InboundTurn) => Promise<Reply[]>, ackBudgetMs?: number) {
  const seen = new Set<string>();
  return createSlackChannel({
    signingSecret: SECRET,
    botToken: "xoxb-1-2-abcdefghijkl",
    apiUrl: api.url,
    handler,
    dedupe: async (id) => !seen.has(id) && Boolean(seen.add(id)),
    logger: quiet,
    ...(ackBudgetMs !== undefined ? { ackBudgetMs } : {}),
  });
}
const command = (text: string) => slashCommandBody({ userId: "U0ANN0001", channelId: "C0OPS0001", text });

describe("the Slack channel", () => {
  it("answers a slash command in its ack when the answer is ready in time; the rest is posted", async () => {
    const ch = channel(async () => [
      { kind: "text", body: [{ text: "pong" }] },
      { kind: "text", body: [{ text: "and more" }] },
    ]);
    const res = await ch.routes.request("/commands", signedInit(SECRET, command("ping")));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const acked = (await res.json()) as { response_type: string; text: string; blocks: unknown[] };
    expect(acked).toMatchObject({ response_type: "in_channel", text: "pong" });
    expect(acked.blocks).toEqual([{ type: "section", text: { type: "mrkdwn", text: "pong" } }]);
    await ch.idle();
    expect(api.calls.map((c) => [c.method, shown(c)])).toEqual([["chat.postMessage", "and more"]]);
  });

  it("acks an ephemeral answer as ephemeral, and a command showing progress empty (the answer follows it)", async () => {
    const eph = channel(async () => [{ kind: "toast", text: "only you" }]);
    const res = await eph.routes.request("/commands", signedInit(SECRET, command("whoami")));
    expect(await res.json()).toMatchObject({ response_type: "ephemeral", text: "only you" });

    const slow = channel(async (turn) => {
      const p = turn.progress!();
      await p.update("working…");
      await p.update("done: 3 lines", { done: true });
      return [{ kind: "text", body: [{ text: "imported" }] }];
    });
    const res2 = await slow.routes.request("/commands", signedInit(SECRET, command("import")));
    expect(await res2.text()).toBe("");
    await slow.idle();
    expect(api.calls.map((c) => [c.method, shown(c)])).toEqual([
      ["chat.postMessage", "working…"],
      ["chat.update", "done: 3 lines"],
      ["chat.postMessage", "imported"],
    ]);
  });

  it("acks (an empty 200) when the answer takes longer than the ack budget, then posts it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const turns: InboundTurn[] = [];
    const ch = channel(async (turn) => {
      turns.push(turn);
      await gate;
      return [{ kind: "text", body: [{ text: "pong" }] }];
    }, 50);
    const body = slashCommandBody({ userId: "U0ANN0001", channelId: "C0OPS0001", text: "  order  abc " });
    const res = await ch.routes.request("/commands", signedInit(SECRET, body));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(api.calls).toEqual([]); // still thinking
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({
      channel: "slack",
      chat: { id: "C0OPS0001", kind: "group" },
      from: { externalId: "U0ANN0001" },
      input: { kind: "command", command: "km", payload: "order  abc" },
    });
    release();
    await ch.idle();
    expect(api.calls.map((c) => [c.method, c.params.channel, shown(c)])).toEqual([
      ["chat.postMessage", "C0OPS0001", "pong"],
    ]);
  });

  it("turns a button press into a button turn and edits the pressed message; falls back to a new one", async () => {
    const turns: InboundTurn[] = [];
    const ch = channel(async (turn) => {
      turns.push(turn);
      return [{ kind: "text", body: [{ text: "done" }], edit: true }];
    });
    const press = blockActionBody({ userId: "U0BOB0001", channelId: "C0OPS0001", value: "sa:a:x", messageTs: "17.1" });
    expect((await ch.routes.request("/interactivity", signedInit(SECRET, press))).status).toBe(200);
    await ch.idle();
    expect(turns[0]).toMatchObject({ input: { kind: "button", data: "sa:a:x", messageId: "17.1" } });
    expect(api.calls.map((c) => [c.method, c.params.ts])).toEqual([["chat.update", "17.1"]]);

    // The pressed message is gone: the answer is posted as a new message instead.
    api.calls.splice(0);
    api.failing.add("chat.update");
    try {
      const again = blockActionBody({
        userId: "U0BOB0001",
        channelId: "C0OPS0001",
        value: "sa:a:y",
        messageTs: "17.2",
      });
      await ch.routes.request("/interactivity", signedInit(SECRET, again));
      await ch.idle();
    } finally {
      api.failing.delete("chat.update");
    }
    expect(api.calls.map((c) => [c.method, shown(c)])).toEqual([
      ["chat.update", "done"],
      ["chat.postMessage", "done"],
    ]);
  });

  it("posts a clear failure when the bot throws, and answers a delivery only once", async () => {
    const ch = channel(async () => {
      throw new Error("database down");
    });
    const init = signedInit(SECRET, command("stock"));
    await api.recordAck(await ch.routes.request("/commands", init), "C0OPS0001");
    const replayed = await ch.routes.request("/commands", init);
    expect(await replayed.text()).toBe(""); // acked, answered nowhere
    await ch.idle();
    expect(api.calls.map((c) => [c.method, shown(c)])).toEqual([
      ["ack", "出错了，请稍后再试。/ Something went wrong, please try again."],
    ]);
  });

  it("waits out Slack's 429 (Retry-After) and posts the answer then, once", async () => {
    // Two messages: the first rides in the ack, the second is posted.
    const ch = channel(async () => [
      { kind: "text", body: [{ text: "first" }] },
      { kind: "text", body: [{ text: "after the limit" }] },
    ]);
    api.limited.set("chat.postMessage", 1);
    const started = Date.now();
    const body = slashCommandBody({ userId: "U0ANN0001", channelId: "C0OPS0001", text: "stock" });
    expect((await ch.routes.request("/commands", signedInit(SECRET, body))).status).toBe(200);
    await ch.idle();
    // The refused call and its retry, no sooner than `Retry-After: 1` said.
    expect(api.calls.map((c) => [c.method, shown(c)])).toEqual([
      ["chat.postMessage", "after the limit"],
      ["chat.postMessage", "after the limit"],
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(api.limited.get("chat.postMessage")).toBe(0);
  }, 15_000);
});
