import type { Locale } from "../../core/shared/index.ts";

/** The staff console's words for order look-ups and 补单 (backorders), in both languages. */
const en = {
  lookupUsage:
    "order <order number | order id | user id | Telegram/WeChat id | @username | phone/account | supplier ref>",
  found: (n: number, query: string) => `${n} orders for “${query}” (newest first; order <number> for one):`,
  noOrders: (query: string) => `No order found for “${query}”.`,
  matchedBy: "Found by",
  product: "Product",
  channel: "Channel",
  payment: "Payment",
  paymentLine: (tx: string | null, at: string) => (tx ? `ledger ${tx} at ${at}` : `— (${at})`),
  settlement: "Settlement",
  suppliers: "Supplier attempts",
  noAttempts: "none",
  backorders: "Waiting for stock (补单), oldest first",
  noBackorders: "No order is waiting for stock.",
  waited: (minutes: number) => (minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`),
  fill: "Fill from stock",
  reroute: "Send to supplier",
  refund: "Refund",
  filled: (number: string) => `Order ${number} was filled from stock; the buyer got the codes in their chat.`,
  stillShort: (number: string) => `Order ${number} is still waiting: not enough codes in stock.`,
  rerouted: (number: string, status: string) => `Order ${number} went to the suppliers: now ${status}.`,
  notWaiting: (why: string) => `Not done: ${why}`,
  noSupplier: "Not done: the product has no supplier to send it to.",
  backorderMode: (sku: string, on: boolean) =>
    on
      ? `${sku} now takes paid orders while out of stock (they wait for an import, oldest first).`
      : `${sku} no longer takes orders while out of stock (orders already waiting still wait).`,
  productNotFound: (sku: string) => `No product with SKU “${sku}”.`,
  retried: (number: string, status: string) => `Order ${number} was retried with another supplier: now ${status}.`,
};

type Messages = typeof en;

const zh: Messages = {
  lookupUsage: "order <订单号 | 订单 ID | 用户 ID | Telegram/微信 ID | @用户名 | 手机号/游戏账号 | 供应商单号>",
  found: (n, query) => `“${query}”共 ${n} 个订单（最新在前；用 order <订单号> 查看单个）：`,
  noOrders: (query) => `没有找到“${query}”的订单。`,
  matchedBy: "匹配方式",
  product: "商品",
  channel: "渠道",
  payment: "支付",
  paymentLine: (tx, at) => (tx ? `账本 ${tx}，${at}` : `—（${at}）`),
  settlement: "结算",
  suppliers: "供应商请求",
  noAttempts: "无",
  backorders: "等待补货的订单（补单），最早在前",
  noBackorders: "没有等待补货的订单。",
  waited: (minutes) => (minutes < 60 ? `${minutes} 分钟` : `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分钟`),
  fill: "用库存补单",
  reroute: "转供应商",
  refund: "退款",
  filled: (number) => `订单 ${number} 已用库存补单，卡密已发送到买家的聊天。`,
  stillShort: (number) => `订单 ${number} 仍在等待：库存卡密不足。`,
  rerouted: (number, status) => `订单 ${number} 已转给供应商：当前状态 ${status}。`,
  notWaiting: (why) => `未执行：${why}`,
  noSupplier: "未执行：该商品没有可转的供应商。",
  backorderMode: (sku, on) =>
    on
      ? `${sku} 现在缺货时也接受已支付订单（等待补货，先到先得）。`
      : `${sku} 缺货时不再接单（已在等待的订单继续等待）。`,
  productNotFound: (sku) => `没有 SKU 为“${sku}”的商品。`,
  retried: (number, status) => `订单 ${number} 已换供应商重试：当前状态 ${status}。`,
};

export const orderMessages = (locale: Locale): Messages => (locale === "en" ? en : zh);
export type OrderMessages = Messages;
