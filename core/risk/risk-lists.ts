import { BlockList, isIP } from "node:net";
import type { ListKind } from "./risk-conditions.ts";
import type { RiskList, RiskListEntry } from "./risk.types.ts";

/** The active list entries, indexed for a decision's look-ups (IPs and CIDRs through node's BlockList). */
export interface ListIndex {
  has(list: RiskList, kind: ListKind, value: string | null | undefined): boolean;
}

export function indexLists(entries: readonly RiskListEntry[]): ListIndex {
  const exact = new Set<string>();
  const nets: Record<RiskList, BlockList> = { block: new BlockList(), allow: new BlockList() };
  // Empty lists (the usual case for IPs) answer without BlockList's check, which costs every decision.
  const netsUsed: Record<RiskList, boolean> = { block: false, allow: false };
  for (const e of entries) {
    if (e.kind === "ip") netsUsed[e.list] = addNet(nets[e.list], e.value) || netsUsed[e.list];
    else exact.add(`${e.list}|${e.kind}|${normalise(e.kind, e.value)}`);
  }
  return {
    has(list, kind, value) {
      if (!value) return false;
      if (kind === "ip") {
        if (!netsUsed[list]) return false;
        const family = isIP(value);
        return family !== 0 && nets[list].check(value, family === 6 ? "ipv6" : "ipv4");
      }
      return exact.size > 0 && exact.has(`${list}|${kind}|${normalise(kind, value)}`);
    },
  };
}

/** An IP or CIDR as typed (`1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`); null when it is neither. */
export function parseNet(value: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | null {
  const [address = "", bits] = value.trim().split("/");
  const family = isIP(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits)))
    return null;
  return { address, prefix, family: family === 4 ? "ipv4" : "ipv6" };
}

/** Adds an IP or CIDR to `list`; false when the value is neither. */
function addNet(list: BlockList, value: string): boolean {
  const net = parseNet(value);
  if (net) list.addSubnet(net.address, net.prefix, net.family);
  return net !== null;
}

/** Users and devices compare as given; targets without spaces or dashes (phone numbers are typed many ways). */
export function normalise(kind: ListKind, value: string): string {
  const v = value.trim();
  return kind === "target" ? v.replace(/[\s-]/g, "").toLowerCase() : v;
}
