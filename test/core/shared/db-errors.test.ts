import { describe, expect, it } from "vitest";
import { kamengFailure, sqlState, violatesCheck } from "../../../core/shared/index.ts";

// The shapes the two drivers produce (node-postgres directly; Prisma's adapter on PGlite or pg),
// as printed by real failures.
const pgError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, severity: "ERROR", ...extra });
const prismaError = (cause: Record<string, unknown>) =>
  Object.assign(new Error("Invalid `prisma.$queryRaw()` invocation: Raw query failed."), {
    name: "PrismaClientKnownRequestError",
    code: "P2010",
    meta: {
      driverAdapterError: { name: "DriverAdapterError", cause: { kind: "postgres", severity: "ERROR", ...cause } },
    },
  });

describe("database errors, read the same from either driver", () => {
  it("the SQLSTATE is the driver's, never Prisma's own P2010", () => {
    expect(sqlState(pgError("23505", "duplicate key"))).toBe("23505");
    expect(sqlState(prismaError({ originalCode: "KM001", code: "KM001", message: "out_of_stock", detail: "3" }))).toBe(
      "KM001",
    );
    expect(sqlState(new Error("no code"))).toBeUndefined();
  });

  it("a kameng_fail names its reason and detail", () => {
    expect(kamengFailure(pgError("KM001", "out_of_stock", { detail: "3" }))).toEqual({
      reason: "out_of_stock",
      detail: "3",
    });
    expect(
      kamengFailure(
        prismaError({ originalCode: "KM001", originalMessage: "order_not_inserted", code: "KM001", message: "x" }),
      ),
    ).toEqual({ reason: "order_not_inserted" });
    expect(kamengFailure(pgError("23505", "duplicate key"))).toBeUndefined();
  });

  it("a CHECK violation is matched by its constraint", () => {
    const msg = 'new row for relation "ledger_accounts" violates check constraint "ledger_accounts_non_negative"';
    expect(
      violatesCheck(
        pgError("23514", msg, { constraint: "ledger_accounts_non_negative" }),
        "ledger_accounts_non_negative",
      ),
    ).toBe(true);
    expect(
      violatesCheck(
        prismaError({ originalCode: "23514", code: "23514", message: msg }),
        "ledger_accounts_non_negative",
      ),
    ).toBe(true);
    expect(violatesCheck(pgError("23514", msg), "another_check")).toBe(false);
    expect(violatesCheck(pgError("23505", msg), "ledger_accounts_non_negative")).toBe(false);
  });
});
