import { z } from "zod";
import type { InboundTurn } from "../../bots/turn.ts";

/**
 * Slack's form-encoded request bodies, checked at the edge: a slash command (its fields form-encoded)
 * or an interaction (`payload=` a JSON document). Anything else is a clear 400, before Bolt sees it.
 */
const id = z.string().regex(/^[A-Z0-9]{2,32}$/, { message: "must be a Slack id like U0123ABCD" });

export const slashCommandSchema = z.object({
  command: z.string().regex(/^\/[\w-]{1,32}$/, { message: "must be a slash command like /km" }),
  text: z.string().max(4000).default(""),
  user_id: id,
  user_name: z.string().max(100).optional(),
  channel_id: id,
  team_id: id.optional(),
  trigger_id: z.string().min(1).max(200),
  response_url: z.string().url().optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const blockActionsSchema = z.object({
  type: z.literal("block_actions"),
  trigger_id: z.string().min(1).max(200),
  user: z.object({ id, username: z.string().max(100).optional(), name: z.string().max(100).optional() }),
  channel: z.object({ id }),
  container: z.object({ message_ts: z.string().max(40).optional() }).optional(),
  message: z.object({ ts: z.string().max(40) }).optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .min(1, { message: "must hold the pressed button" }),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** `bolt`: the whole decoded body as Slack sent it (what Bolt gets: the checked `body` drops unknown fields). */
export type SlackRequest =
  | { ok: true; kind: "command"; body: SlashCommand; bolt: Record<string, unknown> }
  | { ok: true; kind: "action"; body: BlockActions; bolt: Record<string, unknown> }
  | { ok: false; error: string };

const problem = (e: z.ZodError) => e.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");

/** A raw (already signature-checked) body → a slash command or a block action. */
export function parseSlackRequest(rawBody: string): SlackRequest {
  const form = Object.fromEntries(new URLSearchParams(rawBody));
  if ("payload" in form) {
    let json: unknown;
    try {
      json = JSON.parse(form.payload!);
    } catch {
      return { ok: false, error: "payload: is not JSON" };
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (type !== "block_actions") return { ok: false, error: `payload.type: ${JSON.stringify(type)} is not handled` };
    const parsed = blockActionsSchema.safeParse(json);
    return parsed.success
      ? { ok: true, kind: "action", body: parsed.data, bolt: json as Record<string, unknown> }
      : { ok: false, error: problem(parsed.error) };
  }
  if (!("command" in form)) return { ok: false, error: "body: neither a slash command nor an interaction payload" };
  const parsed = slashCommandSchema.safeParse(form);
  return parsed.success
    ? { ok: true, kind: "command", body: parsed.data, bolt: form }
    : { ok: false, error: problem(parsed.error) };
}

/**
 * Slack is only ever the staff console's channel: every chat is treated as a shared one (`group`), so
 * the never-codes-in-groups rule applies even in a direct message with the app.
 */
export function commandToTurn(c: SlashCommand): InboundTurn {
  return {
    id: c.trigger_id,
    channel: "slack",
    chat: { id: c.channel_id, kind: "group" },
    from: {
      externalId: c.user_id,
      displayName: c.user_name ?? c.user_id,
      ...(c.user_name ? { username: c.user_name } : {}),
    },
    input: { kind: "command", command: c.command.slice(1).toLowerCase(), payload: c.text.trim() },
  };
}

/** The pressed button's `value` (the `data` the bot rendered) → a button turn; null for URL buttons. */
export function actionToTurn(a: BlockActions): InboundTurn | null {
  const pressed = a.actions[0]!;
  if (pressed.value === undefined) return null;
  const messageId = a.container?.message_ts ?? a.message?.ts;
  const name = a.user.username ?? a.user.name;
  return {
    id: a.trigger_id,
    channel: "slack",
    chat: { id: a.channel.id, kind: "group" },
    from: { externalId: a.user.id, displayName: name ?? a.user.id, ...(name ? { username: name } : {}) },
    input: { kind: "button", data: pressed.value, ...(messageId ? { messageId } : {}) },
  };
}

/** The Events API's challenge when the Request URL is saved (answered with `challenge`, signature checked). */
export const urlVerificationSchema = z.object({ type: z.literal("url_verification"), challenge: z.string().max(200) });

/**
 * A `message` event that shares files (`subtype: file_share`): a file uploaded into a channel, with the
 * message text as its caption. Other events arrive in the same envelope and are acknowledged and ignored.
 */
export const fileShareEventSchema = z.object({
  type: z.literal("event_callback"),
  event_id: z.string().min(1).max(100),
  event: z.object({
    type: z.literal("message"),
    subtype: z.literal("file_share"),
    user: id,
    channel: id,
    text: z.string().max(40_000).default(""),
    files: z.array(z.object({ id: z.string().regex(/^F[A-Z0-9]{2,32}$/) })).min(1),
  }),
});
export type FileShareEvent = z.infer<typeof fileShareEventSchema>;

/** The envelope of any Events API request (for the 400 on something that is not one). */
export const eventEnvelopeSchema = z.object({ type: z.string().min(1).max(64) });
