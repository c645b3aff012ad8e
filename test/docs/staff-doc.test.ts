import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from "../../core/shared/access.ts";
import { STAFF_ROLES } from "../../core/shared/actor.ts";

describe("docs/staff.md", () => {
  it("has the roles-and-permissions table the code enforces", async () => {
    const doc = await readFile(new URL("../../docs/staff.md", import.meta.url), "utf8");
    const header = `| permission | ${STAFF_ROLES.join(" | ")} |`;
    expect(doc).toContain(header);
    const lines = doc.split("\n");
    const rows = lines
      .slice(lines.indexOf(header) + 2)
      .filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith("| `")));
    const documented = new Map(
      rows.map((l) => {
        const cells = l
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim());
        return [cells[0]!.replaceAll("`", "") as Permission, cells.slice(1)];
      }),
    );
    const granted = PERMISSIONS.filter((p) => STAFF_ROLES.some((r) => ROLE_PERMISSIONS[r].includes(p)));
    expect([...documented.keys()]).toEqual(granted);
    for (const p of granted)
      expect(documented.get(p), p).toEqual(STAFF_ROLES.map((r) => (ROLE_PERMISSIONS[r].includes(p) ? "✓" : "")));
  });
});
