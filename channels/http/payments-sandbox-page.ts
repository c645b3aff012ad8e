import { assertExhaustive, formatMoney } from "../../core/shared/index.ts";
import type { Payment } from "../../core/payments/index.ts";

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

type Tone = "ok" | "bad" | "neutral";

function layout(title: string, body: string, tone: Tone = "neutral"): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:600;margin:.5rem 0 1rem}
h1{font-size:1.4rem;margin:.2rem 0}.icon{font-size:2.6rem;line-height:1}.ok .icon{color:#2f9e44}.bad .icon{color:#c92a2a}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;border:0;cursor:pointer;margin-right:.5rem}
.pay{background:#1677ff;color:#fff}.decline{background:#eee}.muted{color:#777;font-size:.85rem}.next{margin:.8rem 0 0}</style>
</head><body><div class="card ${tone}">${body}</div>
<p class="muted">Sandbox payment provider — no real money moves. 沙箱支付，不产生真实扣款。</p></body></html>`;
}

/**
 * The hosted checkout of the simulated provider: the amount with Pay / Decline while the payment is
 * pending; once it is settled, its result (the page a buyer lands on after paying).
 */
export function checkoutPage(p: Payment): string {
  const amount = esc(formatMoney(p.amount, p.currency, "zh-CN"));
  const ref = `<p class="muted">Payment 支付单号 ${esc(p.id)}</p>`;
  switch (p.status) {
    case "PENDING":
      return layout(
        "Sandbox checkout 沙箱收银台",
        `<h1>Top up 充值</h1><div class="amount" data-testid="amount">${amount}</div>
<form method="post" action="${esc(p.id)}/pay">
<button class="pay" type="submit" name="outcome" value="succeeded">Pay 支付</button>
<button class="decline" type="submit" name="outcome" value="failed">Decline 拒绝</button>
</form>${ref}`,
      );
    case "SUCCEEDED":
    case "REFUNDED":
      return layout(
        "Paid 支付成功",
        `<div class="icon" aria-hidden="true">✓</div><h1 data-testid="result">Paid 支付成功</h1>
<div class="amount" data-testid="amount">${amount}</div>
<p>${amount} has been added to your wallet.<br>${amount} 已充值到您的钱包。</p>
<p class="next">You can close this page and return to the chat; it shows your new balance.<br>可以关闭本页，返回聊天查看新余额。</p>${ref}`,
        "ok",
      );
    case "FAILED":
      return layout(
        "Payment declined 支付未完成",
        `<div class="icon" aria-hidden="true">✕</div><h1 data-testid="result">Payment declined 支付未完成</h1>
<div class="amount" data-testid="amount">${amount}</div>
<p>Nothing was charged. 未扣款。</p>
<p class="next">Return to the chat to try again. 请返回聊天重新发起充值。</p>${ref}`,
        "bad",
      );
    default:
      return assertExhaustive(p.status, "payment status");
  }
}

/** A page for what is not a payment's state: an unknown link, a provider error. */
export function messagePage(title: string, message: string): string {
  return layout(
    title,
    `<div class="icon" aria-hidden="true">!</div><h1>${esc(title)}</h1><p>${esc(message)}</p>`,
    "bad",
  );
}
