import { isDomainError } from "../../core/shared/index.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { ButtonRows, Reply } from "../turn.ts";
import type { AgentKit } from "./agent-kit.ts";
import type { RuleModeCode, RuleScope, RuleTarget } from "./callback-data.ts";
import type { AgentStep } from "./ports.ts";
import { parseRuleValue } from "./rule-input.ts";

type Owner = { scope: RuleScope; ownerId: string };
type ValueStep = Extract<AgentStep, { kind: "agent_rule_value" }>;
const MAX_CATEGORIES_SHOWN = 30;

/**
 * My prices: a shop's sale-price rules (SHOP) or the L1's team price (TEAM) — listed, and set for all products,
 * a category or a product: inherit, markup %, fixed over cost, fixed price. The value is typed and checked
 * here for what a number can be; the floor (the owner's cost) and the platform's cap are the core's to refuse.
 */
export function createPrices(a: AgentKit) {
  const { k, dist, abtn, backRow, targetOf, parseTarget, targetText, ruleText } = a;
  const { t, text, lines, money, currency } = k;

  /** Whether the owner of these rules is the chat's user (else: an old or forged button). */
  async function mine(s: Session, o: Owner): Promise<{ title: string } | null> {
    if (o.scope === "TEAM") return o.ownerId === s.user.id ? { title: t(s, "agent.team_rules_title") } : null;
    const shop = await dist.shop(s.ctx, o.ownerId);
    return shop.ownerId === s.user.id ? { title: t(s, "agent.rules_title", { owner: shop.name }) } : null;
  }

  async function home(s: Session): Promise<Reply[]> {
    const shops = await dist.shops(s.ctx, s.user.id);
    if (shops.length === 1) return rules(s, { scope: "SHOP", ownerId: shops[0]!.id });
    if (shops.length === 0)
      return [
        text(s, t(s, "agent.prices_need_shop"), [[abtn(t(s, "agent.btn_new_shop"), { op: "shop_new" })], backRow(s)]),
      ];
    const rows: ButtonRows = shops
      .slice(0, 20)
      .map((shop) => [abtn(shop.name, { op: "rules", scope: "SHOP", ownerId: shop.id })]);
    rows.push(backRow(s));
    return [text(s, t(s, "agent.prices_pick_shop"), rows)];
  }

  async function rules(s: Session, o: Owner, intro?: string): Promise<Reply[]> {
    const owned = await mine(s, o);
    if (!owned) return [k.invalidButton(s)];
    const list = await dist.rules(s.ctx, o.scope, o.ownerId);
    const shown = await Promise.all(
      list.map(async (r) => t(s, "agent.rule_line", { target: await targetText(s, r.target), rule: ruleText(s, r) })),
    );
    const empty = o.scope === "TEAM" ? t(s, "agent.no_team_rules") : t(s, "agent.no_rules");
    const body = lines(intro, { text: owned.title, style: "bold" }, ...(shown.length ? shown : [empty]));
    const back =
      o.scope === "SHOP"
        ? abtn(t(s, "agent.btn_shops"), { op: "shop", shopId: o.ownerId })
        : abtn(t(s, "agent.btn_team"), { op: "team" });
    return [
      text(s, body, [
        [abtn(t(s, "agent.btn_rule_all"), { op: "target", ...o, target: { kind: "all" } })],
        [
          abtn(t(s, "agent.btn_rule_category"), { op: "pick_category", ...o }),
          abtn(t(s, "agent.btn_rule_product"), { op: "pick_product", ...o }),
        ],
        [back],
        backRow(s),
      ]),
    ];
  }

  async function pickCategory(s: Session, o: Owner): Promise<Reply[]> {
    if (!(await mine(s, o))) return [k.invalidButton(s)];
    const cats = (await k.ports.catalog.listCategories(s.ctx)).slice(0, MAX_CATEGORIES_SHOWN);
    const rows: ButtonRows = cats.map((c) => [
      abtn(k.pname(s, c), { op: "target", ...o, target: { kind: "category", id: c.id } }),
    ]);
    rows.push([abtn(t(s, "common.back"), { op: "rules", ...o })]);
    return [text(s, t(s, "agent.pick_category"), rows)];
  }

  async function askProduct(s: Session, o: Owner, problem?: string): Promise<Reply[]> {
    await k.setState(s, (cur) => ({ done: cur.done, step: { kind: "agent_rule_product", ...o } }));
    return [
      {
        kind: "prompt",
        body: lines(problem, t(s, "agent.product_prompt")),
        placeholder: t(s, "agent.product_placeholder"),
        buttons: [[abtn(t(s, "common.back"), { op: "rules", ...o })]],
      },
    ];
  }

  async function pickProduct(s: Session, o: Owner): Promise<Reply[]> {
    if (!(await mine(s, o))) return [k.invalidButton(s)];
    return askProduct(s, o);
  }

  async function onProduct(s: Session, o: Owner, input: string): Promise<Reply[]> {
    const want = input.trim().normalize("NFKC").toLowerCase();
    const products = await k.ports.catalog.listProducts(s.ctx, {});
    const p = products.find(
      (x) =>
        x.active &&
        (x.sku.toLowerCase() === want || x.nameEn.toLowerCase() === want || x.nameZh.normalize("NFKC") === want),
    );
    if (!p) return askProduct(s, o, t(s, "agent.product_unknown", { input: input.trim().slice(0, 40) }));
    await k.clearFlow(s);
    return modes(s, o, { kind: "product", id: p.id });
  }

  async function modes(s: Session, o: Owner, target: RuleTarget): Promise<Reply[]> {
    if (!(await mine(s, o))) return [k.invalidButton(s)];
    if (target.kind === "category" && !(await k.ports.catalog.getCategory(s.ctx, target.id)))
      return [k.invalidButton(s)];
    if (target.kind === "product" && !(await k.ports.catalog.getProduct(s.ctx, target.id))) return [k.invalidButton(s)];
    const mode = (label: MessageKey, m: RuleModeCode) => abtn(t(s, label), { op: "mode", ...o, target, mode: m });
    return [
      text(s, t(s, "agent.pick_mode", { target: await targetText(s, targetOf(target)) }), [
        [mode("agent.btn_mode_inherit", "INHERIT"), mode("agent.btn_mode_markup", "MARKUP_PCT")],
        [mode("agent.btn_mode_over", "FIXED_OVER_COST"), mode("agent.btn_mode_fixed", "FIXED_PRICE")],
        [abtn(t(s, "common.back"), { op: "rules", ...o })],
      ]),
    ];
  }

  function valuePrompt(s: Session, step: ValueStep, problem?: string): Reply {
    const o = { scope: step.scope, ownerId: step.ownerId };
    return {
      kind: "prompt",
      body: lines(
        problem,
        t(s, step.mode === "MARKUP_PCT" ? "agent.value_prompt_markup" : "agent.value_prompt_amount"),
      ),
      placeholder: t(s, "agent.value_placeholder"),
      buttons: [[abtn(t(s, "common.back"), { op: "rules", ...o })]],
    };
  }

  async function chooseMode(s: Session, o: Owner, target: RuleTarget, mode: RuleModeCode): Promise<Reply[]> {
    if (!(await mine(s, o))) return [k.invalidButton(s)];
    if (mode === "INHERIT") return save(s, o, targetOf(target), mode, 0n);
    const step: ValueStep = { kind: "agent_rule_value", ...o, target: targetOf(target), mode };
    await k.setState(s, (cur) => ({ done: cur.done, step }));
    return [valuePrompt(s, step)];
  }

  async function onValue(s: Session, step: ValueStep, input: string): Promise<Reply[]> {
    const v = parseRuleValue(step.mode, input);
    if (!v.ok) {
      const max = step.mode === "MARKUP_PCT" ? `${Number(v.max) / 100}%` : money(s, v.max, currency);
      const problem =
        v.problem === "nan"
          ? t(s, "agent.value_nan", { input: input.trim().slice(0, 20) })
          : v.problem === "negative"
            ? t(s, "agent.value_negative")
            : v.problem === "decimals"
              ? t(s, "agent.value_decimals")
              : t(s, "agent.value_too_large", { max });
      return [valuePrompt(s, step, problem)];
    }
    return save(s, { scope: step.scope, ownerId: step.ownerId }, step.target, step.mode, v.value, step);
  }

  /** Sets the rule; a refusal (under the floor, over the cap) says why with the figures and keeps the step. */
  async function save(
    s: Session,
    o: Owner,
    target: string,
    mode: RuleModeCode,
    value: bigint,
    step?: ValueStep,
  ): Promise<Reply[]> {
    try {
      const rule = await dist.setRule(s.ctx, { ...o, target, mode, value });
      await k.clearFlow(s);
      const saved = t(s, "agent.rule_saved", { target: await targetText(s, rule.target), rule: ruleText(s, rule) });
      return rules(s, o, saved);
    } catch (e) {
      if (!isDomainError(e) || (e.type !== "conflict" && e.type !== "invalid_data")) throw e;
      const d = (e.details ?? {}) as Record<string, unknown>;
      const amount = (x: unknown) => (typeof x === "string" && /^\d+$/.test(x) ? money(s, BigInt(x), currency) : "?");
      const product = async () => {
        const id = typeof d.productId === "string" ? d.productId : null;
        const p = id ? await k.ports.catalog.getProduct(s.ctx, id) : null;
        return p ? k.pname(s, p) : "?";
      };
      const problem =
        e.code === "price_below_floor"
          ? t(s, "agent.rule_below_floor", { product: await product(), price: amount(d.price), floor: amount(d.floor) })
          : e.code === "price_above_cap"
            ? t(s, "agent.rule_above_cap", { product: await product(), price: amount(d.price), cap: amount(d.cap) })
            : t(s, "agent.rule_refused", { reason: e.message });
      if (step) return [valuePrompt(s, step, problem)];
      return rules(s, o, problem);
    }
  }

  return { home, rules, pickCategory, pickProduct, onProduct, modes, chooseMode, onValue, parseTarget };
}
