export { createStaffBot, type StaffBotDeps } from "./staff-bot.ts";
export {
  backorderButton,
  decisionButton,
  parseStaffInput,
  STAFF_COMMANDS,
  type StaffCommandName,
} from "./staff-commands.ts";
export { renderStaffAlert } from "./alert-messages.ts";
export { renderApplicationNotice } from "./distributor-applications.ts";
export { OPS_COMMANDS, type OpsDeps } from "./ops-commands.ts";
