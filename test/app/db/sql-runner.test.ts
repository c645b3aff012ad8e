import { PGlite } from "@electric-sql/pglite";
import { createPgPipelineRunner } from "../../../app/db/pg-pipeline-runner.ts";
import { createPgliteRunner } from "../../../app/db/pglite-runner.ts";
import { migrate } from "../../../app/db/migrator.ts";
import { pgliteConnection } from "../../../app/db/sql-connection.ts";
import { sqlRunnerContract } from "../../contracts/sql-runner.contract.ts";
import { createTestDatabase } from "../../support/databases.ts";

sqlRunnerContract("embedded PGlite", async () => {
  const lite = await PGlite.create();
  await migrate(pgliteConnection(lite));
  return { runner: createPgliteRunner(lite), close: () => lite.close() };
});

sqlRunnerContract("PostgreSQL, pipelined node-postgres", async () => {
  const t = await createTestDatabase("sqlrunner", { poolSize: 2 });
  const runner = createPgPipelineRunner({ connectionString: t.url, max: 4 });
  return {
    runner,
    async close() {
      await runner.close();
      await t.drop();
    },
  };
});
