import type { Session } from "../shop/shop-bot.types.ts";
import { shopLinkPayload } from "../shop-links.ts";
import type { ButtonRows, Reply } from "../turn.ts";
import type { AgentKit } from "./agent-kit.ts";

const MAX_SHOPS_SHOWN = 20;

/** My shops: the list, a new shop (its name typed), one shop with its buyers' link. */
export function createShops(a: AgentKit) {
  const { k, dist, abtn, backRow } = a;
  const { t, text, lines } = k;

  async function list(s: Session, intro?: string): Promise<Reply[]> {
    const shops = (await dist.shops(s.ctx, s.user.id)).slice(0, MAX_SHOPS_SHOWN);
    const rows: ButtonRows = shops.map((shop) => [abtn(shop.name, { op: "shop", shopId: shop.id })]);
    rows.push([abtn(t(s, "agent.btn_new_shop"), { op: "shop_new" })], backRow(s));
    const body = lines(intro, shops.length ? t(s, "agent.shops_title") : t(s, "agent.no_shops"));
    return [text(s, body, rows)];
  }

  async function askName(s: Session, problem?: string): Promise<Reply[]> {
    await k.setState(s, (cur) => ({ done: cur.done, step: { kind: "agent_shop_name" } }));
    return [
      {
        kind: "prompt",
        body: lines(problem, t(s, "agent.shop_name_prompt")),
        placeholder: t(s, "agent.shop_name_placeholder"),
        buttons: [[k.btn(t(s, "common.cancel"), { op: "cancel" })]],
      },
    ];
  }

  async function onName(s: Session, input: string): Promise<Reply[]> {
    const name = input.trim();
    // The same bounds as the core's (1–60): a clear answer here, before asking it.
    if (name.length < 1 || [...name].length > 60 || /\p{Cc}/u.test(name))
      return askName(s, t(s, "agent.shop_name_bad"));
    const shop = await dist.createShop(s.ctx, { ownerId: s.user.id, name });
    await k.clearFlow(s);
    return detail(s, shop.id, t(s, "agent.shop_created", { name: shop.name }));
  }

  async function detail(s: Session, shopId: string, intro?: string): Promise<Reply[]> {
    const shop = await dist.shop(s.ctx, shopId);
    // Someone else's shop (an old or forged button): as if it did not exist.
    if (shop.ownerId !== s.user.id) return [k.invalidButton(s)];
    const payload = shopLinkPayload({ shopId: shop.id });
    const url = s.caps.deepLink(payload);
    const body = lines(
      intro,
      { text: t(s, "agent.shop_title", { name: shop.name }), style: "bold" },
      url ? t(s, "agent.shop_link", { link: url }) : null,
      t(s, "agent.shop_link_start", { payload }),
      t(s, "agent.shop_bind_hint"),
    );
    return [
      text(s, body, [
        [abtn(t(s, "agent.btn_shop_prices"), { op: "rules", scope: "SHOP", ownerId: shop.id })],
        [abtn(t(s, "agent.btn_shops"), { op: "shops" })],
        backRow(s),
      ]),
    ];
  }

  return { list, askName, onName, detail };
}
