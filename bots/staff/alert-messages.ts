import type { EventPayload } from "../../core/events/index.ts";
import type { Locale } from "../../core/shared/index.ts";
import { bold, plain, type ButtonRows, type Reply } from "../turn.ts";
import { commandButton } from "./staff-commands.ts";

type AlertPayload = EventPayload<"staff.alert">;
type Details = AlertPayload["details"];

const v = (d: Details, k: string) => String(d[k] ?? "—");

/** One line per alert kind and language: what happened, with its figures. */
const lines: Record<Locale, Record<string, (d: Details) => string>> = {
  en: {
    low_stock: (d) =>
      `Low stock: ${v(d, "sku")} has ${v(d, "available")} codes left` +
      (d.daysOfCover === null ? "" : ` (${v(d, "daysOfCover")} days of cover)`) +
      ` — floor ${v(d, "floor")}, wanted ${v(d, "minDaysOfCover")} days`,
    supplier_breaker: (d) =>
      `Supplier ${v(d, "code")}: circuit ${v(d, "state")} after ${v(d, "failures")} failures in a row`,
    failure_rate: (d) =>
      `Fulfilment failing: ${v(d, "failed")} of ${v(d, "finished")} orders (${v(d, "ratePercent")}%) in ${v(d, "windowMinutes")} min — limit ${v(d, "maxPercent")}%`,
    refund_storm: (d) => `Refund storm: ${v(d, "refunded")} refunds in ${v(d, "windowMinutes")} min`,
    ledger_mismatch: (d) =>
      d.check === "reconcile"
        ? `Reconciliation mismatch (${v(d, "currency")}): custody ${v(d, "custody")}, customer funds ${v(d, "customerFunds")}, gap ${v(d, "gap")} (minor units)`
        : `Ledger check failed: ${v(d, "unbalanced")} unbalanced, ${v(d, "mismatched")} balance and ${v(d, "heldMismatched")} held mismatches, ${v(d, "negative")} negative`,
    backorders_waiting: (d) =>
      `${v(d, "count")} backorders waiting longer than ${v(d, "olderThanMinutes")} min (oldest ${v(d, "oldestMinutes")} min)`,
    approval_expired: (d) => `Approval request expired undecided: ${v(d, "summary")} — asked by ${v(d, "requestedBy")}`,
    webhook_errors: (d) =>
      `The ${v(d, "channel")} webhook refused ${v(d, "rejected")} requests in ${v(d, "windowMinutes")} min (${v(d, "reasons")}) — check its secret and proxy`,
    telegram_webhook: (d) =>
      `Telegram cannot deliver to our webhook: ${v(d, "lastError")} (at ${v(d, "lastErrorAt")}); ${v(d, "pending")} updates waiting${d.growing ? ", and growing" : ""} — check PUBLIC_URL, TLS and the proxy`,
  },
  "zh-CN": {
    low_stock: (d) =>
      `库存不足：${v(d, "sku")} 仅剩 ${v(d, "available")} 张` +
      (d.daysOfCover === null ? "" : `（可售 ${v(d, "daysOfCover")} 天）`) +
      ` — 下限 ${v(d, "floor")}，要求 ${v(d, "minDaysOfCover")} 天`,
    supplier_breaker: (d) => `供应商 ${v(d, "code")}：熔断器 ${v(d, "state")}（连续失败 ${v(d, "failures")} 次）`,
    failure_rate: (d) =>
      `履约失败率过高：${v(d, "windowMinutes")} 分钟内 ${v(d, "finished")} 单失败 ${v(d, "failed")} 单（${v(d, "ratePercent")}%），上限 ${v(d, "maxPercent")}%`,
    refund_storm: (d) => `退款激增：${v(d, "windowMinutes")} 分钟内退款 ${v(d, "refunded")} 单`,
    ledger_mismatch: (d) =>
      d.check === "reconcile"
        ? `对账不符（${v(d, "currency")}）：托管 ${v(d, "custody")}，客户资金 ${v(d, "customerFunds")}，差额 ${v(d, "gap")}（最小单位）`
        : `账本检查失败：${v(d, "unbalanced")} 笔不平衡，${v(d, "mismatched")} 个余额不符，${v(d, "heldMismatched")} 个冻结不符，${v(d, "negative")} 个为负`,
    backorders_waiting: (d) =>
      `${v(d, "count")} 个补单等待超过 ${v(d, "olderThanMinutes")} 分钟（最久 ${v(d, "oldestMinutes")} 分钟）`,
    approval_expired: (d) => `审批请求已过期未处理：${v(d, "summary")} — 发起人 ${v(d, "requestedBy")}`,
    webhook_errors: (d) =>
      `${v(d, "channel")} Webhook 在 ${v(d, "windowMinutes")} 分钟内拒绝了 ${v(d, "rejected")} 个请求（${v(d, "reasons")}）— 请检查密钥与代理`,
    telegram_webhook: (d) =>
      `Telegram 无法投递到我们的 Webhook：${v(d, "lastError")}（${v(d, "lastErrorAt")}）；${v(d, "pending")} 条更新待投递${d.growing ? "，且在增加" : ""} — 请检查 PUBLIC_URL、TLS 与代理`,
  },
};

const heads: Record<Locale, Record<AlertPayload["state"], string>> = {
  en: { opened: "ALERT", reminder: "STILL OPEN", resolved: "RESOLVED", notice: "NOTICE" },
  "zh-CN": { opened: "告警", reminder: "仍未解决", resolved: "已恢复", notice: "通知" },
};

const labels: Record<Locale, Record<string, string>> = {
  en: {
    stock: "Stock",
    suppliers: "Suppliers",
    report: "Today's report",
    ledger: "Ledger check",
    backorders: "Backorders",
    pending: "Pending approvals",
    alerts: "Open alerts",
    off: "Disable supplier",
    offConfirm: "Take this supplier out of rotation? Orders go to the next supplier until it is enabled again.",
    cancel: "Cancel",
  },
  "zh-CN": {
    stock: "库存",
    suppliers: "供应商",
    report: "今日报表",
    ledger: "账本检查",
    backorders: "补单",
    pending: "待审批",
    alerts: "告警列表",
    off: "停用供应商",
    offConfirm: "确认停用该供应商？在重新启用之前，订单将转给下一个供应商。",
    cancel: "取消",
  },
};

/** The obvious next action for each kind, as command buttons (`sc:<command line>`). */
function nextActions(p: AlertPayload, locale: Locale): ButtonRows {
  if (p.state === "resolved") return [];
  const l = labels[locale];
  const b = (label: string, line: string) => ({ kind: "callback" as const, label, data: commandButton(line) });
  switch (p.kind) {
    case "low_stock":
      return [[b(l.stock!, "stock"), b(l.report!, "report today")]];
    case "supplier_breaker":
      return [
        [
          b(l.suppliers!, "suppliers"),
          ...(typeof p.details.code === "string"
            ? [
                {
                  ...b(l.off!, `supplier off ${p.details.code}`),
                  style: "danger" as const,
                  confirm: { title: l.off!, text: l.offConfirm!, ok: l.off!, cancel: l.cancel! },
                },
              ]
            : []),
        ],
      ];
    case "failure_rate":
    case "refund_storm":
      return [[b(l.report!, "report today"), b(l.suppliers!, "suppliers")]];
    case "ledger_mismatch":
      return [[b(l.ledger!, "ledger")]];
    case "backorders_waiting":
      return [[b(l.backorders!, "backorders")]];
    case "approval_expired":
      return [[b(l.pending!, "pending")]];
    default:
      return [[b(l.alerts!, "alerts")]];
  }
}

/** A `staff.alert` event as the staff channel's message, in `locale`, with its next-action buttons. */
export function renderStaffAlert(p: AlertPayload, locale: Locale): Reply {
  const line = lines[locale][p.kind]?.(p.details) ?? `${p.kind}: ${p.subject}`;
  const mark = p.state === "resolved" ? "✅" : p.severity === "critical" ? "🔴" : "🟠";
  const buttons = nextActions(p, locale);
  return {
    kind: "text",
    body: [bold(`${mark} ${heads[locale][p.state]}`), plain(` ${line}`)],
    ...(buttons.length > 0 ? { buttons } : {}),
  };
}
