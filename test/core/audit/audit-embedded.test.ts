import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../app/db/database.ts";
import { createAudit } from "../../../core/audit/index.ts";
import { ManualClock, sql, systemContext } from "../../../core/shared/index.ts";
import { createPgliteDatabase } from "../../support/databases.ts";

const sys = systemContext("cli:test", { channel: "cli" });

/** The embedded default (`npm start`): the same migration, triggers and chain on PGlite. */
describe("the audit trail on the embedded database", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(() => db.close());

  it("chains concurrent appends, refuses edits, and verifies", async () => {
    const audit = createAudit({ sql: db.sql, clock: new ManualClock() });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => audit.record(sys, { action: "bot.help", outcome: "ok", details: { i } })),
    );
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 20, headSeq: 20n });
    await expect(db.sql.execute(sql`UPDATE audit_log SET outcome = 'refused' WHERE seq = 3`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.sql.execute(sql`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    expect(await audit.verify(sys)).toMatchObject({ ok: true, rows: 20 });
  });
});
