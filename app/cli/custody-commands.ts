import type { Command } from "commander";
import type { CustodyReport } from "../../core/custody/index.ts";
import { STATEMENT_FIELDS, type StatementField } from "../../core/custody/statement-fields.ts";
import { CURRENCIES, type Currency } from "../../core/shared/money.ts";
import { currentRun, out, readInputFile } from "./cli-run.ts";
import { action, CliError, withContainer } from "./cli-support.ts";

const lib = () => import("./cli-lib.ts");

function currencyOf(raw: string): Currency {
  const c = raw.toUpperCase();
  if (!(c in CURRENCIES)) throw new CliError(`--currency must be one of ${Object.keys(CURRENCIES).join(", ")}`);
  return c as Currency;
}

/** `--map reference=用途 --map date=记账日期` → the mapping (each field once, a known field). */
function mappingOf(pairs: string[]): Partial<Record<StatementField, string>> {
  const m: Partial<Record<StatementField, string>> = {};
  for (const p of pairs) {
    const [field, column] = [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)];
    if (!p.includes("=") || !column.trim() || !(STATEMENT_FIELDS as readonly string[]).includes(field))
      throw new CliError(
        `--map takes <field>=<column>, field one of ${STATEMENT_FIELDS.join(", ")}; got ${JSON.stringify(p)}`,
      );
    m[field as StatementField] = column.trim();
  }
  return m;
}

function date(raw: string | undefined, name: string): Date | undefined {
  if (raw === undefined) return undefined;
  // A day is the bank's (China Standard Time).
  const d = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00+08:00`) : new Date(raw);
  if (Number.isNaN(d.getTime())) throw new CliError(`${name} must be a date like 2026-12-01`);
  return d;
}

/** The reconciliation as operators read it; true when both sides and the ledger agree. */
export function printReport(r: CustodyReport, money: (a: bigint, c: string) => string): boolean {
  const m = (a: bigint) => money(a, r.currency);
  out(`custody ${r.currency}  ${r.from.toISOString()} → ${r.to.toISOString()}`);
  out(`bank:     ${r.bank.lines} lines, in ${m(r.bank.credits)}, out ${m(-r.bank.debits)}, net ${m(r.bank.net)}`);
  out(`expected: ${r.expected.movements} payments/payouts, net ${m(r.expected.net)}`);
  out(`matched:  ${r.matched.lines} lines, ${m(r.matched.amount)}`);
  out(`difference (bank − expected): ${m(r.difference)}`);
  if (r.unmatchedLines.length) {
    out(`bank lines with no payment or payout (${r.unmatchedLines.length}):`);
    for (const l of r.unmatchedLines)
      out(
        `  ${l.bookedAt.toISOString()}  ${m(l.amount).padStart(14)}  ${l.serial ?? "-"}  ${l.counterparty}  ${l.reference}`,
      );
  }
  if (r.missing.length) {
    out(`payments/payouts with no bank line (${r.missing.length}):`);
    for (const x of r.missing) out(`  ${x.at.toISOString()}  ${m(x.amount).padStart(14)}  ${x.kind} ${x.id}`);
  }
  out(
    `ledger: custody ${m(r.ledger.custody)} vs customer funds ${m(r.ledger.customerFunds)} — ${r.ledger.ok ? "OK" : "MISMATCH"}`,
  );
  return r.ledger.ok && r.difference === 0n && r.unmatchedLines.length === 0 && r.missing.length === 0;
}

/** `custody import|report|check`: the custody account against the bank (docs/custody.md). */
export function registerCustodyCommands(program: Command): void {
  const custody = program.command("custody").description("custody bank reconciliation (银行存管)");
  custody
    .command("import")
    .argument("<file>", "the bank statement CSV (UTF-8 or GBK)")
    .option("--currency <cur>", "the custody account's currency", "CNY")
    .option("--encoding <enc>", "auto | utf-8 | gbk", "auto")
    .option("--map <field=column...>", `a column for a field (${STATEMENT_FIELDS.join(", ")}); repeatable`, [])
    .description("import a statement (the same file again changes nothing) and match it to payments and payouts")
    .action(
      action(async (file: string, o: { currency: string; encoding: string; map: string[] }) => {
        const currency = currencyOf(o.currency);
        if (!["auto", "utf-8", "gbk"].includes(o.encoding)) throw new CliError("--encoding must be auto, utf-8 or gbk");
        const mapping = mappingOf(o.map);
        const bytes = await readInputFile(file);
        await withContainer(async (c) => {
          const { ctx } = await lib();
          const r = await c.custody.importStatement(ctx(), {
            fileName: file.split(/[\\/]/).pop() ?? file,
            bytes,
            currency,
            encoding: o.encoding as "auto" | "utf-8" | "gbk",
            ...(Object.keys(mapping).length ? { mapping } : {}),
          });
          out(
            r.replayed
              ? `already imported (statement ${r.statementId}): nothing changed`
              : `imported statement ${r.statementId} (${r.encoding}): ${r.lines} lines, ${r.newLines} new, ${r.matched} matched`,
          );
        });
      }),
    );
  custody
    .command("report")
    .option("--currency <cur>", "currency", "CNY")
    .option("--from <date>", "first day (default: the statements' first)")
    .option("--to <date>", "day after the last (default: the statements' last + 1)")
    .description("bank lines against payments and payouts, and the ledger's custody check (exit 2 when they differ)")
    .action(
      action(async (o: { currency: string; from?: string; to?: string }) => {
        const currency = currencyOf(o.currency);
        const from = date(o.from, "--from");
        const to = date(o.to, "--to");
        await withContainer(async (c) => {
          const { ctx, money } = await lib();
          const r = await c.custody.report(ctx(), { currency, ...(from ? { from } : {}), ...(to ? { to } : {}) });
          if (!printReport(r, money)) currentRun().exitCode = 2;
        });
      }),
    );
  custody
    .command("check")
    .description("run the scheduled custody check now (custody vs customer funds; a mismatch writes custody.mismatch)")
    .action(
      action(async () => {
        await withContainer(async (c) => {
          const { ctx, money } = await lib();
          for (const r of await c.custody.check(ctx())) {
            out(
              `${r.currency}: custody ${money(r.custody, r.currency)} vs customer funds ${money(r.customerFunds, r.currency)} — ${r.ok ? "OK" : "MISMATCH"}${r.alerted ? " (alerted)" : ""}`,
            );
            if (!r.ok) currentRun().exitCode = 2;
          }
        });
      }),
    );
}
