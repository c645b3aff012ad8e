import type { Command } from "commander";
import type { Distributor, Tier } from "../../core/distribution/index.ts";
import type { Container } from "../container.ts";
import { out } from "./cli-run.ts";
import { action, CliError, withContainer } from "./cli-support.ts";

/** The CLI's context and money format, loaded when a command runs (`--help` stays fast; see commands.ts). */
const lib = () => import("./cli-lib.ts");

const line = (d: Distributor, tiers: Map<string, Tier>) => {
  const t = tiers.get(d.tierId);
  return [
    d.userId,
    `${d.tierId}${t ? ` (${t.nameZh} ${t.nameEn})` : ""}`,
    d.tierPinned ? "pinned" : "",
    d.parentId ? `L2 of ${d.parentId}` : "L1",
  ]
    .filter(Boolean)
    .join("  ");
};

async function withDistribution(
  fn: (k: { c: Container; ctx: Awaited<ReturnType<typeof lib>>["ctx"] }) => Promise<void>,
) {
  const { ctx } = await lib();
  await withContainer((c) => fn({ c, ctx }));
}

const tierMap = async (c: Container, ctx: ReturnType<Awaited<ReturnType<typeof lib>>["ctx"]>) =>
  new Map((await c.distribution.tiers(ctx)).map((t) => [t.id, t]));

/** `distributor add|show|list|tier|pin|tiers|applications|approve|reject` (docs/distribution.md). */
export function registerDistributorCommands(program: Command): void {
  const d = program.command("distributor").description("distributors (代理): tiers, teams, applications");
  d.command("add")
    .description("make a user a distributor (at the lowest tier unless --tier), optionally in an L1's team")
    .argument("<userId>", "the user's id (see `user find`)")
    .option("--tier <tierId>", "the tier (see `distributor tiers`)")
    .option("--parent <userId>", "the L1 whose team the user joins (its tier must allow sub-distributors)")
    .action(
      action(async (userId: string, o: { tier?: string; parent?: string }) => {
        await withDistribution(async ({ c, ctx }) => {
          const x = ctx();
          const r = o.parent
            ? { distributor: await c.distribution.recruit(x, { l1: o.parent, userId }), created: true }
            : await c.distribution.add(x, { userId, ...(o.tier ? { tierId: o.tier } : {}) });
          if (o.parent && o.tier) await c.distribution.setTier(x, { userId, tierId: o.tier });
          const now = (await c.distribution.get(x, userId)) ?? r.distributor;
          out(`${r.created ? "distributor added" : "already a distributor"}: ${line(now, await tierMap(c, x))}`);
        });
      }),
    );
  d.command("show")
    .description("a distributor: tier, L1 or team, shops, wallet")
    .argument("<userId>")
    .action(
      action(async (userId: string) => {
        await withDistribution(async ({ c, ctx }) => {
          const x = ctx();
          const { money } = await lib();
          const one = await c.distribution.get(x, userId);
          if (!one) throw new CliError(`${userId} is not a distributor (add one with \`distributor add\`)`);
          out(line(one, await tierMap(c, x)));
          const team = await c.distribution.team(x, userId);
          if (team.length) out(`team: ${team.map((m) => m.userId).join(", ")}`);
          for (const s of await c.distribution.shops(x, userId)) out(`shop ${s.id}  ${s.name}`);
          const w = await c.ledger.balance(x, c.ledger.walletCode(userId, "CNY"));
          const owed = await c.ledger.balance(x, `receivable:${userId}:CNY`);
          out(
            `wallet ${money(w.available, "CNY")} available${owed.balance < 0n ? `, owes ${money(-owed.balance, "CNY")}` : ""}`,
          );
        });
      }),
    );
  d.command("list")
    .description("distributors, oldest first")
    .option("--tier <tierId>", "only this tier")
    .option("--limit <n>", "at most this many (1–500)", "100")
    .action(
      action(async (o: { tier?: string; limit: string }) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError("--limit must be 1–500");
        await withDistribution(async ({ c, ctx }) => {
          const x = ctx();
          const all = await c.distribution.list(x, { ...(o.tier ? { tierId: o.tier } : {}), limit });
          if (all.length === 0) out("no distributors yet");
          const tiers = await tierMap(c, x);
          for (const one of all) out(line(one, tiers));
        });
      }),
    );
  d.command("tier")
    .description("set a distributor's tier (staff: the distributor is told in chat)")
    .argument("<userId>")
    .argument("<tierId>", "see `distributor tiers`")
    .option("--pin", "and pin it (no automatic up/downgrade)")
    .action(
      action(async (userId: string, tierId: string, o: { pin?: boolean }) => {
        await withDistribution(async ({ c, ctx }) => {
          const x = ctx();
          const r = await c.distribution.setTier(x, { userId, tierId, ...(o.pin ? { pin: true } : {}) });
          out(`tier set: ${line(r, await tierMap(c, x))}`);
        });
      }),
    );
  d.command("pin")
    .description("pin (on) or unpin (off) a distributor's tier")
    .argument("<userId>")
    .argument("<onOff>", "on | off")
    .action(
      action(async (userId: string, onOff: string) => {
        if (onOff !== "on" && onOff !== "off") throw new CliError(`pin takes on or off, got ${JSON.stringify(onOff)}`);
        await withDistribution(async ({ c, ctx }) => {
          const x = ctx();
          const r = await c.distribution.pin(x, { userId, pinned: onOff === "on" });
          out(`${onOff === "on" ? "pinned" : "unpinned"}: ${line(r, await tierMap(c, x))}`);
        });
      }),
    );
  d.command("tiers")
    .description("the tiers: discount, sub-levels, the 30-day volume that reaches each")
    .action(
      action(async () => {
        await withDistribution(async ({ c, ctx }) => {
          const { money } = await lib();
          for (const t of await c.distribution.tiers(ctx()))
            out(
              `${t.id.padEnd(9)} ${t.nameZh} ${t.nameEn}: ${t.discountBps / 100}% off retail, ${t.maxLevels} sub-level(s), from ${money(t.upgradeAt, "CNY")} / 30 days`,
            );
        });
      }),
    );
  d.command("applications")
    .description("pending `/agent` applications")
    .action(
      action(async () => {
        await withDistribution(async ({ c, ctx }) => {
          const apps = await c.distribution.applications(ctx());
          if (apps.length === 0) out("no pending applications");
          for (const a of apps) out(`${a.userId}  applied ${a.createdAt.toISOString()}`);
        });
      }),
    );
  for (const [name, approve] of [
    ["approve", true],
    ["reject", false],
  ] as const)
    d.command(name)
      .description(`${name} a pending application`)
      .argument("<userId>")
      .option("--note <text>", "why (kept with the decision)")
      .action(
        action(async (userId: string, o: { note?: string }) => {
          await withDistribution(async ({ c, ctx }) => {
            const a = await c.distribution.decide(ctx(), { userId, approve, ...(o.note ? { note: o.note } : {}) });
            out(`application ${a.status.toLowerCase()}: ${a.userId}`);
          });
        }),
      );
}
