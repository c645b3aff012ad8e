import { withAccess } from "../shared/index.ts";
import { alertsAccess } from "./alerts.access.ts";
import { createAlerts as createUncheckedAlerts, type AlertsDeps } from "./alerts.service.ts";
import type { Alerts } from "./alerts.types.ts";

export type { AlertsDeps };
export * from "./alerts.types.ts";
export * from "./checks/index.ts";
/** Alerts to the staff channel, every call checked against its actor (alerts.access.ts). */
export const createAlerts = (deps: AlertsDeps): Alerts =>
  withAccess("alerts", createUncheckedAlerts(deps), alertsAccess);
