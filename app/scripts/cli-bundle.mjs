import { mkdir, readFile, rename, rm, stat, writeFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The CLI runs from one esbuild bundle of app/main.ts (our TypeScript; packages stay in node_modules), so a
 * command pays no TypeScript loader and no per-file compile. The bundle is rebuilt on first use after any
 * of its source files changed (their paths, sizes and modification times are the cache key), offline.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CACHE = path.join(ROOT, "node_modules", ".cache", "kameng-cli");
const MANIFEST = path.join(CACHE, "manifest.json");
const ENTRY = path.join(ROOT, "app", "main.ts");

async function fingerprint(files) {
  const stats = await Promise.all(files.map((f) => stat(path.join(ROOT, f)).catch(() => null)));
  return stats.map((s) => (s ? `${s.size}:${s.mtimeMs}` : "missing"));
}

async function current() {
  const manifest = JSON.parse(await readFile(MANIFEST, "utf8").catch(() => "null"));
  if (!manifest || manifest.entry !== ENTRY) return null;
  const now = await fingerprint(manifest.inputs);
  return now.every((f, i) => f === manifest.stamps[i]) ? path.join(CACHE, manifest.dir, "main.js") : null;
}

/**
 * Each file keeps its own `import.meta.url`/`dirname`/`filename` (paths relative to the source file, such as
 * prisma/migrations from app/db/migrator.ts, must not move with the bundle).
 */
const ownImportMeta = {
  name: "own-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, "utf8");
      const contents = source
        .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)))
        .replaceAll("import.meta.filename", JSON.stringify(args.path));
      return { contents, loader: /\.m?ts$/.test(args.path) ? "ts" : "js" };
    });
  },
};

async function build() {
  const esbuild = await import("esbuild");
  const dir = `build-${process.pid}-${Date.now()}`;
  const outdir = path.join(CACHE, dir);
  const result = await esbuild.build({
    entryPoints: { main: ENTRY },
    bundle: true,
    splitting: true, // each command's dynamic imports stay separate chunks, loaded when it runs
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outdir,
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: "silent",
    plugins: [ownImportMeta],
  });
  const inputs = Object.keys(result.metafile.inputs); // relative to ROOT
  const manifest = { entry: ENTRY, dir, inputs, stamps: await fingerprint(inputs) };
  const tmp = `${MANIFEST}.${process.pid}`;
  await writeFile(tmp, JSON.stringify(manifest));
  await rename(tmp, MANIFEST); // atomic: a CLI starting meanwhile sees the old bundle or this one
  // Earlier builds nobody points at any more: kept an hour, for CLI processes still running from them.
  for (const d of await readdir(CACHE))
    if (d.startsWith("build-") && d !== dir) {
      const s = await stat(path.join(CACHE, d)).catch(() => null);
      if (s && Date.now() - s.mtimeMs > 3_600_000) await rm(path.join(CACHE, d), { recursive: true, force: true });
    }
  return path.join(outdir, "main.js");
}

/** The bundle's path: the cached one if its sources are unchanged, else a fresh build. */
export async function cliBundle() {
  const cached = await current();
  if (cached) return cached;
  await mkdir(CACHE, { recursive: true });
  if (process.stderr.isTTY) process.stderr.write("(building the CLI bundle: once after each source change)\n");
  return build();
}
