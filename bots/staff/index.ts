export { createStaffBot, type StaffBotDeps } from "./staff-bot.ts";
export { decisionButton, parseStaffInput, STAFF_COMMANDS, type StaffCommandName } from "./staff-commands.ts";
