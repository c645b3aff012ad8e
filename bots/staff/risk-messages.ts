import type { Locale } from "../../core/shared/index.ts";

/** The staff console's risk words (review queue, rules, lists, backtest), in both languages. */
const en = {
  help: [
    "held — orders held for risk review, with the rules that fired",
    "review approve <order id> [note] / review reject <order id> <reason> / review block <order id> <reason>",
    "rules — the risk rules; rule enable|disable <name>; rule threshold <name> <value> [which]",
    "rule set <name> <review|block|kyc_required> <JSON condition> — create or replace a rule",
    "risklist — block/allow lists; risklist add <block|allow> <user|target|ip|device> <value> <reason> [days=N]",
    "risklist remove <entry id> — take an entry off",
    "backtest <days> — what the rules would have held over the last days",
  ].join("\n"),
  noHeld: "No orders are held for review.",
  heldItem: (order: string, total: string, buyer: string, age: string) =>
    `Held order ${order} — ${total}, buyer ${buyer}, held ${age}`,
  firedRule: (name: string, seen: string) => `  ⚑ ${name}: ${seen}`,
  approve: "Approve",
  reject: "Reject",
  block: "Reject + block buyer",
  confirmReject: (order: string) => `Refund held order ${order} to the buyer's wallet? This cannot be undone.`,
  confirmBlock: (order: string) => `Refund held order ${order} and block its buyer from ordering?`,
  confirmCancel: "Cancel",
  approved: (order: string) => `Order ${order} approved: it continues to fulfilment.`,
  rejected: (order: string) => `Order ${order} rejected: refunded to the buyer's wallet.`,
  blocked: (order: string) => `Order ${order} rejected and the buyer blocked.`,
  notHeld: (why: string) => `Not done: ${why}`,
  rules: "Risk rules",
  ruleSaved: (name: string, version: number) =>
    `Rule ${name} saved (version ${version}); every server applies it within a few seconds.`,
  lists: "Risk lists",
  noLists: "The lists are empty.",
  listAdded: (id: string) => `Added (entry ${id}).`,
  listRemoved: (value: string) => `Removed ${value}.`,
  backtest: (days: number, orders: number) => `Backtest over the last ${days} days: ${orders} orders`,
};

const zh: typeof en = {
  help: [
    "held — 风控审核中的订单及命中的规则",
    "review approve <订单号> [备注] / review reject <订单号> <原因> / review block <订单号> <原因>",
    "rules — 风控规则；rule enable|disable <名称>；rule threshold <名称> <数值> [第几个]",
    "rule set <名称> <review|block|kyc_required> <JSON 条件> — 新建或替换规则",
    "risklist — 黑白名单；risklist add <block|allow> <user|target|ip|device> <值> <原因> [days=N]",
    "risklist remove <条目 id> — 移除条目",
    "backtest <天数> — 回测：规则在最近几天会拦下哪些订单",
  ].join("\n"),
  noHeld: "没有待审核的订单。",
  heldItem: (order, total, buyer, age) => `待审订单 ${order} — ${total}，买家 ${buyer}，已等待 ${age}`,
  firedRule: (name, seen) => `  ⚑ ${name}：${seen}`,
  approve: "通过",
  reject: "拒绝",
  block: "拒绝并拉黑买家",
  confirmReject: (order) => `确认拒绝待审订单 ${order} 并退款到买家钱包？此操作不可撤销。`,
  confirmBlock: (order) => `确认拒绝待审订单 ${order}、退款并拉黑该买家？`,
  confirmCancel: "取消",
  approved: (order) => `订单 ${order} 已通过，继续发货。`,
  rejected: (order) => `订单 ${order} 已拒绝，款项已退回买家钱包。`,
  blocked: (order) => `订单 ${order} 已拒绝，买家已加入黑名单。`,
  notHeld: (why) => `未执行：${why}`,
  rules: "风控规则",
  ruleSaved: (name, version) => `规则 ${name} 已保存（版本 ${version}），各服务器将在几秒内生效。`,
  lists: "风控名单",
  noLists: "名单为空。",
  listAdded: (id) => `已添加（条目 ${id}）。`,
  listRemoved: (value) => `已移除 ${value}。`,
  backtest: (days, orders) => `最近 ${days} 天回测：共 ${orders} 笔订单`,
};

export type RiskMessages = typeof en;
export const riskMessages = (locale: Locale): RiskMessages => (locale === "zh-CN" ? zh : en);
