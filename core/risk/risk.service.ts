import { randomBytes } from "node:crypto";
import {
  conflict,
  describeActor,
  invalidData,
  newId,
  notFound,
  refreshingValue,
  type Actor,
  type Clock,
  type CoreContext,
  type SqlRunner,
  type SqlTx,
  type SqlTxOptions,
  type AuditRecordPort,
} from "../shared/index.ts";
import { backtestOrders } from "./risk-backtest.ts";
import {
  aggregationsOf,
  countedByCounters,
  evaluate,
  parseCondition,
  type Aggregation,
  type Condition,
  type ListKind,
} from "./risk-conditions.ts";
import type { RiskCounters } from "./risk-counters.port.ts";
import { DEFAULT_RULES } from "./risk-default-rules.ts";
import { indexLists, normalise, parseNet, type ListIndex } from "./risk-lists.ts";
import { aggregationValue, seriesFromPlan, seriesPlan, signalValue, type SeriesPlan } from "./risk-signals.ts";
import {
  activeListSql,
  caseByReferenceSql,
  caseBySubjectSql,
  closeCaseSql,
  insertCaseSql,
  insertListEntrySql,
  openReviewSql,
  removeListEntrySql,
  ruleByNameSql,
  rulesSql,
  saveRuleSql,
  seedRuleSql,
} from "./risk.sql.ts";
import {
  RISK_OUTCOMES,
  RISK_SUBJECTS,
  RULE_ACTIONS,
  type BacktestResult,
  type BuyerProfile,
  type FiredRule,
  type HistoricalOrder,
  type RiskCase,
  type RiskCaseStatus,
  type RiskDecision,
  type RiskList,
  type RiskListEntry,
  type RiskOutcome,
  type RiskRule,
  type RiskSubject,
  type RuleAction,
} from "./risk.types.ts";

/** Writes one audit entry (core/audit's `record`), in the caller's transaction. */
export type RiskAuditPort = AuditRecordPort;

export interface RiskDeps {
  sql: SqlRunner;
  clock: Clock;
  counters: RiskCounters;
  audit: RiskAuditPort;
  /** The buyer's account age, delivered orders and spend (the composition root reads users and orders). */
  buyers(ctx: CoreContext, userId: string): Promise<BuyerProfile | null>;
  /**
   * The buyer's failed payments between `from` and `to` (the `failed_payments` aggregation; read only when
   * a rule reaches it). Unset: none.
   */
  failedPayments?(ctx: CoreContext, input: { userId: string; from: Date; to: Date }): Promise<number>;
  /** The buyer's real-name status (core/kyc when it is there); unset: everyone is `unverified`. */
  kycStatus?(ctx: CoreContext, userId: string): Promise<string>;
  /** Past orders for the backtest, oldest first. */
  history?(ctx: CoreContext, input: { from: Date; to: Date; limit: number }): Promise<HistoricalOrder[]>;
  /**
   * How long rules and lists are cached per process: an edit takes effect everywhere within this
   * (default 2 s; docs/risk.md). An edit made through this process is seen at once.
   */
  cacheMs?: number;
}

const severity = (o: RiskOutcome) => RISK_OUTCOMES.indexOf(o);

interface DecisionPlan {
  rules: RiskRule[];
  series: SeriesPlan;
  retainMs: number;
}

/** A rule's numeric thresholds in the order they appear (what `setThreshold` edits, by position). */
export function thresholdsOf(c: Condition): number[] {
  if ("all" in c) return c.all.flatMap(thresholdsOf);
  if ("any" in c) return c.any.flatMap(thresholdsOf);
  if ("not" in c) return thresholdsOf(c.not);
  if ("agg" in c) return [c.value];
  if ("signal" in c && typeof c.value === "number") return [c.value];
  return [];
}

function withThreshold(c: Condition, index: number, value: number): Condition {
  let i = 0;
  const walk = (n: Condition): Condition => {
    if ("all" in n) return { all: n.all.map(walk) };
    if ("any" in n) return { any: n.any.map(walk) };
    if ("not" in n) return { not: walk(n.not) };
    if ("agg" in n) return i++ === index ? { ...n, value } : n;
    if ("signal" in n && typeof n.value === "number") return i++ === index ? { ...n, value } : n;
    return n;
  };
  return walk(c);
}

/** Only an allowlisted user's blocklist rules run (an allowlist never overrides a blocklist). */
function usesBlocklist(c: Condition): boolean {
  if ("all" in c) return c.all.some(usesBlocklist);
  if ("any" in c) return c.any.some(usesBlocklist);
  if ("not" in c) return usesBlocklist(c.not);
  return "listed" in c && c.listed === "block";
}

/** Who made a change, as the record keeps it (a delegated call: the person it acts for). */
const author = (actor: Actor) => describeActor(actor.kind === "system" && actor.onBehalfOf ? actor.onBehalfOf : actor);

const reference = () => `R-${randomBytes(5).toString("hex").toUpperCase()}`;

export function createRisk(deps: RiskDeps) {
  const cacheMs = deps.cacheMs ?? 2_000;
  // Reloaded ahead of expiry while decisions keep coming (core/shared/refreshing-value.ts): a decision
  // waits on a query only when nothing has asked for `cacheMs`; those that do share one load.
  const rulesCache = refreshingValue(cacheMs, () => deps.sql.query<RiskRule>(rulesSql()));
  const listCache = refreshingValue(cacheMs, (at) =>
    deps.sql.query<RiskListEntry>(activeListSql(new Date(at))).then(indexLists),
  );
  const activeRules = (now = deps.clock.now().getTime()) => rulesCache.get(now);
  const listIndex = (now = deps.clock.now()) => listCache.get(now.getTime());

  const applies = (r: RiskRule, subject: RiskSubject["subject"]) =>
    r.enabled && (r.subject === "any" || r.subject === subject);

  // What a decision about one kind of subject takes from a load of the rules (its rules, the counters'
  // windows per dimension, how long they keep events): worked out once per load, not per decision. A
  // load is a new array, so an edit gets a new plan.
  const plans = new WeakMap<readonly RiskRule[], Map<RiskSubject["subject"], DecisionPlan>>();
  function planFor(all: readonly RiskRule[], kind: RiskSubject["subject"]): DecisionPlan {
    let byKind = plans.get(all);
    if (!byKind) plans.set(all, (byKind = new Map()));
    let plan = byKind.get(kind);
    if (!plan) {
      const rules = all.filter((r) => applies(r, kind));
      const aggs = rules.flatMap((r) => aggregationsOf(r.condition)).filter(countedByCounters);
      plan = {
        rules,
        series: seriesPlan(aggs),
        retainMs: Math.max(0, ...aggs.map((a) => a.windowMinutes * 60_000)),
      };
      byKind.set(kind, plan);
    }
    return plan;
  }

  /**
   * Runs `rules` over one event against counter readings and lists; returns the fired rules (with the
   * values each saw) and the outcome. Shared by live decisions and the backtest.
   */
  async function judge(
    ctx: CoreContext,
    subject: RiskSubject,
    rules: readonly RiskRule[],
    lists: ListIndex,
    readings: Parameters<typeof aggregationValue>[2],
    buyer: () => Promise<BuyerProfile | null>,
    now: Date,
    failedPayments: (windowMinutes: number) => Promise<number>,
  ): Promise<{ outcome: RiskOutcome; fired: FiredRule[] }> {
    let kycMemo: Promise<string> | undefined;
    const kyc = () =>
      (kycMemo ??= deps.kycStatus ? deps.kycStatus(ctx, subject.userId) : Promise.resolve("unverified"));
    const listValue = (kind: ListKind) =>
      kind === "user"
        ? subject.userId
        : kind === "target"
          ? subject.target
          : kind === "ip"
            ? subject.ip
            : subject.device;
    const inputs = {
      signal: (name: Parameters<typeof signalValue>[0]) => signalValue(name, subject, now, buyer, kyc),
      aggregation: (a: Aggregation) =>
        a.measure === "failed_payments" ? failedPayments(a.windowMinutes) : aggregationValue(subject, a, readings),
      listed: (list: RiskList, kind: ListKind) => lists.has(list, kind, listValue(kind)),
    };
    const allowlisted = lists.has("allow", "user", subject.userId);
    const fired: FiredRule[] = [];
    let outcome: RiskOutcome = "allow";
    for (const rule of rules) {
      if (allowlisted && !usesBlocklist(rule.condition)) continue;
      const seen: Record<string, unknown> = {};
      const result = evaluate(rule.condition, inputs, seen);
      if (!(result instanceof Promise ? await result : result)) continue;
      fired.push({ name: rule.name, version: rule.version, action: rule.action, seen });
      if (severity(rule.action) > severity(outcome)) outcome = rule.action;
    }
    return { outcome, fired };
  }

  function memoBuyer(ctx: CoreContext, userId: string): () => Promise<BuyerProfile | null> {
    let memo: Promise<BuyerProfile | null> | undefined;
    return () => (memo ??= deps.buyers(ctx, userId));
  }

  /** The buyer's failed payments in the last `windowMinutes` before `to`, read once per window per decision. */
  function memoFailedPayments(ctx: CoreContext, userId: string, to: Date) {
    const memo = new Map<number, Promise<number>>();
    return (windowMinutes: number) => {
      let p = memo.get(windowMinutes);
      if (!p) {
        const from = new Date(to.getTime() - windowMinutes * 60_000);
        p = deps.failedPayments ? deps.failedPayments(ctx, { userId, from, to }) : Promise.resolve(0);
        memo.set(windowMinutes, p);
      }
      return p;
    };
  }

  async function saveRule(ctx: CoreContext, next: Omit<RiskRule, "updatedAt">, change: Record<string, unknown>) {
    const saved = await deps.sql.transaction(async (tx) => {
      const [row] = await tx.query<RiskRule>(saveRuleSql(next, deps.clock.now()));
      if (!row) throw conflict("rule_changed", `rule ${next.name} was changed by someone else meanwhile; try again`);
      await deps.audit.record(
        ctx,
        { action: "risk.rule", outcome: "ok", targetType: "risk_rule", targetId: next.name, details: change },
        { tx },
      );
      return row;
    });
    rulesCache.clear();
    return saved;
  }

  async function ruleNamed(tx: SqlTx | SqlRunner, name: string): Promise<RiskRule> {
    const [rule] = await tx.query<RiskRule>(ruleByNameSql(name));
    if (!rule) throw notFound("rule_not_found", `no risk rule named ${name}`);
    return rule;
  }

  return {
    /**
     * The decision about one event before money moves: every enabled rule of its subject runs; the most
     * severe action of those that fired wins. The event is counted (for later decisions) unless refused;
     * a non-allow decision is recorded as a case with the rules that fired and the values they saw.
     */
    async assess(ctx: CoreContext, subject: RiskSubject): Promise<RiskDecision> {
      const loadedAt = deps.clock.now();
      const [all, lists] = await Promise.all([activeRules(loadedAt.getTime()), listIndex(loadedAt)]);
      const { rules, retainMs, series: plannedSeries } = planFor(all, subject.subject);
      const series = seriesFromPlan(subject, plannedSeries);
      // Read after the rules: the event's time is as close to its counting as before.
      const now = deps.clock.now();
      const event = { eventId: subject.eventId, atMs: now.getTime(), amount: Number(subject.amount), series, retainMs };
      // Counted first, read back with this event in: of racing events, each sees a different count.
      const readings = series.length > 0 ? await deps.counters.record(event) : {};
      const undo = async () => {
        if (series.length > 0) await deps.counters.forget(event);
      };
      let judged: Awaited<ReturnType<typeof judge>>;
      try {
        judged = await judge(
          ctx,
          subject,
          rules,
          lists,
          readings,
          memoBuyer(ctx, subject.userId),
          now,
          memoFailedPayments(ctx, subject.userId, now),
        );
      } catch (e) {
        await undo();
        throw e;
      }
      const { outcome, fired } = judged;
      // Refused events do not count against the buyer's limits.
      if (outcome === "block" || outcome === "kyc_required") await undo();
      if (outcome === "allow") return { outcome, reference: null, fired, undo };
      const c: RiskCase = {
        id: newId(),
        reference: reference(),
        subject: subject.subject,
        subjectId: subject.eventId,
        userId: subject.userId,
        outcome,
        fired,
        signals: {
          channel: subject.channel,
          amount: subject.amount.toString(),
          currency: subject.currency,
          ...(subject.quantity !== undefined ? { quantity: subject.quantity } : {}),
          ...(subject.productId ? { productId: subject.productId } : {}),
          ...(subject.target ? { target: subject.target } : {}),
          ...(subject.ip ? { ip: subject.ip } : {}),
          ...(subject.device ? { device: subject.device } : {}),
        },
        status: outcome === "review" ? "OPEN" : "CLOSED",
        decidedBy: null,
        decidedAt: null,
        note: null,
        createdAt: deps.clock.now(),
      };
      await deps.sql.execute(insertCaseSql(c));
      return { outcome, reference: c.reference, fired, undo: outcome === "review" ? undo : async () => {} };
    },

    /** Creates the shipped rules that do not exist yet (by name); edits staff made are kept. */
    async seedDefaults(_ctx: CoreContext): Promise<number> {
      let created = 0;
      for (const r of DEFAULT_RULES)
        created += await deps.sql.execute(
          seedRuleSql({ ...r, id: newId(), updatedBy: "shipped", updatedAt: deps.clock.now() }, deps.clock.now()),
        );
      rulesCache.clear();
      return created;
    },

    async rules(_ctx: CoreContext): Promise<RiskRule[]> {
      return deps.sql.query<RiskRule>(rulesSql());
    },

    async setEnabled(ctx: CoreContext, input: { name: string; enabled: boolean }): Promise<RiskRule> {
      const rule = await ruleNamed(deps.sql, input.name);
      if (rule.enabled === input.enabled) return rule;
      return saveRule(
        ctx,
        { ...rule, enabled: input.enabled, version: rule.version + 1, updatedBy: author(ctx.actor) },
        { enabled: { before: rule.enabled, after: input.enabled }, version: rule.version + 1 },
      );
    },

    /** Changes one numeric threshold of a rule (`index`: its position among them, needed when there are several). */
    async setThreshold(ctx: CoreContext, input: { name: string; value: number; index?: number }): Promise<RiskRule> {
      if (!Number.isFinite(input.value) || input.value < 0)
        throw invalidData("invalid_threshold", "a threshold is a number, zero or more");
      const rule = await ruleNamed(deps.sql, input.name);
      const current = thresholdsOf(rule.condition);
      if (current.length === 0) throw invalidData("no_threshold", `rule ${rule.name} has no threshold to change`);
      if (input.index === undefined && current.length > 1)
        throw invalidData(
          "threshold_ambiguous",
          `rule ${rule.name} has ${current.length} thresholds (${current.join(", ")}): say which, 1–${current.length}`,
        );
      const index = input.index ?? 0;
      if (!Number.isInteger(index) || index < 0 || index >= current.length)
        throw invalidData("invalid_threshold_index", `rule ${rule.name} has thresholds 1–${current.length}`);
      const condition = withThreshold(rule.condition, index, input.value);
      const checked = parseCondition(condition);
      if (!checked.ok) throw invalidData("invalid_condition", checked.message);
      return saveRule(
        ctx,
        { ...rule, condition: checked.condition, version: rule.version + 1, updatedBy: author(ctx.actor) },
        { threshold: { index: index + 1, before: current[index], after: input.value }, version: rule.version + 1 },
      );
    },

    /** Creates a rule or replaces one's condition/action/description (zod-checked; no code runs). */
    async putRule(
      ctx: CoreContext,
      input: {
        name: string;
        description?: string;
        subject?: string;
        action?: string;
        condition?: unknown;
        enabled?: boolean;
      },
    ): Promise<RiskRule> {
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.name))
        throw invalidData("invalid_rule_name", "a rule name is 2–63 lowercase letters, digits and dashes");
      if (input.action !== undefined && !(RULE_ACTIONS as readonly string[]).includes(input.action))
        throw invalidData("invalid_rule_action", `action must be one of ${RULE_ACTIONS.join(", ")}`);
      if (input.subject !== undefined && ![...RISK_SUBJECTS, "any"].includes(input.subject))
        throw invalidData("invalid_rule_subject", `subject must be one of ${[...RISK_SUBJECTS, "any"].join(", ")}`);
      let condition: Condition | undefined;
      if (input.condition !== undefined) {
        const checked = parseCondition(input.condition);
        if (!checked.ok) throw invalidData("invalid_condition", checked.message);
        condition = checked.condition;
      }
      const [existing] = await deps.sql.query<RiskRule>(ruleByNameSql(input.name));
      if (!existing && (!condition || !input.action))
        throw invalidData("rule_incomplete", "a new rule needs an action and a condition");
      const next: Omit<RiskRule, "updatedAt"> = {
        id: existing?.id ?? newId(),
        name: input.name,
        description: input.description ?? existing?.description ?? "",
        subject: (input.subject ?? existing?.subject ?? "order") as RiskRule["subject"],
        action: (input.action ?? existing?.action) as RuleAction,
        condition: condition ?? existing!.condition,
        enabled: input.enabled ?? existing?.enabled ?? true,
        version: (existing?.version ?? 0) + 1,
        updatedBy: author(ctx.actor),
      };
      return saveRule(ctx, next, {
        before: existing ? { action: existing.action, condition: existing.condition, enabled: existing.enabled } : null,
        after: { action: next.action, condition: next.condition, enabled: next.enabled },
        version: next.version,
      });
    },

    async listEntries(_ctx: CoreContext): Promise<RiskListEntry[]> {
      return deps.sql.query<RiskListEntry>(activeListSql(deps.clock.now()));
    },

    async addListEntry(
      ctx: CoreContext,
      input: { list: string; kind: string; value: string; reason: string; expiresAt?: Date | null },
    ): Promise<RiskListEntry> {
      if (input.list !== "block" && input.list !== "allow")
        throw invalidData("invalid_list", "the list is `block` or `allow`");
      if (!["user", "target", "ip", "device"].includes(input.kind))
        throw invalidData("invalid_list_kind", "a list entry is a user, target, ip or device");
      const kind = input.kind as ListKind;
      const value = normalise(kind, input.value);
      if (!value || value.length > 200) throw invalidData("invalid_list_value", "the value is 1–200 characters");
      if (kind === "ip" && !parseNet(value))
        throw invalidData("invalid_ip", `${value.slice(0, 60)} is not an IP address or CIDR (like 10.0.0.0/8)`);
      if (kind === "user" && !/^[0-9a-f-]{36}$/i.test(value))
        throw invalidData("invalid_user_id", "a user entry is the user's id (a UUID)");
      if (input.reason.trim().length < 3) throw invalidData("reason_required", "say why (3 characters or more)");
      if (input.expiresAt && input.expiresAt.getTime() <= deps.clock.now().getTime())
        throw invalidData("invalid_expiry", "the expiry must be in the future");
      const entry: RiskListEntry = {
        id: newId(),
        list: input.list,
        kind,
        value,
        reason: input.reason.trim(),
        author: author(ctx.actor),
        expiresAt: input.expiresAt ?? null,
        createdAt: deps.clock.now(),
      };
      const saved = await deps.sql.transaction(async (tx) => {
        const [row] = await tx.query<RiskListEntry>(insertListEntrySql(entry));
        await deps.audit.record(
          ctx,
          {
            action: "risk.list.add",
            outcome: "ok",
            targetType: "risk_list",
            targetId: entry.id,
            details: { list: entry.list, kind, value, reason: entry.reason, expiresAt: entry.expiresAt?.toISOString() },
          },
          { tx },
        );
        return row!;
      });
      listCache.clear();
      return saved;
    },

    async removeListEntry(ctx: CoreContext, input: { id: string }): Promise<RiskListEntry> {
      if (!/^[0-9a-f-]{36}$/i.test(input.id)) throw invalidData("invalid_list_entry", "name the entry by its id");
      const removed = await deps.sql.transaction(async (tx) => {
        const [row] = await tx.query<RiskListEntry>(removeListEntrySql(input.id, deps.clock.now()));
        if (!row) throw notFound("list_entry_not_found", "no such list entry (or already removed)");
        await deps.audit.record(
          ctx,
          {
            action: "risk.list.remove",
            outcome: "ok",
            targetType: "risk_list",
            targetId: row.id,
            details: { list: row.list, kind: row.kind, value: row.value },
          },
          { tx },
        );
        return row;
      });
      listCache.clear();
      return removed;
    },

    /** The newest case about an order (or payment), with the rules that fired and the values seen. */
    async caseFor(_ctx: CoreContext, input: { subjectId: string }): Promise<RiskCase | null> {
      const [c] = await deps.sql.query<RiskCase>(caseBySubjectSql(input.subjectId));
      return c ?? null;
    },

    async caseByReference(_ctx: CoreContext, input: { reference: string }): Promise<RiskCase | null> {
      const [c] = await deps.sql.query<RiskCase>(caseByReferenceSql(input.reference.trim().toUpperCase()));
      return c ?? null;
    },

    /** Whether a `review` decision about this order is still open (an order paid later is then held). */
    async hasOpenReview(_ctx: CoreContext, input: { subjectId: string }, opts?: SqlTxOptions): Promise<boolean> {
      const rows = await (opts?.tx ?? deps.sql).query<{ one: number }>(openReviewSql(input.subjectId));
      return rows.length > 0;
    },

    /** Closes the OPEN case of a held order once (in the caller's transaction, next to the order's change). */
    async closeCase(
      ctx: CoreContext,
      input: { subjectId: string; status: Exclude<RiskCaseStatus, "OPEN">; note?: string },
      opts?: SqlTxOptions,
    ): Promise<RiskCase | null> {
      const statement = closeCaseSql(
        input.subjectId,
        input.status,
        author(ctx.actor),
        input.note ?? null,
        deps.clock.now(),
      );
      const [c] = await (opts?.tx ?? deps.sql).query<RiskCase>(statement);
      return c ?? null;
    },

    /**
     * Dry run: the last `days` of orders replayed, in order, through the current rules (or `rules`, a
     * draft set) with fresh in-memory counters — what would have been held or refused. Changes nothing.
     */
    async backtest(
      ctx: CoreContext,
      input: { days: number; limit?: number; rules?: RiskRule[] },
    ): Promise<BacktestResult> {
      if (!Number.isInteger(input.days) || input.days < 1 || input.days > 90)
        throw invalidData("invalid_backtest_days", "a backtest covers 1 to 90 days");
      if (!deps.history) throw invalidData("backtest_unavailable", "no order history is wired for backtests");
      const to = deps.clock.now();
      const from = new Date(to.getTime() - input.days * 86_400_000);
      const orders = await deps.history(ctx, { from, to, limit: input.limit ?? 200_000 });
      const rules = (input.rules ?? (await activeRules())).filter((r) => applies(r, "order"));
      const lists = await listIndex();
      return backtestOrders({
        days: input.days,
        orders,
        rules,
        lists,
        judge: (s, rs, l, r, b, now, failed) => judge(ctx, s, rs, l, r, b, now, failed),
        failedPayments: (userId, from, to) =>
          deps.failedPayments ? deps.failedPayments(ctx, { userId, from, to }) : Promise.resolve(0),
      });
    },
  };
}

export type Risk = ReturnType<typeof createRisk>;
