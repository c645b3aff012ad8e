/** What the Slack bench's two sides agree on: the signing secret, the staff channel and member, the ready message. */
export const SLACK_BENCH = { secret: "0123456789abcdef0123456789abcdef", channel: "C0BENCH01", staff: "U0BENCH01" };

export interface SlackBenchReady {
  port: number;
  orderIds: string[];
}
