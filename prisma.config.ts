import { defineConfig } from "prisma/config";

// Migrations are plain SQL under prisma/migrations, applied by our own migrator (app/db/migrator.ts),
// because the schema engine binary cannot be downloaded on our machines. `prisma generate` needs no engine.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
