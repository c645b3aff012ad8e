import type { Command } from "commander";
import type { PayoutAccount, Withdrawal } from "../../core/withdrawals/index.ts";
import { out } from "./cli-run.ts";
import { action, CliError } from "./cli-support.ts";
import { withConsole, type StaffConsoleCli } from "./staff-console-cli.ts";

const STATUSES = ["PENDING", "PAYING", "PAID", "REJECTED", "EXPIRED", "FAILED"];

function uuid(what: string, raw: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw))
    throw new CliError(`${what} must be an id (UUID), got ${JSON.stringify(raw)}`);
  return raw.toLowerCase();
}

const accountLine = (a: PayoutAccount) => [a.id, a.kind.padEnd(9), a.masked, a.holderName].join("  ");

/** `withdrawal list|show|retry-payout`, `payout-account add|list|remove`, `kyc set|show`. */
export function registerWithdrawalCommands(program: Command): void {
  const w = program
    .command("withdrawal")
    .description("withdrawals: list, show; staff decide them in the staff console");
  const line = (k: StaffConsoleCli, x: Withdrawal) =>
    [
      x.id,
      x.status.padEnd(8),
      k.lib.money(x.amount, x.currency),
      `fee ${k.lib.money(x.fee, x.currency)}`,
      x.userId,
      k.lib.when(x.createdAt),
    ].join("  ");
  /** Runs `fn` with the staff console and the withdrawal the argument names (refused unless a UUID). */
  const withWithdrawal = (id: string, fn: (k: StaffConsoleCli, x: Withdrawal) => Promise<void>) => {
    const withdrawalId = uuid("the withdrawal", id);
    return withConsole(async (k) => fn(k, await k.withdrawals.get(k.ctx, { withdrawalId })));
  };
  w.command("list")
    .description("the newest withdrawals (of one user, or in one status)")
    .option("--user <userId>", "only this user's")
    .option("--status <status>", STATUSES.join(" | "))
    .option("--limit <n>", "how many (default 50)")
    .action(
      action(async (o: { user?: string; status?: string; limit?: string }) => {
        if (o.status && !STATUSES.includes(o.status))
          throw new CliError(`--status must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(o.status)}`);
        const limit = o.limit === undefined ? 50 : Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError("--limit must be 1–500");
        const userId = o.user === undefined ? undefined : uuid("--user", o.user);
        await withConsole(async (k) => {
          const all = await k.withdrawals.list(k.ctx, {
            limit,
            ...(userId ? { userId } : {}),
            ...(o.status ? { status: o.status as Withdrawal["status"] } : {}),
          });
          if (all.length === 0) out("no withdrawals");
          for (const x of all) out(line(k, x));
        });
      }),
    );
  w.command("show")
    .description("one withdrawal: amounts, payout account (masked), decision, ledger transaction")
    .argument("<withdrawalId>")
    .action(
      action(async (id: string) => {
        await withWithdrawal(id, async (k, x) => {
          const account = (await k.withdrawals.payoutAccounts(k.ctx, { userId: x.userId })).find(
            (a) => a.id === x.payoutAccountId,
          );
          out(line(k, x));
          out(`  to:        ${account ? accountLine(account) : `${x.payoutAccountId} (removed)`}`);
          out(`  receives:  ${k.lib.money(x.amount - x.fee, x.currency)}`);
          out(`  approval:  ${x.approvalId ?? "none"}`);
          out(`  decided:   ${x.decidedBy ?? "not yet"} ${x.decidedAt ? k.lib.when(x.decidedAt) : ""}`.trimEnd());
          if (x.reason) out(`  reason:    ${x.reason}`);
          if (x.payoutRef) out(`  payout:    ${x.payoutRef} (ledger ${x.ledgerTransactionId})`);
          out(`  expires:   ${k.lib.when(x.expiresAt)}`);
        });
      }),
    );
  w.command("retry-payout")
    .description("ask the payout provider again about a PAYING withdrawal whose answer was unknown (same reference)")
    .argument("<withdrawalId>")
    .action(
      action(async (id: string) => {
        await withWithdrawal(id, async (k, x) => {
          if (x.status !== "PAYING")
            throw new CliError(
              `the withdrawal is ${x.status}: only a PAYING one is retried (decide others in the staff console)`,
            );
          const r = await k.withdrawals.pay(k.ctx, { withdrawalId: x.id, decidedBy: x.decidedBy ?? "cli" });
          out(r.ok ? `paid: ${line(k, r.withdrawal)}` : `${r.code}: ${r.reason}`);
        });
      }),
    );

  const p = program
    .command("payout-account")
    .description("a user's payout accounts (bank card, Alipay; stored encrypted)");
  p.command("list")
    .requiredOption("--user <userId>")
    .action(
      action(async (o: { user: string }) => {
        const userId = uuid("--user", o.user);
        await withConsole(async (k) => {
          const all = await k.withdrawals.payoutAccounts(k.ctx, { userId });
          if (all.length === 0) out("no payout accounts");
          for (const a of all) out(accountLine(a));
        });
      }),
    );
  p.command("add")
    .description("add a payout account for a user")
    .requiredOption("--user <userId>")
    .requiredOption("--kind <kind>", "bank_card | alipay")
    .requiredOption("--account <number>", "card number, or Alipay phone/e-mail")
    .requiredOption("--name <holder>", "the account holder's real name")
    .action(
      action(async (o: { user: string; kind: string; account: string; name: string }) => {
        const userId = uuid("--user", o.user);
        if (o.kind !== "bank_card" && o.kind !== "alipay")
          throw new CliError(`--kind must be bank_card or alipay, got ${JSON.stringify(o.kind)}`);
        await withConsole(async (k) => {
          const a = await k.withdrawals.addPayoutAccount(k.ctx, {
            userId,
            kind: o.kind as "alipay",
            account: o.account,
            holderName: o.name,
          });
          out(`payout account: ${accountLine(a)}`);
        });
      }),
    );
  p.command("remove")
    .requiredOption("--user <userId>")
    .argument("<payoutAccountId>")
    .action(
      action(async (id: string, o: { user: string }) => {
        const userId = uuid("--user", o.user);
        const payoutAccountId = uuid("the payout account", id);
        await withConsole(async (k) => {
          await k.withdrawals.removePayoutAccount(k.ctx, { userId, payoutAccountId });
          out(`payout account ${payoutAccountId} removed`);
        });
      }),
    );

  const kyc = program.command("kyc").description("the real-name (KYC) flag withdrawals need, until core/kyc lands");
  kyc
    .command("set")
    .requiredOption("--user <userId>")
    .option("--verified <yes|no>", "yes (default) or no", "yes")
    .action(
      action(async (o: { user: string; verified: string }) => {
        const userId = uuid("--user", o.user);
        if (o.verified !== "yes" && o.verified !== "no")
          throw new CliError(`--verified must be yes or no, got ${JSON.stringify(o.verified)}`);
        await withConsole(async (k, c) => {
          await k.lib.userById(c, userId);
          await k.withdrawals.setKycVerified(k.ctx, { userId, verified: o.verified === "yes" });
          out(`user ${userId}: KYC ${o.verified === "yes" ? "verified" : "not verified"}`);
        });
      }),
    );
}
