import type { ButtonRows, Reply, ReplyField, TextPart } from "../../bots/turn.ts";

/**
 * Replies → Slack messages, as data (Block Kit). Pure, so escaping and the never-codes rule are tested
 * without Slack; `slack.channel.ts` posts them. The Slack staff channel is a shared channel: `codes`
 * replies are never rendered (the staff bot masks codes anyway).
 */

/** One Slack message: `text` is the notification fallback, `blocks` what Slack shows. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  /** Replace the message the pressed button was on (`chat.update`), when there is one. */
  edit?: boolean;
  /** A short notice only the pressing user sees (`chat.postEphemeral`). */
  ephemeral?: boolean;
}

export type SlackBlock =
  | { type: "section"; text: { type: "mrkdwn"; text: string } }
  | { type: "section"; fields: Array<{ type: "mrkdwn"; text: string }> }
  | { type: "actions"; elements: SlackButton[] };

export interface SlackButton {
  type: "button";
  text: { type: "plain_text"; text: string };
  action_id: string;
  value?: string;
  url?: string;
  style?: "primary" | "danger";
  confirm?: SlackConfirm;
}

/** Block Kit's confirmation dialog (title ≤ 100, text ≤ 300, buttons ≤ 30 characters). */
export interface SlackConfirm {
  title: { type: "plain_text"; text: string };
  text: { type: "plain_text"; text: string };
  confirm: { type: "plain_text"; text: string };
  deny: { type: "plain_text"; text: string };
  style?: "primary" | "danger";
}

const plainText = (text: string, max: number) => ({ type: "plain_text" as const, text: text.slice(0, max) });

/** A section's text is at most 3000 characters (Slack's limit). */
export const SLACK_SECTION_LIMIT = 3000;

/** Slack's mrkdwn needs only `&`, `<` and `>` escaped. */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Styled parts → mrkdwn; `code` and `pre` parts are monospace (tables stay aligned). */
export function toMrkdwn(body: TextPart[]): string {
  return body
    .map((p) => {
      const t = escapeMrkdwn(p.text);
      if (t.trim() === "") return t;
      switch (p.style) {
        case "bold":
          return `*${t}*`;
        case "italic":
          return `_${t}_`;
        case "code":
          return `\`${t}\``;
        case "pre":
          return `\`\`\`${t}\`\`\``;
        default:
          return t;
      }
    })
    .join("");
}

/** Splits text into section-sized pieces at line ends (a single over-long line is cut). */
function sections(text: string): SlackBlock[] {
  const out: SlackBlock[] = [];
  let rest = text;
  while (rest.length > SLACK_SECTION_LIMIT) {
    const cut = rest.lastIndexOf("\n", SLACK_SECTION_LIMIT);
    const at = cut > 0 ? cut : SLACK_SECTION_LIMIT;
    out.push({ type: "section", text: { type: "mrkdwn", text: rest.slice(0, at) } });
    rest = rest.slice(at).replace(/^\n/, "");
  }
  if (rest.length > 0) out.push({ type: "section", text: { type: "mrkdwn", text: rest } });
  return out;
}

/** Each button row → an actions block; a callback button's `data` travels back as its `value`. */
function actions(rows: ButtonRows | undefined): SlackBlock[] {
  return (rows ?? [])
    .filter((row) => row.length > 0)
    .map((row, r) => ({
      type: "actions" as const,
      elements: row.map((b, i): SlackButton => {
        const text = { type: "plain_text" as const, text: b.label.slice(0, 75) };
        if (b.kind === "url") return { type: "button", text, action_id: `km:url:${r}:${i}`, url: b.url };
        return {
          type: "button",
          text,
          action_id: `km:${r}:${i}`,
          value: b.data,
          ...(b.style ? { style: b.style } : {}),
          ...(b.confirm
            ? {
                confirm: {
                  title: plainText(b.confirm.title, 100),
                  text: plainText(b.confirm.text, 300),
                  confirm: plainText(b.confirm.ok, 30),
                  deny: plainText(b.confirm.cancel, 30),
                  ...(b.style === "danger" ? { style: "danger" as const } : {}),
                },
              }
            : {}),
        };
      }),
    }));
}

/** Label/value pairs → section fields (`*label*` over the value; at most 10 fields a section, 2000 characters each). */
function fieldSections(fields: ReplyField[] | undefined): SlackBlock[] {
  const out: SlackBlock[] = [];
  const all = (fields ?? []).map((f) => ({
    type: "mrkdwn" as const,
    text: `*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`.slice(0, 2000),
  }));
  for (let i = 0; i < all.length; i += 10) out.push({ type: "section", fields: all.slice(i, i + 10) });
  return out;
}

function message(body: TextPart[], rows?: ButtonRows, edit?: boolean, fields?: ReplyField[]): SlackMessage {
  const text = toMrkdwn(body);
  return {
    text: body
      .map((p) => p.text)
      .join("")
      .slice(0, 300),
    blocks: [...sections(text), ...fieldSections(fields), ...actions(rows)],
    ...(edit ? { edit: true } : {}),
  };
}

/** What `renderForSlack` did not render, for the caller to log (never containing a code). */
export interface SlackRenderNote {
  msg: string;
}

export function renderForSlack(replies: Reply[]): { messages: SlackMessage[]; notes: SlackRenderNote[] } {
  const messages: SlackMessage[] = [];
  const notes: SlackRenderNote[] = [];
  for (const r of replies) {
    switch (r.kind) {
      case "text":
        messages.push(message(r.body, r.buttons, r.edit, r.fields));
        break;
      case "prompt":
        messages.push(message(r.body, r.buttons, r.edit));
        break;
      case "deep_link":
        messages.push(message(r.body, [[{ kind: "url", label: r.label, url: r.url }]]));
        break;
      case "toast":
        messages.push({ ...message([{ text: r.text }]), ephemeral: true });
        break;
      case "codes":
        notes.push({ msg: `slack: a code delivery for order ${r.orderId} was refused (a shared channel)` });
        break;
      case "invoice":
      case "answer_precheckout":
        notes.push({ msg: `slack: a ${r.kind} reply cannot be rendered in Slack` });
        break;
    }
  }
  return { messages, notes };
}
