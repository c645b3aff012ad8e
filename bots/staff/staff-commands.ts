import type { ButtonInput, CommandInput, FileInput, TextInput } from "../turn.ts";
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
  "kyc",
  "custody",
  ...OPS_COMMANDS,
  ...RISK_COMMANDS,
] as const;
export type StaffCommandName = (typeof STAFF_COMMANDS)[number];

export type ParsedStaffCommand =
  { ok: true; command: StaffCommandName; args: string[]; rest: string } | { ok: false; command: string };

/** Button data of an approval decision: `sa:<approve|reject>:<request id>` (≤ 64 bytes). */
export const decisionButton = (decision: "approve" | "reject", requestId: string) =>
  `sa:${decision === "approve" ? "a" : "r"}:${requestId}`;

/** Button data that runs a command line (`sc:report today`; an alert's next action), ≤ 64 bytes. */
export const commandButton = (line: string) => `sc:${line}`.slice(0, 64);

/** What the staff member asked for: a `/command`, a text line, a decision button, or a file with a command caption. */
export function parseStaffInput(input: CommandInput | TextInput | ButtonInput | FileInput): ParsedStaffCommand {
  if (input.kind === "file") {
    // A bank statement uploaded under the caption `custody [CUR]`; other uploads are no command (yet).
    const caption = (input.caption ?? "").trim().replace(/^\//, "");
    if (!/^custody(\s|$)/i.test(caption)) return { ok: false, command: "file" };
    const args = caption.split(/\s+/).slice(1);
    return { ok: true, command: "custody", args, rest: args.join(" ") };
  }
  if (input.kind === "button" && input.data.startsWith("sc:"))
    return parseStaffInput({ kind: "text", text: input.data.slice(3) } as TextInput);
  if (input.kind === "button") {
    const k = KYC_BUTTON_RE.exec(input.data);
    if (k) return { ok: true, command: "kyc", args: ["approve", k[1]!], rest: `approve ${k[1]!}` };
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
  const command = head.toLowerCase();
  if (!(STAFF_COMMANDS as readonly string[]).includes(command)) return { ok: false, command: head || "?" };
  const rest = line.slice(line.toLowerCase().indexOf(command) + command.length).trim();
  return { ok: true, command: command as StaffCommandName, args: words, rest };
}
