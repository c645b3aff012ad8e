import { withAccess } from "../shared/index.ts";
import { custodyAccess } from "./custody.access.ts";
import { createCustody as createUncheckedCustody, type Custody, type CustodyDeps } from "./custody.service.ts";

export * from "./custody.types.ts";
export { noPayouts, type Custody, type CustodyDeps } from "./custody.service.ts";
export { LINE_ROW } from "./custody.sql.ts";
export {
  DEFAULT_MAPPING,
  STATEMENT_FIELDS,
  decodeStatement,
  parseAmount,
  parseBookedAt,
  parseStatement,
  type StatementEncoding,
  type StatementField,
  type StatementLine,
} from "./statement-csv.ts";
/** Custody reconciliation against the bank, every call checked against its actor (custody.access.ts). */
export const createCustody = (deps: CustodyDeps): Custody =>
  withAccess("custody", createUncheckedCustody(deps), custodyAccess);
