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
const layerRule = (sdkMessage, outer, outerMessage) => ({
  "no-restricted-imports": [
    "error",
    {
      patterns: [
        { group: SDKS, message: sdkMessage },
        { group: outer, message: outerMessage },
      ],
    },
  ],
});

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
    files: ["core/**/*.ts"],
    rules: layerRule(
      "core must not depend on a platform, HTTP or queue library",
      ["**/channels/**", "**/bots/**", "**/jobs/**", "**/app/**"],
      "core must not import outer layers",
    ),
  },
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
