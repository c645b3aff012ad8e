import type { Alerts } from "../../core/alerts/index.ts";
import type { Approvals } from "../../core/approvals/index.ts";
import type { CoreContext } from "../../core/shared/index.ts";

/**
 * The scheduled expiry of approval requests: `approvals.expireDue` marks the due ones EXPIRED (audited), and
 * the staff channel is told of each — naming who asked — through a one-off `approval_expired` notice.
 */
export async function expireApprovals(
  deps: { approvals: Pick<Approvals, "expireDue">; alerts: Pick<Alerts, "notify"> },
  ctx: CoreContext,
): Promise<number> {
  const expired = await deps.approvals.expireDue(ctx, { limit: 100 });
  for (const r of expired)
    await deps.alerts.notify(ctx, {
      subject: `approval:${r.id}`,
      kind: "approval_expired",
      severity: "warning",
      details: { requestId: r.id, action: r.action, summary: r.summary.slice(0, 300), requestedBy: r.requestedByLabel },
    });
  return expired.length;
}
