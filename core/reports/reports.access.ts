import { requires, type AccessRules } from "../shared/index.ts";
import type { Reports } from "./reports.types.ts";

export const reportsAccess: AccessRules<Reports> = {
  sales: requires("reports.read"),
};
