import type { ButtonInput, CommandInput, FileInput, TextInput } from "../turn.ts";
import { APPLICATION_BUTTON_RE } from "./distributor-applications.ts";
import { KYC_BUTTON_RE } from "./kyc-review.ts";
import { OPS_COMMANDS } from "./ops-command-names.ts";
import { parseReviewButton, RISK_COMMANDS } from "./risk-commands.ts";

/** The staff bot's commands: the same words in Slack (`/km order …`) and a Telegram staff group (`/order …`). */
export const STAFF_COMMANDS = [
  "help",
  "order",
  "refund",
  "redeliver",
  "stock",
  "pending",
  "approve",
  "reject",
  "audit",
  "backorders",
  "fill",
  "reroute",
  "backorder",
  "import",
  "retry",
  "kyc",
  "custody",
  "applications",
  "lang",
  "staff",
  ...OPS_COMMANDS,
  ...RISK_COMMANDS,
] as const;
export type StaffCommandName = (typeof STAFF_COMMANDS)[number];

export type ParsedStaffCommand =
  { ok: true; command: StaffCommandName; args: string[]; rest: string } | { ok: false; command: string };

/** Button data of an approval decision: `sa:<approve|reject>:<request id>` (≤ 64 bytes). */
export const decisionButton = (decision: "approve" | "reject", requestId: string) =>
  `sa:${decision === "approve" ? "a" : "r"}:${requestId}`;

/** Button data of a 补单 action on a waiting order: `sb:<f|r>:<order id>` (fill from stock / re-route). */
export const backorderButton = (action: "fill" | "reroute", orderId: string) =>
  `sb:${action === "fill" ? "f" : "r"}:${orderId}`;
/** Button data that runs a command line (`sc:report today`; an alert's next action), ≤ 64 bytes. */
export const commandButton = (line: string) => `sc:${line}`.slice(0, 64);

/** What the staff member asked for: a `/command`, a text line, a decision button, or a file with a command caption. */
export function parseStaffInput(input: CommandInput | TextInput | ButtonInput | FileInput): ParsedStaffCommand {
  if (input.kind === "file") {
    // A bank statement uploaded under the caption `custody [CUR]`; any other upload is read by the
    // command its caption names (`import <sku>`), and without a caption it is `import`'s usage.
    const caption = (input.caption ?? "").trim().replace(/^\//, "");
    if (/^custody(\s|$)/i.test(caption)) {
      const args = caption.split(/\s+/).slice(1);
      return { ok: true, command: "custody", args, rest: args.join(" ") };
    }
    return parseStaffInput({ kind: "text", text: caption || "import" } as TextInput);
  }
  if (input.kind === "button" && input.data.startsWith("sc:"))
    return parseStaffInput({ kind: "text", text: input.data.slice(3) } as TextInput);
  if (input.kind === "button") {
    const b = /^sb:([fr]):([0-9a-f-]{36})$/i.exec(input.data);
    if (b) return { ok: true, command: b[1] === "f" ? "fill" : "reroute", args: [b[2]!], rest: "" };
    const k = KYC_BUTTON_RE.exec(input.data);
    if (k) return { ok: true, command: "kyc", args: ["approve", k[1]!], rest: `approve ${k[1]!}` };
    const app = APPLICATION_BUTTON_RE.exec(input.data);
    if (app) {
      const args = [app[1] === "a" ? "approve" : "reject", app[2]!];
      return { ok: true, command: "applications", args, rest: args.join(" ") };
    }
    const review = parseReviewButton(input.data);
    if (review) return { ok: true, command: "review", args: review.args, rest: review.args.slice(2).join(" ") };
    const m = /^sa:([ar]):([0-9a-f-]{36})$/i.exec(input.data);
    if (!m) return { ok: false, command: "button" };
    return { ok: true, command: m[1] === "a" ? "approve" : "reject", args: [m[2]!], rest: "" };
  }
  let line = input.kind === "command" ? `${input.command} ${input.payload}` : input.text;
  line = line.trim().replace(/^\//, "");
  // Slack's slash command arrives as `km <words>`.
  if (/^km(\s|$)/i.test(line)) line = line.slice(2).trim();
  const [head = "", ...words] = line.split(/\s+/).filter(Boolean);
  // A caption's command keeps its `@botname` (Telegram strips it only from commands it parsed).
  const command = head.toLowerCase().replace(/@\w+$/, "");
  if (!(STAFF_COMMANDS as readonly string[]).includes(command)) return { ok: false, command: head || "?" };
  const rest = line.slice(head.length).trim();
  return { ok: true, command: command as StaffCommandName, args: words, rest };
}
