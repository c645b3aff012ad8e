import type { Locale } from "../../core/shared/index.ts";

/** The words of the staff console's operations commands (reports, money, alerts, suppliers), both languages. */
const en = {
  help: [
    "report [today|yesterday|7d] — orders, revenue, margin, top products, failures, refunds",
    "balance <user id> / statement <user id> [currency] — a wallet",
    "credit|debit <user id> <amount> <currency> <reason> — through the ledger (a second person approves above the threshold)",
    "ledger — ledger check and reconciliation now",
    "alerts — open alerts",
    "suppliers — health over the last hour; supplier on|off <code>; supplier cost|priority <code> <product sku> <value>",
    "price <sku> <amount> (a second person approves a large change) · limits <sku> <min> <max> · sale <sku> on|off · batches <sku>",
  ].join("\n"),
  periods: { today: "today", yesterday: "yesterday", "7d": "last 7 days" } as Record<string, string>,
  reportTitle: (period: string, from: string, to: string) => `Report — ${period} (${from} → ${to})`,
  noOrders: "No orders in this period.",
  placed: "Orders placed",
  paidDelivered: "Paid / delivered",
  revenue: "Revenue",
  margin: "Margin",
  failures: "Failures",
  refunds: "Refunds",
  topProducts: "Top products",
  walletOf: (userId: string) => `Wallet of user ${userId}`,
  balanceLine: (cur: string, balance: string, held: string, available: string) =>
    `${cur}: balance ${balance}, held ${held}, available ${available}`,
  statementOf: (userId: string, cur: string) => `Statement of user ${userId} (${cur}), newest first`,
  noEntries: "No entries.",
  userNotFound: "No such user.",
  adjusted: (summary: string) => `Done: ${summary}`,
  adjustFailed: (why: string) => `Not done: ${why}`,
  badAmount: (cur: string, digits: number) =>
    `The amount must be a positive number in ${cur} with at most ${digits} decimal places.`,
  badCurrency: (c: string, all: string) => `Unknown currency “${c}” (one of ${all}).`,
  ledgerOk: "Ledger check: OK — every transaction balances and every cached balance matches its entries.",
  ledgerBad: (u: number, m: number, h: number, n: number) =>
    `Ledger check FAILED: ${u} unbalanced transactions, ${m} balance mismatches, ${h} held mismatches, ${n} negative accounts.`,
  reconcileLine: (cur: string, ok: boolean, custody: string, funds: string) =>
    `${cur}: ${ok ? "OK" : "MISMATCH"} — custody ${custody}, customer funds ${funds}`,
  openAlerts: "Open alerts",
  noAlerts: "No open alerts.",
  suppliersTitle: "Suppliers (last hour)",
  supplierNotFound: (code: string) => `No supplier “${code}”.`,
  productNotFound: (sku: string) => `No product “${sku}”.`,
  supplierSet: (code: string, what: string) => `Supplier ${code}: ${what}.`,
  notLinked: (code: string, sku: string) => `Supplier ${code} does not supply ${sku}.`,
  productSet: (sku: string, what: string) => `${sku}: ${what}.`,
  priceWord: "price",
  onSale: "on sale",
  offSale: "off sale",
  badLimits: "Limits must be whole numbers with 1 ≤ min ≤ max.",
  batchesTitle: (sku: string) => `Stock of ${sku} by batch`,
  cover: (available: number, sold7: number, days: number | null) =>
    `${available} available; ${sold7} sold in 7 days; ${days === null ? "no recent sales" : `${days} days of cover`}`,
};

type Messages = typeof en;

const zh: Messages = {
  help: [
    "report [today|yesterday|7d] — 订单、收入、毛利、热销商品、失败、退款",
    "balance <用户号> / statement <用户号> [币种] — 钱包余额与流水",
    "credit|debit <用户号> <金额> <币种> <原因> — 通过账本加款/扣款（超过阈值需另一人审批）",
    "ledger — 立即执行账本检查与对账",
    "alerts — 未解决的告警",
    "suppliers — 最近一小时的供应商健康；supplier on|off <代码>；supplier cost|priority <代码> <商品SKU> <值>",
    "price <SKU> <金额>（改价幅度大需另一人审批）· limits <SKU> <最小> <最大> · sale <SKU> on|off · batches <SKU>",
  ].join("\n"),
  periods: { today: "今天", yesterday: "昨天", "7d": "最近 7 天" },
  reportTitle: (period, from, to) => `报表 — ${period}（${from} → ${to}）`,
  noOrders: "此期间没有订单。",
  placed: "下单数",
  paidDelivered: "支付 / 交付",
  revenue: "收入",
  margin: "毛利",
  failures: "失败",
  refunds: "退款",
  topProducts: "热销商品",
  walletOf: (userId) => `用户 ${userId} 的钱包`,
  balanceLine: (cur, balance, held, available) => `${cur}：余额 ${balance}，冻结 ${held}，可用 ${available}`,
  statementOf: (userId, cur) => `用户 ${userId} 的流水（${cur}），最新在前`,
  noEntries: "没有流水。",
  userNotFound: "找不到该用户。",
  adjusted: (summary) => `已完成：${summary}`,
  adjustFailed: (why) => `未执行：${why}`,
  badAmount: (cur, digits) => `金额必须是正数（${cur}，最多 ${digits} 位小数）。`,
  badCurrency: (c, all) => `未知币种“${c}”（可选：${all}）。`,
  ledgerOk: "账本检查：正常 — 每笔交易平衡，每个缓存余额与分录一致。",
  ledgerBad: (u, m, h, n) => `账本检查失败：${u} 笔交易不平衡，${m} 个余额不符，${h} 个冻结不符，${n} 个账户为负。`,
  reconcileLine: (cur, ok, custody, funds) => `${cur}：${ok ? "正常" : "不符"} — 托管 ${custody}，客户资金 ${funds}`,
  openAlerts: "未解决的告警",
  noAlerts: "没有未解决的告警。",
  suppliersTitle: "供应商（最近一小时）",
  supplierNotFound: (code) => `找不到供应商“${code}”。`,
  productNotFound: (sku) => `找不到商品“${sku}”。`,
  supplierSet: (code, what) => `供应商 ${code}：${what}。`,
  notLinked: (code, sku) => `供应商 ${code} 不供应 ${sku}。`,
  productSet: (sku, what) => `${sku}：${what}。`,
  priceWord: "价格",
  onSale: "已上架",
  offSale: "已下架",
  badLimits: "限购数量必须是整数，且 1 ≤ 最小 ≤ 最大。",
  batchesTitle: (sku) => `${sku} 各批次库存`,
  cover: (available, sold7, days) =>
    `可售 ${available}；7 天售出 ${sold7}；${days === null ? "近期无销售" : `可售 ${days} 天`}`,
};

export const opsMessages = (locale: Locale): Messages => (locale === "en" ? en : zh);
export type OpsMessages = Messages;
