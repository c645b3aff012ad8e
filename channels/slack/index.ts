/** The Slack channel (Bolt): slash commands and buttons → `InboundTurn`s, replies → Block Kit messages. */
export { createSlackChannel, type SlackChannel, type SlackChannelDeps, type SlackLogger } from "./slack.channel.ts";
export { renderForSlack, toMrkdwn, type SlackMessage } from "./block-kit.ts";
export { parseSlackRequest, commandToTurn, actionToTurn } from "./slack-request.ts";
