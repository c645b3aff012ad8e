import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../app/db/database.ts";
import { sql } from "../../../core/shared/index.ts";
import { createPgliteDatabase } from "../../support/databases.ts";
import { openKyc, residentId } from "./kyc-fixture.ts";

/** The embedded default (`npm start`): the same partial unique indexes settle races on PGlite. */
describe("KYC on the embedded database", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(() => db.close());

  it("submits once per user, verifies one account per ID number, and seals the row", async () => {
    const f = openKyc({ db });
    const me = f.buyer();
    const userId = (me.actor as { userId: string }).userId;
    const number = residentId("510104", "19920229");
    const both = await Promise.all([
      f.kyc.submit(me, { userId, name: "周九", idNumber: number }),
      f.kyc.submit(me, { userId, name: "周九", idNumber: number }),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(both.filter((r) => !r.ok && r.code === "already_pending")).toHaveLength(1);
    const other = f.buyer();
    const second = await f.kyc.submit(other, {
      userId: (other.actor as { userId: string }).userId,
      name: "周九",
      idNumber: number,
    });
    const first = both.find((r) => r.ok)!;
    if (!first.ok || !second.ok) throw new Error("submit failed");
    const reviewer = f.staff("admin");
    const decided = await Promise.all([
      f.kyc.approve(reviewer, { submissionId: first.submission.id }),
      f.kyc.approve(reviewer, { submissionId: second.submission.id }),
    ]);
    expect(decided.filter((r) => r.ok)).toHaveLength(1);
    expect(decided.filter((r) => !r.ok && r.code === "id_in_use")).toHaveLength(1);
    // Racing approvals of one submission on the one connection: one wins, the others are told it is decided.
    const third = f.buyer();
    const r3 = await f.kyc.submit(third, {
      userId: (third.actor as { userId: string }).userId,
      name: "吴十",
      idNumber: residentId("310101", "19800101"),
    });
    if (!r3.ok) throw new Error("submit failed");
    const again = await Promise.all(
      Array.from({ length: 5 }, () => f.kyc.approve(reviewer, { submissionId: r3.submission.id })),
    );
    expect(again.filter((r) => r.ok)).toHaveLength(1);
    expect(again.filter((r) => !r.ok && r.code === "not_pending")).toHaveLength(4);
    const raw = JSON.stringify(await db.sql.query(sql`SELECT * FROM kyc_submissions`));
    expect(raw).not.toContain(number);
    expect(raw).not.toContain("周九");
  });
});
