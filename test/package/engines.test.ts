import { readFile } from "node:fs/promises";
import semver from "semver";
import { describe, expect, it } from "vitest";

const read = async (file: string) => JSON.parse(await readFile(new URL(`../../${file}`, import.meta.url), "utf8"));

describe("package.json engines", () => {
  it("agree with every installed package (npm ci prints no EBADENGINE)", async () => {
    const pkg = (await read("package.json")) as { engines: { node: string } };
    const lock = (await read("package-lock.json")) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const ours = pkg.engines.node;
    expect(semver.satisfies(process.version, ours), `this Node (${process.version}) is within ${ours}`).toBe(true);
    const narrower = Object.entries(lock.packages)
      .filter(([name]) => name !== "")
      .flatMap(([name, p]) => {
        const node = Array.isArray(p.engines) ? undefined : p.engines?.node;
        return node && !semver.subset(ours, node) ? [`${name} wants node ${node}`] : [];
      });
    expect(narrower).toEqual([]);
  });
});

describe("docker-compose.yml", () => {
  it("publishes its ports on the loopback interface only", async () => {
    const yml = await readFile(new URL("../../docker-compose.yml", import.meta.url), "utf8");
    const published = [...yml.matchAll(/ports:\s*\[([^\]]*)\]/g)].flatMap((m) =>
      m[1]!.split(",").map((s) => s.trim().replace(/^"|"$/g, "")),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });
});
