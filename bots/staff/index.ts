export { createStaffBot, type StaffBotDeps } from "./staff-bot.ts";
export { decisionButton, parseStaffInput, STAFF_COMMANDS, type StaffCommandName } from "./staff-commands.ts";
export { renderStaffAlert } from "./alert-messages.ts";
export { OPS_COMMANDS, type OpsDeps } from "./ops-commands.ts";
