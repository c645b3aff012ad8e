import { PGlite } from "@electric-sql/pglite";
import { createPgliteRunner } from "../../../app/db/pglite-runner.ts";
import { migrate } from "../../../app/db/migrator.ts";
import { pgliteConnection } from "../../../app/db/sql-connection.ts";
import { eventConsumersContract } from "../../contracts/event-consumers.contract.ts";

// The embedded default: one connection, so every transaction has ended by the time a consumer reads.
eventConsumersContract("embedded PGlite", async () => {
  const lite = await PGlite.create();
  await migrate(pgliteConnection(lite));
  return { db: createPgliteRunner(lite), close: () => lite.close() };
});
