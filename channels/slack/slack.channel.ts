import { App, isValidSlackRequest, LogLevel, webApi, type Receiver, type RespondArguments } from "@slack/bolt";
import { Hono, type Context } from "hono";
import { errorJson } from "../http/errors.ts";
import {
  safeForChat,
  type ChannelCapabilities,
  type InboundTurn,
  type Reply,
  type TurnHandler,
} from "../../bots/turn.ts";
import { renderForSlack, type SlackMessage } from "./block-kit.ts";
import { createHttpFetch } from "./http-fetch.ts";
import { createPostPacer, type PostPacerOptions } from "./post-pacer.ts";
import { throttledProgress } from "../../bots/progress.ts";
import { slackFileInput, type SlackFileInfo } from "./slack-files.ts";
import {
  actionToTurn,
  blockActionsSchema,
  commandToTurn,
  eventEnvelopeSchema,
  fileShareEventSchema,
  parseSlackRequest,
  slashCommandSchema,
  urlVerificationSchema,
} from "./slack-request.ts";

export interface SlackLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SlackChannelDeps {
  signingSecret: string;
  botToken: string;
  /** Web API base, e.g. `https://slack.com/api/` (GovSlack, or a local fake in tests). */
  apiUrl?: string;
  handler: TurnHandler;
  /** Records a delivery id; false when it was seen before (a retried or replayed request). */
  dedupe(id: string): Promise<boolean>;
  logger: SlackLogger;
  /** Milliseconds since the epoch (the signature's 5-minute window). */
  now?: () => number;
  /** Posts per channel: ≈1/s with a short burst by default (Slack's rule). */
  pacing?: PostPacerOptions;
  /** Downloads of shared files (tests fake Slack's file host here). Default: the global fetch. */
  fetch?: typeof fetch;
  /** The Web API client's HTTP requests. Default: node:http with kept-alive sockets (http-fetch.ts). */
  webApiFetch?: typeof fetch;
  /** Largest shared file downloaded, in bytes (default 20 MB). */
  maxFileBytes?: number;
  /** Least time between two edits of a progress message. Default 1000 ms. */
  progressIntervalMs?: number;
  /**
   * How long a slash command's answer may take to travel in the ack itself (Slack waits 3 s for it).
   * Default 2000 ms; a slower answer is acked empty at this point and posted when ready.
   */
  ackBudgetMs?: number;
}

export interface SlackChannel {
  /**
   * `POST /commands` (slash commands), `POST /interactivity` (buttons) and `POST /events` (the Events API:
   * files shared in a channel); mount under `/slack`.
   */
  routes: Hono;
  capabilities: ChannelCapabilities;
  /**
   * Posts replies to a channel unprompted (the staff alerts), paced like every post; `codes` replies are
   * never rendered. Resolves once posted; a failed post rejects (the caller retries).
   */
  send(channelId: string, replies: Reply[]): Promise<void>;
  /** Resolves once every request accepted so far has been answered in Slack (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Slack refuses requests whose timestamp is more than 5 minutes off (replays). */
const WINDOW_S = 5 * 60;
const FAILED = "出错了，请稍后再试。/ Something went wrong, please try again.";

/**
 * The staff console in Slack. Bolt runs behind a receiver of our own: the Hono routes verify the v0
 * signature (and the 5-minute window) on the raw body, check the payload, then hand it to
 * `app.processEvent`; the HTTP response is sent on ack. A slash command's answer, when ready within
 * `ackBudgetMs`, is the ack's body (Slack shows it in the channel: no Web API call, and no place in the
 * channel's ≈1 post/s); a slower one, or one that shows progress, is acked empty and posted when ready.
 * Buttons and files ack at once. Posts go out with `chat.postMessage` (`chat.update` for an edit of the
 * message whose button was pressed), paced per channel (post-pacer.ts); the Web client retries on 429
 * after `Retry-After`.
 */
export function createSlackChannel(deps: SlackChannelDeps): SlackChannel {
  const now = deps.now ?? Date.now;
  const receiver: Receiver = { init: () => undefined, start: async () => undefined, stop: async () => undefined };
  const clientOptions = {
    ...(deps.apiUrl ? { slackApiUrl: deps.apiUrl } : {}),
    logLevel: webApi.LogLevel.ERROR,
    // Every reply is a Web API call: undici's fetch costs about twice the CPU of the call on node:http.
    fetch: deps.webApiFetch ?? createHttpFetch(),
  };
  const app = new App({
    receiver,
    // No auth.test: Bolt would call it before every ack (with token verification off) or once at start
    // (failing for good when Slack is unreachable then). Replies go through `client` below, whose token
    // the first post checks. We receive no message events, so there is no "own message" to ignore.
    authorize: async () => ({}),
    ignoreSelf: false,
    // No conversation store: nothing reads `context.conversation`, and Bolt's in-memory default costs every
    // request a rejected lookup (a new Error with its stack trace) for a conversation never stored.
    convoStore: false,
    logLevel: LogLevel.ERROR,
    clientOptions,
  });
  // The bot token travels in the Authorization header; 429s are waited out (`Retry-After`) and retried.
  const client = new webApi.WebClient(deps.botToken, clientOptions);
  const pace = createPostPacer(deps.pacing);
  const inFlight = new Set<Promise<unknown>>();

  async function post(turn: InboundTurn, m: SlackMessage): Promise<void> {
    const channel = turn.chat.id;
    const ts = turn.input.kind === "button" ? turn.input.messageId : undefined;
    if (m.ephemeral) {
      await client.chat.postEphemeral({
        channel,
        user: turn.from.externalId,
        text: m.text,
        blocks: m.blocks,
      });
      return;
    }
    if (m.edit && ts) {
      try {
        await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
        return;
      } catch (err) {
        deps.logger.warn({ err, channel }, "slack: chat.update failed; posting instead");
      }
    }
    await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
  }

  /** A progress message in the turn's channel: chat.postMessage (paced), then chat.update (throttled). */
  const progressIn = (channel: string) => () =>
    throttledProgress(
      {
        post: async (text) =>
          (await pace(channel, () => client.chat.postMessage({ channel, text, blocks: progressBlocks(text) }))).ts ??
          null,
        edit: async (ts, text) => {
          await client.chat.update({ channel, ts, text, blocks: progressBlocks(text) });
        },
        onError: (err) => deps.logger.warn({ err, channel }, "slack: progress message failed"),
      },
      { intervalMs: deps.progressIntervalMs ?? 1_000 },
    );

  /**
   * Runs the bot on a turn and shows its answer: the first message in the ack when `ack` is given and
   * not yet called (see `inAck`), the rest posted.
   */
  async function answer(turn: InboundTurn, opts: { deduped?: boolean; ack?: InAck } = {}): Promise<void> {
    const ack = opts.ack;
    if (!opts.deduped && !(await deps.dedupe(turn.id))) return void (await ack?.release());
    const progress = progressIn(turn.chat.id);
    let messages: SlackMessage[];
    try {
      const replies = await deps.handler({
        ...turn,
        // A progress message is posted: the answer must come after it, so it cannot ride in the ack.
        progress: () => {
          void ack?.release();
          return progress();
        },
      });
      const rendered = renderForSlack(safeForChat(replies, turn.chat));
      for (const note of rendered.notes) deps.logger.warn({ turnId: turn.id }, note.msg);
      messages = rendered.messages;
    } catch (err) {
      deps.logger.error({ err, turnId: turn.id }, "slack: the bot failed");
      messages = [{ text: FAILED, blocks: [{ type: "section", text: { type: "mrkdwn", text: FAILED } }] }];
    }
    if (ack && (await ack.answer(messages[0]))) messages = messages.slice(1);
    for (const m of messages) {
      try {
        await pace(turn.chat.id, () => post(turn, m));
      } catch (err) {
        deps.logger.error({ err, channel: turn.chat.id }, "slack: posting a reply failed");
      }
    }
  }

  app.command(/.*/, async ({ body, ack }) => {
    const inAck = ackWithin(ack, deps.ackBudgetMs ?? 2_000);
    try {
      await answer(commandToTurn(slashCommandSchema.parse(body)), { ack: inAck });
    } finally {
      await inAck.release();
    }
  });
  app.action(/^km:/, async ({ body, ack }) => {
    await ack();
    const turn = actionToTurn(blockActionsSchema.parse(body));
    if (turn) await answer(turn);
  });
  // A file shared in a channel (the message's text is its caption, e.g. `import CARD-100`): files.info
  // and the download happen only when the bot reads it.
  app.event("message", async ({ body }) => {
    const parsed = fileShareEventSchema.safeParse(body);
    if (!parsed.success) return;
    const { event, event_id } = parsed.data;
    // A retried delivery is dropped before files.info.
    if (!(await deps.dedupe(event_id))) return;
    const file = await slackFileInput(
      {
        info: async (fileId) => (await client.files.info({ file: fileId })).file as SlackFileInfo,
        botToken: deps.botToken,
        fetch: deps.fetch ?? fetch,
        maxBytes: deps.maxFileBytes ?? 20 * 1024 * 1024,
        timeoutMs: 60_000,
      },
      event.files[0]!.id,
      event.text.trim(),
    );
    await answer(
      {
        id: event_id,
        channel: "slack",
        chat: { id: event.channel, kind: "group" },
        from: { externalId: event.user, displayName: event.user },
        input: file,
      },
      { deduped: true },
    );
  });
  app.error(async (err) => deps.logger.error({ err }, "slack: a listener failed"));

  function verified(raw: string, signature: string | undefined, timestamp: string | undefined): boolean {
    if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
    if (Math.abs(Math.floor(now() / 1000) - Number(timestamp)) > WINDOW_S) return false;
    return isValidSlackRequest({
      signingSecret: deps.signingSecret,
      body: raw,
      headers: { "x-slack-signature": signature, "x-slack-request-timestamp": Number(timestamp) },
      nowMilliseconds: now(),
    });
  }

  /**
   * Hands a checked body to Bolt and answers Slack once a listener acks (or Bolt is done without one):
   * the HTTP response leaves inside Slack's 3 seconds while the work goes on. A retried delivery carries
   * `X-Slack-Retry-Num` (Bolt's `retryNum`; our own dedupe answers it once).
   */
  async function dispatch(c: Context, body: Record<string, unknown>): Promise<Response> {
    const retry = Number(c.req.header("x-slack-retry-num") ?? "");
    let acked!: (response: unknown) => void;
    const ack = new Promise<unknown>((resolve) => (acked = resolve));
    const work = app
      .processEvent({
        body,
        ack: async (response?: unknown) => acked(response),
        ...(Number.isInteger(retry) && retry > 0 ? { retryNum: retry } : {}),
      })
      .catch((err: unknown) => deps.logger.error({ err }, "slack: processing failed"));
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    const response = await Promise.race([ack, work.then(() => undefined)]);
    return response && typeof response === "object" ? c.json(response) : c.body(null, 200);
  }

  const routes = new Hono();
  const receive = async (c: Context) => {
    const raw = await c.req.text();
    if (!verified(raw, c.req.header("x-slack-signature"), c.req.header("x-slack-request-timestamp")))
      return errorJson(c, 401, "invalid_signature", "the Slack request signature is missing, wrong or stale");
    const req = parseSlackRequest(raw);
    if (!req.ok) return errorJson(c, 400, "bad_request", req.error);
    return dispatch(c, req.bolt);
  };
  routes.post("/commands", receive);
  routes.post("/interactivity", receive);
  // The Events API: JSON bodies, signed like the rest. Bolt acknowledges events before its listeners run.
  routes.post("/events", async (c) => {
    const raw = await c.req.text();
    if (!verified(raw, c.req.header("x-slack-signature"), c.req.header("x-slack-request-timestamp")))
      return errorJson(c, 401, "invalid_signature", "the Slack request signature is missing, wrong or stale");
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return errorJson(c, 400, "bad_request", "body: is not JSON");
    }
    const challenge = urlVerificationSchema.safeParse(json);
    if (challenge.success) return c.json({ challenge: challenge.data.challenge });
    if (!eventEnvelopeSchema.safeParse(json).success) return errorJson(c, 400, "bad_request", "body: not an event");
    return dispatch(c, json as Record<string, unknown>);
  });

  return {
    routes,
    capabilities: { deepLink: () => null, starsInvoices: false, buttons: "native", files: true },
    async send(channelId, replies) {
      const rendered = renderForSlack(safeForChat(replies, { kind: "group" }));
      for (const note of rendered.notes) deps.logger.warn({ channel: channelId }, note.msg);
      for (const m of rendered.messages)
        await pace(channelId, () => client.chat.postMessage({ channel: channelId, text: m.text, blocks: m.blocks }));
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async stop() {
      await this.idle();
    },
  };
}

/**
 * A slash command's ack, said once: with the first message of the answer (`answer`, false when it came
 * too late: already acked empty), or empty (`release`). Acked empty anyway after `budgetMs`.
 */
interface InAck {
  answer(m: SlackMessage | undefined): Promise<boolean>;
  release(): Promise<void>;
}

function ackWithin(ack: (response?: RespondArguments) => Promise<void>, budgetMs: number): InAck {
  let said = false;
  const say = async (response?: RespondArguments) => {
    if (said) return false;
    said = true;
    clearTimeout(timer);
    await ack(response);
    return true;
  };
  const timer = setTimeout(() => void say(), budgetMs);
  return {
    answer: async (m) =>
      say(
        m && {
          response_type: m.ephemeral ? "ephemeral" : "in_channel",
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
        },
      ),
    release: async () => void (await say()),
  };
}

/** A progress text as one mrkdwn section (escaped like every reply). */
function progressBlocks(text: string) {
  return renderForSlack([{ kind: "text", body: [{ text }] }]).messages[0]!.blocks;
}
