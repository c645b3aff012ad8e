import type { SupplierCandidate } from "./types.ts";

/**
 * Routing order: suppliers whose circuit is closed or half-open, by cost ascending, then priority ascending
 * (then code, so the order is stable). Half-open suppliers rank with the healthy ones on purpose: real
 * orders are their probe, and ranking them last would keep a cheap supplier out of service for good.
 * Open circuits are dropped unless `includeOpen`, then appended soonest-to-reopen first.
 */
export function rankCandidates(all: SupplierCandidate[], opts: { includeOpen?: boolean } = {}): SupplierCandidate[] {
  const usable = all.filter((c) => c.circuit !== "open").sort(byCostThenPriority);
  if (!opts.includeOpen) return usable;
  const open = all
    .filter((c) => c.circuit === "open")
    .sort(
      (a, b) => (a.circuitOpenUntil?.getTime() ?? 0) - (b.circuitOpenUntil?.getTime() ?? 0) || byCostThenPriority(a, b),
    );
  return [...usable, ...open];
}

function byCostThenPriority(a: SupplierCandidate, b: SupplierCandidate): number {
  if (a.cost !== b.cost) return a.cost < b.cost ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
