/**
 * `import_codes_per_s`: a code file uploaded to the staff console — a file turn through the staff bot
 * (`import <sku>` caption, UTF-8 checks, progress message), the inventory import (keyed hash for dedupe,
 * AES-GCM encryption of every code, chunked INSERT … ON CONFLICT), and the backorder fill after it — on
 * its own PostgreSQL database. Prints one JSON line: import_codes_per_s, import_lines, import_s, and the CPU
 * the import took (import_node_cpu_ms: this process; import_pg_cpu_ms: the database's backends and the
 * cluster's writers — bench/cpu.ts), which say more than the wall clock on a shared machine.
 *
 * BENCH_IMPORT_LINES (100000) lines of `code,password`; every 50th line repeats an earlier one (counted
 * as a duplicate, as real files have them).
 */
import { createStaffConsole } from "../app/staff-console.ts";
import { createStaffBot } from "../bots/staff/index.ts";
import type { InboundTurn, Reply } from "../bots/turn.ts";
import { systemContext } from "../core/shared/index.ts";
import { createTestContainer } from "../test/support/container.ts";
import { CpuMeter } from "./cpu.ts";

const LINES = Number(process.env.BENCH_IMPORT_LINES ?? 100_000);
const say = (...a: unknown[]) => console.error(...a);

async function main() {
  const t = await createTestContainer("benchimport");
  const c = t.container;
  try {
    const cli = systemContext("bench", { channel: "cli" });
    const con = createStaffConsole(c);
    await con.staff.add(cli, { name: "Bench", role: "operator", slackUserId: "U0BENCH01" });
    const cat = await c.catalog.upsertCategory(cli, { slug: "bench-import", nameZh: "压测", nameEn: "Bench" });
    const product = await c.catalog.upsertProduct(cli, {
      sku: "BENCH-IMPORT",
      categoryId: cat.id,
      nameZh: "压测导入",
      nameEn: "Bench import",
      faceValue: 1000n,
      currency: "CNY",
      price: 1000n,
      deliveryKind: "CODE",
    });
    const bot = createStaffBot({
      ...con,
      orders: c.orders,
      inventory: c.inventory,
      catalog: c.catalog,
      isStaffChat: () => true,
    });
    const tag = `${process.pid}${Date.now().toString(36)}`;
    const lines = Array.from({ length: LINES }, (_, i) =>
      i > 0 && i % 50 === 0 ? `BI-${tag}-${i - 1},pw${i - 1}` : `BI-${tag}-${i},pw${i}`,
    );
    const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
    let progressUpdates = 0;
    const turn: InboundTurn = {
      id: `bench-import-${tag}`,
      channel: "slack",
      chat: { id: "C0BENCH01", kind: "group" },
      from: { externalId: "U0BENCH01", displayName: "bench", languageCode: "en" },
      input: {
        kind: "file",
        name: "bench.csv",
        mimeType: "text/csv",
        size: bytes.byteLength,
        caption: `import ${product.sku}`,
        read: async () => bytes,
      },
      progress: () => ({
        update: async () => {
          progressUpdates++;
        },
      }),
    };
    say(`import bench: ${LINES} lines (${(bytes.byteLength / 1e6).toFixed(1)} MB) through the staff bot`);
    const meter = new CpuMeter(t.testDb.name, []);
    const t0 = performance.now();
    const replies: Reply[] = await bot.handle(turn);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = meter.stop();
    const text = replies.map((r) => (r.kind === "text" ? r.body.map((p) => p.text).join("") : "")).join("\n");
    const stock = await c.inventory.stock(cli, { productId: product.id });
    const imported = stock.products[0]?.available ?? 0;
    const expected = LINES - Math.floor((LINES - 1) / 50);
    if (imported !== expected) throw new Error(`imported ${imported}, expected ${expected}: ${text}`);
    say(
      `import bench: ${imported} imported in ${seconds.toFixed(2)} s, ${progressUpdates} progress updates; ` +
        `CPU: node ${Math.round(cpu.selfMs)} ms, postgres ${Math.round(cpu.postgresMs)} ms, ` +
        `others on the machine ${cpu.foreignPct}%`,
    );
    console.log(
      JSON.stringify({
        import_codes_per_s: Math.round(LINES / seconds),
        import_lines: LINES,
        import_s: Math.round(seconds * 1000) / 1000,
        import_node_cpu_ms: Math.round(cpu.selfMs),
        import_pg_cpu_ms: Math.round(cpu.postgresMs),
        import_progress_updates: progressUpdates,
      }),
    );
  } finally {
    await t.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
