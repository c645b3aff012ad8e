import { readdir, readFile, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cliBundle } from "../../../app/scripts/cli-bundle.mjs";

const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("the CLI bundle (npm run cli)", () => {
  it("is reused while its sources are unchanged and rebuilt after one of them changed", async () => {
    const first = await cliBundle();
    expect(await cliBundle()).toBe(first);
    // A changed modification time is a changed source (the content is left as it is).
    const source = path.join(ROOT, "app/cli/cli-run.ts");
    const { atime, mtime } = await stat(source);
    await utimes(source, atime, new Date(mtime.getTime() + 1000));
    const rebuilt = await cliBundle();
    expect(rebuilt).not.toBe(first);
    expect(await cliBundle()).toBe(rebuilt);
    // Paths relative to a source file keep pointing where the source says (the migrations folder).
    const dir = path.dirname(rebuilt);
    const chunks = await Promise.all((await readdir(dir)).map((f) => readFile(path.join(dir, f), "utf8")));
    expect(chunks.filter((c) => c.includes("import.meta.url"))).toEqual([]);
    expect(
      chunks.some((c) => c.includes(JSON.stringify(pathToFileURL(path.join(ROOT, "app/db/migrator.ts")).href))),
    ).toBe(true);
  }, 120_000);
});
