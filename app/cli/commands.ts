import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { walletCode, systemCode } from "../../core/ledger/index.ts";
import { CURRENCIES, currencySchema, requestHash, systemContext, type Currency } from "../../core/shared/index.ts";
import type { Container } from "../container.ts";
import { seedDemo } from "../seed/demo-seed.ts";
import { consumerStatus, listFailures, retryFailures } from "../events/consumer-admin.ts";
import { action, CliError, formatMinor, parseAmount, withContainer } from "./cli-support.ts";
import { registerStaffCommands } from "./staff-commands.ts";

const ctx = () => systemContext(`cli:${process.pid}`, { channel: "cli" });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function productBySku(c: Container, sku: string) {
  const product = await c.catalog.getProductBySku(ctx(), sku);
  if (!product) throw new CliError(`no product with SKU ${JSON.stringify(sku)} (see \`stock\` for the list)`);
  return product;
}

async function userById(c: Container, id: string) {
  if (!UUID.test(id)) throw new CliError(`--user must be a user id (UUID), got ${JSON.stringify(id)}`);
  const user = await c.db.prisma.user.findUnique({ where: { id: id.toLowerCase() } });
  if (!user) throw new CliError(`no user ${id}`);
  return user;
}

/** The operator commands (everything but serve/worker/migrate, which live in main.ts). */
export function registerOperatorCommands(program: Command): void {
  program
    .command("seed")
    .description("seed the demo catalog, demo codes, the simulated supplier and a demo distributor (idempotent)")
    .action(
      action(async () => {
        await withContainer(async (c) => {
          const r = await seedDemo(c);
          console.log(`demo catalog: ${r.products} products, ${r.codesImported} codes imported this run`);
          console.log(`demo distributor: ${r.userId}`);
          if (r.apiKey) console.log(`demo API key (shown once): ${r.apiKey}`);
          else console.log("demo API key: already issued earlier (create another with `api-key create`)");
        });
      }),
    );

  program
    .command("import-codes")
    .description("import card codes from a text/CSV file: one `code` or `code,password[,expiry]` per line")
    .argument("<file>", "the file to import")
    .requiredOption("--product <sku>", "the product SKU the codes belong to")
    .option("--source <text>", "who delivered the file (stored on the batch)")
    .option("--no-progress", "no progress bar")
    .action(
      action(async (file: string, o: { product: string; source?: string; progress: boolean }) => {
        const size = await stat(file).then(
          (s) => s.size,
          () => {
            throw new CliError(`cannot read ${file}`);
          },
        );
        await withContainer(async (c) => {
          const product = await productBySku(c, o.product);
          if (product.deliveryKind !== "CODE")
            throw new CliError(`${o.product} is a DIRECT product: it is fulfilled by suppliers, not from codes`);
          const bar =
            o.progress && process.stderr.isTTY !== false
              ? new cliProgress.SingleBar(
                  {
                    format:
                      "importing [{bar}] {percentage}% | {lines} lines | {imported} new, {duplicate} dup, {rejected} rejected",
                    stream: process.stderr,
                  },
                  cliProgress.Presets.shades_classic,
                )
              : null;
          let read = 0;
          bar?.start(Math.max(size, 1), 0, { lines: 0, imported: 0, duplicate: 0, rejected: 0 });
          const stream = createReadStream(file);
          async function* counted() {
            for await (const chunk of stream) {
              read += (chunk as Buffer).length;
              yield chunk as Buffer;
            }
          }
          const r = await c.inventory.importCodes(ctx(), {
            productId: product.id,
            source: o.source ?? `cli:${file.split("/").pop()}`,
            content: counted(),
            onProgress: (p) => bar?.update(read, { ...p }),
          });
          bar?.update(size, { lines: r.imported + r.duplicate + r.rejected, ...r });
          bar?.stop();
          console.log(`batch ${r.batchId}: ${r.imported} imported, ${r.duplicate} duplicate, ${r.rejected} rejected`);
          for (const e of r.errors) console.log(`  line ${e.line}: ${e.reason}`);
          if (r.rejected > r.errors.length) console.log(`  … and ${r.rejected - r.errors.length} more rejected lines`);
        });
      }),
    );

  const apiKey = program.command("api-key").description("distributor API keys");
  apiKey
    .command("create")
    .description("create an API key for a user (shown once)")
    .option("--user <id>", "the user the key acts for")
    .option("--new-user <name>", "create a new user with this display name")
    .option("--name <name>", "a label for the key", "cli")
    .action(
      action(async (o: { user?: string; newUser?: string; name: string }) => {
        if (!o.user === !o.newUser) throw new CliError("give exactly one of --user <id> or --new-user <name>");
        await withContainer(async (c) => {
          let userId = o.user?.toLowerCase();
          if (o.newUser) {
            const { newId } = await import("../../core/shared/index.ts");
            userId = newId();
            await c.db.prisma.user.create({ data: { id: userId, displayName: o.newUser } });
            console.log(`user ${userId} created`);
          } else await userById(c, userId!);
          const key = await c.apiKeys.create({ userId: userId!, name: o.name });
          console.log(`API key ${key.id} (${key.prefix}…) for user ${userId}`);
          console.log(key.key);
          console.error("store it now: it is not shown again");
        });
      }),
    );
  apiKey
    .command("revoke")
    .description("revoke an API key by id or by its shown prefix (kmg_live_xxxx)")
    .argument("<id-or-prefix>")
    .action(
      action(async (idOrPrefix: string) => {
        await withContainer(async (c) => {
          const { revoked } = await c.apiKeys.revoke({ idOrPrefix });
          if (revoked === 0) throw new CliError(`no active API key matches ${JSON.stringify(idOrPrefix)}`);
          console.log(`revoked ${revoked} key(s)`);
        });
      }),
    );
  apiKey
    .command("list")
    .description("list API keys (never the keys themselves)")
    .option("--user <id>")
    .action(
      action(async (o: { user?: string }) => {
        await withContainer(async (c) => {
          for (const k of await c.apiKeys.list(o.user ? { userId: o.user } : {}))
            console.log(
              `${k.id}  ${k.prefix}…  user ${k.userId}  ${k.name}  ${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active"}`,
            );
        });
      }),
    );

  program
    .command("wallet")
    .description("wallets")
    .command("credit")
    .description("credit a wallet through the ledger (custody −X, wallet +X), e.g. money received offline")
    .requiredOption("--user <id>", "the user whose wallet is credited")
    .requiredOption("--amount <amount>", "in major units: 100 or 99.50 (Stars: whole numbers)")
    .option("--currency <code>", "CNY, USD or XTR", "CNY")
    .requiredOption("--reason <text>", "why (kept on the ledger transaction)")
    .option(
      "--idempotency-key <key>",
      "defaults to a hash of user, amount, currency and reason: running the same command twice credits once",
    )
    .action(
      action(async (o: { user: string; amount: string; currency: string; reason: string; idempotencyKey?: string }) => {
        const cur = currencySchema.safeParse(o.currency.toUpperCase());
        if (!cur.success) throw new CliError(`--currency must be one of ${Object.keys(CURRENCIES).join(", ")}`);
        const currency: Currency = cur.data;
        const digits = CURRENCIES[currency].minorDigits;
        const amount = parseAmount(o.amount, digits);
        if (o.reason.trim().length < 3) throw new CliError("--reason must say why (at least 3 characters)");
        await withContainer(async (c) => {
          const user = await userById(c, o.user);
          const key =
            o.idempotencyKey ??
            `cli-credit:${requestHash({ user: user.id, amount: amount.toString(), currency, reason: o.reason }).slice(0, 32)}`;
          const r = await c.ledger.post(ctx(), {
            idempotencyKey: key,
            kind: "manual_credit",
            memo: o.reason,
            metadata: { userId: user.id, by: "cli" },
            legs: [
              { account: systemCode("custody", currency), amount: -amount },
              { account: walletCode(user.id, currency), amount },
            ],
          });
          if (!r.ok) throw new CliError(`the ledger refused the credit (${r.code})`);
          const b = await c.ledger.balance(ctx(), walletCode(user.id, currency));
          console.log(
            `${r.replayed ? "already credited (same idempotency key)" : "credited"} ${formatMinor(amount, digits)} ${currency} to ${user.id}: balance ${formatMinor(b.balance, digits)} ${currency} (tx ${r.transactionId}, key ${key})`,
          );
        });
      }),
    );

  program
    .command("stock")
    .description("stock per product (available / reserved / sold)")
    .option("--product <sku>", "one product, with its batches")
    .action(
      action(async (o: { product?: string }) => {
        await withContainer(async (c) => {
          const product = o.product ? await productBySku(c, o.product) : undefined;
          const products = product ? [product] : await c.catalog.listProducts(ctx(), { includeInactive: true });
          const report = await c.inventory.stock(ctx(), product ? { productId: product.id } : {});
          const byId = new Map(report.products.map((p) => [p.productId, p]));
          console.log(
            ["SKU".padEnd(24), "kind  ", "avail".padStart(7), "reserv".padStart(7), "sold".padStart(7)].join(" "),
          );
          for (const p of products) {
            const s = byId.get(p.id);
            console.log(
              [
                p.sku.padEnd(24),
                p.deliveryKind.padEnd(6),
                String(s?.available ?? (p.deliveryKind === "DIRECT" ? "-" : 0)).padStart(7),
                String(s?.reserved ?? "-").padStart(7),
                String(s?.sold ?? "-").padStart(7),
              ].join(" "),
            );
          }
          if (product)
            for (const b of report.batches)
              console.log(
                `  batch ${b.batchId} ${b.createdAt.toISOString()} ${b.source}: ${b.available} available, ${b.sold} sold`,
              );
        });
      }),
    );

  program
    .command("order")
    .description("orders")
    .command("show")
    .description("show an order with its history (never its codes)")
    .argument("<id>", "order id")
    .action(
      action(async (id: string) => {
        if (!UUID.test(id)) throw new CliError(`the order id must be a UUID, got ${JSON.stringify(id)}`);
        await withContainer(async (c) => {
          const o = await c.orders.get(ctx(), { orderId: id.toLowerCase() });
          const digits = CURRENCIES[o.currency as Currency]?.minorDigits ?? 2;
          console.log(`order ${o.id}: ${o.status}`);
          console.log(`  user ${o.userId} via ${o.channel}, product ${o.productId} × ${o.quantity}`);
          console.log(`  total ${formatMinor(o.total, digits)} ${o.currency}${o.target ? `, target ${o.target}` : ""}`);
          if (o.supplierId)
            console.log(
              `  supplier ${o.supplierId}, cost ${o.costTotal === null ? "-" : formatMinor(o.costTotal, digits)}`,
            );
          if (o.failureReason) console.log(`  failure: ${o.failureReason}`);
          for (const e of await c.orders.events(ctx(), { orderId: o.id }))
            console.log(
              `  ${e.createdAt.toISOString()}  ${e.fromStatus ?? "-"} → ${e.toStatus}${e.reason ? `  (${e.reason})` : ""}`,
            );
        });
      }),
    );

  program
    .command("ledger")
    .description("the ledger")
    .command("check")
    .description(
      "verify every transaction balances, cached balances match the entries, and custody matches customer funds",
    )
    .action(
      action(async () => {
        await withContainer(async (c) => {
          const check = await c.ledger.check(ctx());
          let ok = check.ok;
          console.log(
            `transactions balanced: ${check.unbalanced.length === 0 ? "yes" : `NO (${check.unbalanced.join(", ")})`}`,
          );
          console.log(`cached balances match entries: ${check.mismatched.length === 0 ? "yes" : "NO"}`);
          for (const m of check.mismatched) console.log(`  ${m.account}: cached ${m.cached}, rebuilt ${m.rebuilt}`);
          for (const m of check.heldMismatched ?? [])
            console.log(`  held ${m.account}: cached ${m.cached}, rebuilt ${m.rebuilt}`);
          for (const currency of Object.keys(CURRENCIES) as Currency[]) {
            const r = await c.ledger.reconcile(ctx(), currency);
            ok &&= r.ok;
            console.log(
              `custody ${currency}: ${r.ok ? "matches" : "DOES NOT MATCH"} customer funds (custody ${r.custody}, customer funds ${r.customerFunds})`,
            );
          }
          if (!ok) throw new CliError("ledger check FAILED", 2);
          console.log("ledger check ok");
        });
      }),
    );

  registerEventCommands(program);
  registerStaffCommands(program);
}

/** `events consumers|failed|retry`: the event consumers' positions and failures (docs/events.md "Operating"). */
function registerEventCommands(program: Command): void {
  const events = program.command("events").description("domain-event consumers: lag, failures, retries");
  events
    .command("consumers")
    .description("each consumer: its cursor, who holds its lease, its lag, failing and parked events")
    .action(
      action(async () => {
        await withContainer(async (c) => {
          const rows = await consumerStatus(c.db.sql);
          if (rows.length === 0) console.log("no event consumers yet");
          for (const s of rows) {
            const age = s.oldestPendingAt ? ((s.now.getTime() - s.oldestPendingAt.getTime()) / 1000).toFixed(1) : "0";
            const lease = s.leaseActive
              ? `worked by ${s.leaseOwner} until ${s.leaseUntil!.toISOString()}`
              : "not running anywhere";
            console.log(`${s.name}: ${lease}`);
            console.log(`  types ${s.types.join(", ")}`);
            console.log(
              `  cursor (${s.cursor.txId}, ${s.cursor.id}); lag ${s.lag} event(s), oldest ${age} s; failing ${s.failing}, parked ${s.parked}`,
            );
          }
        });
      }),
    );
  events
    .command("failed")
    .description("events a consumer failed to handle (retrying, or parked after their last attempt)")
    .option("--consumer <name>", "only this consumer")
    .option("--parked", "only parked events")
    .option("--limit <n>", "at most this many rows", "100")
    .action(
      action(async (o: { consumer?: string; parked?: boolean; limit: string }) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new CliError("--limit must be a positive whole number");
        await withContainer(async (c) => {
          const rows = await listFailures(c.db.sql, {
            ...(o.consumer ? { consumer: o.consumer } : {}),
            parkedOnly: o.parked ?? false,
            limit,
          });
          if (rows.length === 0) console.log("no failed events");
          for (const f of rows) {
            const state = f.parkedAt
              ? `PARKED since ${f.parkedAt.toISOString()}`
              : `next attempt ${f.nextAttemptAt.toISOString()}`;
            console.log(
              `${f.consumer} #${f.eventId} ${f.type} (${f.createdAt.toISOString()}): ${f.attempts} attempt(s), ${state}`,
            );
            console.log(`  last error: ${f.lastError}`);
          }
        });
      }),
    );
  events
    .command("retry")
    .description("make failed events of a consumer due now (parked ones unparked): the running consumer retries them")
    .requiredOption("--consumer <name>", "the consumer")
    .argument("[eventIds...]", "event ids (see `events failed`)")
    .option("--all-parked", "every parked event of the consumer")
    .action(
      action(async (eventIds: string[], o: { consumer: string; allParked?: boolean }) => {
        if (!o.allParked && eventIds.length === 0) throw new CliError("name event ids, or pass --all-parked");
        for (const id of eventIds)
          if (!/^\d{1,19}$/.test(id)) throw new CliError(`not an event id: ${JSON.stringify(id)}`);
        await withContainer(async (c) => {
          const n = await retryFailures(c.db.sql, { consumer: o.consumer, eventIds, allParked: o.allParked ?? false });
          console.log(`${n} event(s) of ${o.consumer} due for a retry now`);
        });
      }),
    );
}
