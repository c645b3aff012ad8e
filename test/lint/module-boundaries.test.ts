import path from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The module rule of docs/data-access.md, as eslint.config.js enforces it: a core module imports
 * core/shared and its own files only; core/flows composes modules; core imports no outer layer or SDK.
 */
describe("module boundaries (eslint.config.js)", () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, "../..") });
  });

  const restricted = async (file: string, source: string) => {
    const [result] = await eslint.lintText(source, { filePath: file });
    return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
  };

  it("refuses a core module importing another one, values and types alike", async () => {
    expect(
      await restricted("core/payments/probe.ts", `import { walletCode } from "../ledger/index.ts";\nwalletCode;\n`),
    ).toEqual([expect.stringMatching(/core\/payments must not import another core module/)]);
    expect(
      await restricted(
        "core/orders/probe.ts",
        `import type { Product } from "../catalog/index.ts";\nexport type P = Product;\n`,
      ),
    ).toHaveLength(1);
    expect(
      await restricted("core/inventory/probe.ts", `import { x } from "../../core/suppliers/index.ts";\nx;\n`),
    ).toHaveLength(1);
  });

  it("lets a module import core/shared and its own files, and core/flows compose modules", async () => {
    expect(
      await restricted(
        "core/payments/probe.ts",
        `import { sql } from "../shared/index.ts";\nimport { isUuid } from "./payment-rows.ts";\nsql;\nisUuid;\n`,
      ),
    ).toEqual([]);
    expect(
      await restricted(
        "core/flows/probe.ts",
        `import { createOrderStore } from "../orders/index.ts";\nimport type { Catalog } from "../catalog/index.ts";\nexport type C = Catalog;\ncreateOrderStore;\n`,
      ),
    ).toEqual([]);
  });

  it("refuses core importing an outer layer or a platform, HTTP or queue library", async () => {
    for (const source of [
      `import { x } from "../../app/container.ts";`,
      `import { x } from "../../channels/telegram/index.ts";`,
      `import { x } from "../../bots/dedupe.ts";`,
      `import { x } from "../../jobs/catalog.ts";`,
      `import { Hono } from "hono";`,
      `import { Bot } from "grammy";`,
      `import { Queue } from "bullmq";`,
      `import Redis from "ioredis";`,
      `import { App } from "@slack/bolt";`,
      `import { WechatyBuilder } from "wechaty";`,
    ])
      for (const file of ["core/flows/probe.ts", "core/ledger/probe.ts", "core/shared/probe.ts"])
        expect(await restricted(file, `${source}\n`), `${file}: ${source}`).toHaveLength(1);
  });
});
