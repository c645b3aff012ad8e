import type { Command } from "commander";
import { currentRun, err, out, readInputFile } from "./cli-run.ts";
import { action, CliError, parseAmount, withContainer } from "./cli-support.ts";
import { registerUserCommands } from "./user-commands.ts";
import { registerStaffCommands } from "./staff-commands.ts";
import { registerWithdrawalCommands } from "./withdrawal-commands.ts";
import { registerKycCommands } from "./kyc-commands.ts";
import { registerCustodyCommands } from "./custody-commands.ts";
import { registerDistributorCommands } from "./distributor-commands.ts";

// Actions import what they use when they run (`lib()`, the container in withContainer): `--help` stays fast.
// Commands print through out()/err() (never console.log): the same code runs inside serve's admin channel.
// Inside withContainer: a command handed to the running shop loads none of it in the CLI's own process.
const lib = () => import("./cli-lib.ts");

/** Rejected and duplicate lines `import-codes` names before it says "… and N more". */
export const IMPORT_LINES_SHOWN = 20;

/**
 * The operator commands (serve/worker/migrate are in program.ts). Commands of another area live in their
 * own file with their own `register…(program)` and are added to the list at the end of this function.
 */
export function registerOperatorCommands(program: Command): void {
  program
    .command("seed")
    .description("seed the demo catalog, demo codes, the simulated supplier and a demo distributor (idempotent)")
    .action(
      action(async () => {
        const { seedDemo } = await import("../seed/demo-seed.ts");
        await withContainer(async (c) => {
          const r = await seedDemo(c);
          out(`demo catalog: ${r.products} products, ${r.codesImported} codes imported this run`);
          out(`demo distributor: ${r.userId}`);
          if (r.apiKey) out(`demo API key (shown once): ${r.apiKey}`);
          else out("demo API key: already issued earlier (create another with `api-key create`)");
        });
      }),
    );

  registerImportCodes(program);
  registerApiKeyCommands(program);
  registerWalletCommands(program);
  registerStockAndOrders(program);
  registerLedgerCommands(program);
  registerEventCommands(program);
  registerUserCommands(program);
  registerStaffCommands(program);
  registerWithdrawalCommands(program);
  registerKycCommands(program);
  registerCustodyCommands(program);
  registerDistributorCommands(program);
}

function registerImportCodes(program: Command): void {
  program
    .command("import-codes")
    .description(
      "import card codes from a text/CSV file: one `code` or `code,password[,expiry]` per line (blank lines ignored)",
    )
    .argument("<file>", "the file to import")
    .requiredOption("--product <sku>", "the product SKU the codes belong to")
    .option("--source <text>", "who delivered the file (stored on the batch)")
    .option("--no-progress", "no progress bar")
    .action(
      action(async (file: string, o: { product: string; source?: string; progress: boolean }) => {
        const data = await readInputFile(file);
        await withContainer(async (c) => {
          const { ctx, productBySku } = await lib();
          const product = await productBySku(c, o.product);
          if (product.deliveryKind !== "CODE")
            throw new CliError(`${o.product} is a DIRECT product: it is fulfilled by suppliers, not from codes`);
          const bar = o.progress && currentRun().io.isTTY ? await progressBar(data) : null;
          const r = await c.inventory.importCodes(ctx(), {
            productId: product.id,
            source: o.source ?? `cli:${file.split("/").pop()}`,
            content: chunksOf(data),
            onProgress: (p) => bar?.update(p.lines, { ...p }),
          });
          bar?.stop();
          const counts = `${r.duplicate} duplicate, ${r.rejected} rejected`;
          const name = `${product.sku} ${JSON.stringify(product.nameEn)}`;
          if (r.batchId) out(`imported ${r.imported} new code(s) for ${name} into batch ${r.batchId}: ${counts}`);
          else out(`nothing imported for ${name} (${counts}): no batch created`);
          const named = [
            ...r.duplicates.map((d) => ({
              line: d.line,
              why: d.of === "file" ? "duplicate of an earlier line" : "duplicate: already imported",
            })),
            ...r.errors.map((e) => ({ line: e.line, why: `rejected: ${e.reason.replaceAll("_", " ")}` })),
          ].sort((a, b) => a.line - b.line);
          for (const l of named.slice(0, IMPORT_LINES_SHOWN)) out(`  line ${l.line}: ${l.why}`);
          const more = r.duplicate + r.rejected - Math.min(named.length, IMPORT_LINES_SHOWN);
          if (more > 0) out(`  … and ${more} more duplicate or rejected line(s)`);
          if (r.imported === 0 && r.duplicate === 0)
            throw new CliError(r.rejected ? `no valid code in ${file}` : `no codes in ${file}`);
        });
      }),
    );
}

async function* chunksOf(data: Buffer, size = 64 * 1024) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function progressBar(data: Buffer) {
  const { default: cliProgress } = await import("cli-progress");
  let lines = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
  const bar = new cliProgress.SingleBar(
    {
      format: "importing [{bar}] {percentage}% | {lines} lines | {imported} new, {duplicate} dup, {rejected} rejected",
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(lines, 1), 0, { lines: 0, imported: 0, duplicate: 0, rejected: 0 });
  return bar;
}

function registerApiKeyCommands(program: Command): void {
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
          const { newId, userById, userLabel } = await lib();
          let user;
          if (o.newUser) {
            user = await c.db.prisma.user.create({ data: { id: newId(), displayName: o.newUser } });
            out(`user ${userLabel(user, user.id)} created`);
          } else user = await userById(c, o.user!);
          const key = await c.apiKeys.create({ userId: user.id, name: o.name });
          out(`API key ${key.prefix}… (${JSON.stringify(o.name)}) for ${userLabel(user, user.id)}`);
          out(key.key);
          err("store it now: it is not shown again");
        });
      }),
    );
  apiKey
    .command("revoke")
    .description("revoke an API key by its shown prefix (kmg_live_xxxx) or its id")
    .argument("<id-or-prefix>")
    .action(
      action(async (idOrPrefix: string) => {
        await withContainer(async (c) => {
          const { revoked } = await c.apiKeys.revoke({ idOrPrefix });
          if (revoked === 0) throw new CliError(`no active API key matches ${JSON.stringify(idOrPrefix)}`);
          out(`revoked ${revoked} key(s)`);
        });
      }),
    );
  apiKey
    .command("list")
    .description("list API keys with owner, created and last used (never the keys themselves)")
    .option("--user <id>")
    .action(
      action(async (o: { user?: string }) => {
        await withContainer(async (c) => {
          const { userById, userLabel, when } = await lib();
          if (o.user) await userById(c, o.user);
          const keys = await c.apiKeys.list(o.user ? { userId: o.user.toLowerCase() } : {});
          if (keys.length === 0) return out("no API keys");
          const owners = await c.db.prisma.user.findMany({
            where: { id: { in: [...new Set(keys.map((k) => k.userId))] } },
            select: { id: true, displayName: true },
          });
          const ownerOf = new Map(owners.map((u) => [u.id, u]));
          for (const k of keys) {
            const state = k.revokedAt ? `revoked ${when(k.revokedAt)}` : "active";
            out(`${k.prefix}…  ${JSON.stringify(k.name)}  ${state}`);
            out(`  owner ${userLabel(ownerOf.get(k.userId), k.userId)}`);
            out(`  created ${when(k.createdAt)}, last used ${when(k.lastUsedAt)}  (id ${k.id})`);
          }
        });
      }),
    );
}

function registerWalletCommands(program: Command): void {
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
      "defaults to a hash of user, amount, currency and reason: running the same command twice credits once; " +
        "give a new key (e.g. the bank reference) to credit the same amount for the same reason again",
    )
    .action(
      action(async (o: { user: string; amount: string; currency: string; reason: string; idempotencyKey?: string }) => {
        if (o.reason.trim().length < 3) throw new CliError("--reason must say why (at least 3 characters)");
        await withContainer(async (c) => {
          const { CURRENCIES, currencySchema, ctx, money, requestHash, systemCode, userById, userLabel, walletCode } =
            await lib();
          const cur = currencySchema.safeParse(o.currency.toUpperCase());
          if (!cur.success) throw new CliError(`--currency must be one of ${Object.keys(CURRENCIES).join(", ")}`);
          const currency = cur.data;
          const amount = parseAmount(o.amount, CURRENCIES[currency].minorDigits);
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
          out(
            `${r.replayed ? "already credited (same idempotency key; pass --idempotency-key to credit again)" : "credited"} ` +
              `${money(amount, currency)} to ${userLabel(user, user.id)}: balance ${money(b.balance, currency)}`,
          );
          out(`  ledger tx ${r.transactionId}, idempotency key ${key}`);
        });
      }),
    );
}

function registerStockAndOrders(program: Command): void {
  program
    .command("stock")
    .description("stock per product (available / reserved / sold)")
    .option("--product <sku>", "one product, with its batches")
    .action(
      action(async (o: { product?: string }) => {
        await withContainer(async (c) => {
          const { ctx, productBySku, when } = await lib();
          const product = o.product ? await productBySku(c, o.product) : undefined;
          const products = product ? [product] : await c.catalog.listProducts(ctx(), { includeInactive: true });
          const report = await c.inventory.stock(ctx(), product ? { productId: product.id } : {});
          const byId = new Map(report.products.map((p) => [p.productId, p]));
          out(
            ["SKU".padEnd(24), "kind  ", "avail".padStart(7), "reserv".padStart(7), "sold".padStart(7), " name"].join(
              " ",
            ),
          );
          for (const p of products) {
            const s = byId.get(p.id);
            out(
              [
                p.sku.padEnd(24),
                p.deliveryKind.padEnd(6),
                String(s?.available ?? (p.deliveryKind === "DIRECT" ? "-" : 0)).padStart(7),
                String(s?.reserved ?? "-").padStart(7),
                String(s?.sold ?? "-").padStart(7),
                ` ${p.nameEn}`,
              ].join(" "),
            );
          }
          if (product)
            for (const b of report.batches)
              out(`  batch ${b.batchId} ${when(b.createdAt)} ${b.source}: ${b.available} available, ${b.sold} sold`);
        });
      }),
    );

  program
    .command("order")
    .description("orders")
    .command("show")
    .description("show an order with its history (never its codes)")
    .argument("<order>", "its number as the buyer sees it (K7M2-9QX4, #k7m29qx4) or its id")
    .action(
      action(async (ref: string) => {
        await withContainer(async (c) => {
          const { ctx, money, userLabel, when } = await lib();
          const o = await c.orders.resolveRef(ctx(), { ref });
          const [product, user, supplier] = await Promise.all([
            c.catalog.getProduct(ctx(), o.productId),
            c.db.prisma.user.findUnique({ where: { id: o.userId }, select: { id: true, displayName: true } }),
            o.supplierId
              ? c.db.prisma.supplier.findUnique({ where: { id: o.supplierId }, select: { code: true, name: true } })
              : null,
          ]);
          const productName = product ? `${product.sku} ${JSON.stringify(product.nameEn)}` : o.productId;
          out(`order #${o.number} (${o.id}): ${o.status}`);
          out(`  buyer ${userLabel(user, o.userId)} via ${o.channel}`);
          out(`  ${productName} × ${o.quantity}${o.target ? `, target ${o.target}` : ""}`);
          out(`  total ${money(o.total, o.currency)}`);
          if (o.supplierId)
            out(
              `  supplier ${supplier ? `${supplier.code} ${JSON.stringify(supplier.name)}` : o.supplierId}, cost ${o.costTotal === null ? "-" : money(o.costTotal, o.currency)}`,
            );
          if (o.failureReason) out(`  failure: ${o.failureReason}`);
          for (const e of await c.orders.events(ctx(), { orderId: o.id }))
            out(`  ${when(e.createdAt)}  ${e.fromStatus ?? "-"} → ${e.toStatus}${e.reason ? `  (${e.reason})` : ""}`);
        });
      }),
    );
}

function registerLedgerCommands(program: Command): void {
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
          const { CURRENCIES, ctx, money, parseAccountCode } = await lib();
          const check = await c.ledger.check(ctx());
          let ok = check.ok;
          const amount = (account: string, v: bigint) => money(v, parseAccountCode(account).currency);
          out(
            `transactions balanced: ${check.unbalanced.length === 0 ? "yes" : `NO (${check.unbalanced.join(", ")})`}`,
          );
          out(`cached balances match entries: ${check.mismatched.length === 0 ? "yes" : "NO"}`);
          for (const m of check.mismatched)
            out(`  ${m.account}: cached ${amount(m.account, m.cached)}, rebuilt ${amount(m.account, m.rebuilt)}`);
          for (const m of check.heldMismatched ?? [])
            out(`  held ${m.account}: cached ${amount(m.account, m.cached)}, rebuilt ${amount(m.account, m.rebuilt)}`);
          for (const currency of Object.keys(CURRENCIES) as Array<keyof typeof CURRENCIES>) {
            const r = await c.ledger.reconcile(ctx(), currency);
            ok &&= r.ok;
            // Custody is an asset (≤ 0 in the ledger): shown as what it holds.
            out(
              `custody ${currency}: ${r.ok ? "matches" : "DOES NOT MATCH"} customer funds ` +
                `(custody holds ${money(-r.custody, currency)}, customer funds ${money(r.customerFunds, currency)})`,
            );
          }
          if (!ok) throw new CliError("ledger check FAILED", 2);
          out("ledger check ok");
        });
      }),
    );
}

/** `events consumers|failed|retry`: the event consumers' positions and failures (docs/events.md "Operating"). */
function registerEventCommands(program: Command): void {
  const admin = () => import("../events/consumer-admin.ts");
  const events = program.command("events").description("domain-event consumers: lag, failures, retries");
  events
    .command("consumers")
    .description("each consumer: its cursor, who holds its lease, its lag, failing and parked events")
    .action(
      action(async () => {
        const { consumerStatus } = await admin();
        await withContainer(async (c) => {
          const rows = await consumerStatus(c.db.sql);
          if (rows.length === 0) out("no event consumers yet");
          for (const s of rows) {
            const age = s.oldestPendingAt ? ((s.now.getTime() - s.oldestPendingAt.getTime()) / 1000).toFixed(1) : "0";
            const lease = s.leaseActive
              ? `worked by ${s.leaseOwner} until ${s.leaseUntil!.toISOString()}`
              : "not running anywhere";
            out(`${s.name}: ${lease}`);
            out(`  types ${s.types.join(", ")}`);
            out(
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
        const { listFailures } = await admin();
        await withContainer(async (c) => {
          const rows = await listFailures(c.db.sql, {
            ...(o.consumer ? { consumer: o.consumer } : {}),
            parkedOnly: o.parked ?? false,
            limit,
          });
          if (rows.length === 0) out("no failed events");
          for (const f of rows) {
            const state = f.parkedAt
              ? `PARKED since ${f.parkedAt.toISOString()}`
              : `next attempt ${f.nextAttemptAt.toISOString()}`;
            out(
              `${f.consumer} #${f.eventId} ${f.type} (${f.createdAt.toISOString()}): ${f.attempts} attempt(s), ${state}`,
            );
            out(`  last error: ${f.lastError}`);
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
        const { retryFailures } = await admin();
        await withContainer(async (c) => {
          const n = await retryFailures(c.db.sql, { consumer: o.consumer, eventIds, allParked: o.allParked ?? false });
          out(`${n} event(s) of ${o.consumer} due for a retry now`);
        });
      }),
    );
}
