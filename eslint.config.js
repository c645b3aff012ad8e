import { readdirSync } from "node:fs";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const SDKS = [
  "grammy",
  "grammy/*",
  "@grammyjs/*",
  "@slack/*",
  "wechaty*",
  "hono",
  "hono/*",
  "@hono/*",
  "bullmq",
  "ioredis",
];

/** Dependencies point down: a layer may not import the SDKs or the layers above it. */
const layerRule = (sdkMessage, outer, outerMessage, more = []) => ({
  "no-restricted-imports": [
    "error",
    {
      patterns: [{ group: SDKS, message: sdkMessage }, { group: outer, message: outerMessage }, ...more],
    },
  ],
});

const CORE_OUTER = ["**/channels/**", "**/bots/**", "**/jobs/**", "**/app/**"];
/** core/shared is every module's; core/flows is the one layer that composes modules. */
const CORE_MODULES = readdirSync(new URL("./core/", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "shared" && d.name !== "flows")
  .map((d) => d.name);
/**
 * core/events is the shared event vocabulary (the catalog, recordEvents, the consumer contract): every
 * module may import it; it imports core/shared only, like any module.
 */
const SHARED_VOCABULARY = new Set(["events"]);

/** A core module imports core/shared and its own files only: another module's data comes through a port. */
const otherModules = (module) => {
  const others = CORE_MODULES.filter((m) => m !== module && (module === "events" || !SHARED_VOCABULARY.has(m))).join(
    "|",
  );
  return {
    regex: `^(\\.\\./)+(core/)?(${others})(/|$)`,
    message: `core/${module} must not import another core module: take it through a port in its deps (docs/data-access.md); core/flows composes modules`,
  };
};

export default tseslint.config(
  { ignores: ["node_modules/", "prisma/generated/", "data/", "coverage/", ".tmp/"] },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    // A command may run inside serve (the admin channel) or a test: it prints through out()/err().
    files: ["app/cli/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        ...["log", "error", "warn", "info"].map((property) => ({
          object: "console",
          property,
          message: "print through out()/err() from app/cli/cli-run.ts: the command may run inside serve",
        })),
      ],
    },
  },
  {
    files: ["core/**/*.ts"],
    rules: layerRule(
      "core must not depend on a platform, HTTP or queue library",
      CORE_OUTER,
      "core must not import outer layers",
    ),
  },
  ...CORE_MODULES.map((module) => ({
    files: [`core/${module}/**/*.ts`],
    rules: layerRule(
      "core must not depend on a platform, HTTP or queue library",
      CORE_OUTER,
      "core must not import outer layers",
      [otherModules(module)],
    ),
  })),
  {
    files: ["bots/**/*.ts"],
    rules: layerRule(
      "bots must not depend on a platform SDK",
      ["**/channels/**", "**/app/**"],
      "bots must not import channels",
    ),
  },
  {
    files: ["channels/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/app/**"], message: "channels must not import the app (the composition root)" }] },
      ],
    },
  },
);
