import { createHmac } from "node:crypto";

/**
 * Requests built the way Slack sends them: form-encoded bodies, signed `v0=` + HMAC-SHA256 of
 * `v0:<timestamp>:<raw body>` with the app's signing secret.
 */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export function signedInit(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): RequestInit {
  return {
    method: "POST",
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": slackSignature(secret, timestamp, body),
    },
  };
}

let trigger = 0;
const nextTrigger = () => `${Date.now()}.${++trigger}.a1b2c3d4e5f6`;

/** A slash command's body, field for field as Slack posts it. */
export function slashCommandBody(o: { userId: string; channelId: string; text: string; command?: string }): string {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: "T0KAMENG",
    team_domain: "kameng",
    channel_id: o.channelId,
    channel_name: "ops",
    user_id: o.userId,
    user_name: o.userId.toLowerCase(),
    command: o.command ?? "/km",
    text: o.text,
    api_app_id: "A0KAMENG",
    is_enterprise_install: "false",
    response_url: "https://hooks.slack.com/commands/T0KAMENG/1/abc",
    trigger_id: nextTrigger(),
  }).toString();
}

/** A block_actions interaction (a button press) as Slack posts it: `payload=` a JSON document. */
export function blockActionBody(o: { userId: string; channelId: string; value: string; messageTs: string }): string {
  const payload = {
    type: "block_actions",
    user: { id: o.userId, username: o.userId.toLowerCase(), name: o.userId.toLowerCase(), team_id: "T0KAMENG" },
    api_app_id: "A0KAMENG",
    token: "deprecated-verification-token",
    container: { type: "message", message_ts: o.messageTs, channel_id: o.channelId, is_ephemeral: false },
    trigger_id: nextTrigger(),
    team: { id: "T0KAMENG", domain: "kameng" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channelId, name: "ops" },
    message: { type: "message", ts: o.messageTs, text: "…", blocks: [] },
    response_url: "https://hooks.slack.com/actions/T0KAMENG/1/abc",
    actions: [
      {
        action_id: "km:0:0",
        block_id: "b1",
        text: { type: "plain_text", text: "Approve" },
        value: o.value,
        type: "button",
        action_ts: "1764000001.000100",
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
