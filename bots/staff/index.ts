export { createStaffBot, type StaffBotDeps } from "./staff-bot.ts";
export {
  backorderButton,
  decisionButton,
  parseStaffInput,
  STAFF_COMMANDS,
  type StaffCommandName,
} from "./staff-commands.ts";
