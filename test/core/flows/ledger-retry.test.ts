import { describe, expect, it } from "vitest";
import { withLedgerRetry } from "../../../core/flows/flow-deps.ts";
import { conflict, unavailable } from "../../../core/shared/index.ts";

describe("withLedgerRetry", () => {
  it("redoes the transaction on ledger_retry, at most three times in all", async () => {
    let calls = 0;
    const ok = await withLedgerRetry(async () => {
      if (++calls < 3) throw unavailable("ledger_retry", "account missing; retry");
      return "done";
    });
    expect([ok, calls]).toEqual(["done", 3]);

    calls = 0;
    await expect(
      withLedgerRetry(async () => {
        calls++;
        throw unavailable("ledger_retry", "account missing; retry");
      }),
    ).rejects.toMatchObject({ code: "ledger_retry" });
    expect(calls).toBe(3);
  });

  it("passes any other error through at once", async () => {
    let calls = 0;
    await expect(
      withLedgerRetry(async () => {
        calls++;
        throw conflict("idempotency_conflict", "different request");
      }),
    ).rejects.toMatchObject({ code: "idempotency_conflict" });
    expect(calls).toBe(1);
  });
});
