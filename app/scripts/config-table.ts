// Prints the README's table of environment variables from the config schema: `npx tsx app/scripts/config-table.ts`.
import { configVariables } from "../config.ts";

const rows = Object.entries(configVariables).map(([name, def]) => {
  const parsed = def.schema.safeParse(undefined);
  const dflt = parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : "—";
  return `| \`${name}\` | ${dflt} | \`${def.example}\` | ${def.doc} |`;
});
console.log(["| variable | default | example | meaning |", "|---|---|---|---|", ...rows].join("\n"));
