import { formatMoney } from "../../core/shared/index.ts";
import type { Payment } from "../../core/payments/index.ts";

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:600;margin:.5rem 0 1rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;border:0;cursor:pointer;margin-right:.5rem}
.pay{background:#1677ff;color:#fff}.decline{background:#eee}.muted{color:#777;font-size:.85rem}</style>
</head><body><div class="card">${body}</div>
<p class="muted">Sandbox payment provider — no real money moves. 沙箱支付，不产生真实扣款。</p></body></html>`;
}

/** The hosted checkout of the simulated provider: amount and a "Pay" button. */
export function checkoutPage(p: Payment): string {
  const amount = esc(formatMoney(p.amount, p.currency, "zh-CN"));
  if (p.status !== "PENDING")
    return layout(
      "Sandbox checkout",
      `<h1>${p.status === "SUCCEEDED" ? "Paid 已支付" : "Payment failed 支付失败"}</h1>
<div class="amount">${amount}</div><p class="muted">Payment ${esc(p.id)}</p>`,
    );
  return layout(
    "Sandbox checkout",
    `<h1>Top up 充值</h1><div class="amount" data-testid="amount">${amount}</div>
<form method="post" action="${esc(p.id)}/pay">
<button class="pay" type="submit" name="outcome" value="succeeded">Pay 支付</button>
<button class="decline" type="submit" name="outcome" value="failed">Decline 拒绝</button>
</form><p class="muted">Payment ${esc(p.id)}</p>`,
  );
}

export function resultPage(title: string, message: string, status: number): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p><p class="muted">HTTP ${status}</p>`);
}
