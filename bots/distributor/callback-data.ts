import { packUuid, unpackUuid } from "../shop/callback-data.ts";
import { buttonSigner } from "../signed-button-data.ts";

/**
 * The distributor screens' buttons, signed like the shop's (bots/shop/callback-data.ts) and told apart from
 * them by their first letter `D`, which no shop action uses: `D<op><fields>~<mac>`, ≤ 64 bytes. A rule's
 * scope is `S` (a shop: owner = the shop) or `T` (the L1's team price: owner = the L1); a target is `a`
 * (all products), `c<category>` or `p<product>`. Anything that does not verify decodes to null.
 */
export type RuleScope = "SHOP" | "TEAM";
export type RuleTarget = { kind: "all" } | { kind: "category"; id: string } | { kind: "product"; id: string };
export type RuleModeCode = "INHERIT" | "MARKUP_PCT" | "FIXED_OVER_COST" | "FIXED_PRICE";

export type AgentAction =
  | { op: "home" }
  | { op: "apply" }
  | { op: "shops" }
  | { op: "shop_new" }
  | { op: "shop"; shopId: string }
  | { op: "prices" }
  | { op: "team" }
  | { op: "referral" }
  | { op: "rules"; scope: RuleScope; ownerId: string }
  | { op: "pick_category"; scope: RuleScope; ownerId: string }
  | { op: "pick_product"; scope: RuleScope; ownerId: string }
  | { op: "target"; scope: RuleScope; ownerId: string; target: RuleTarget }
  | { op: "mode"; scope: RuleScope; ownerId: string; target: RuleTarget; mode: RuleModeCode };

const MODES: Record<string, RuleModeCode> = { I: "INHERIT", M: "MARKUP_PCT", O: "FIXED_OVER_COST", F: "FIXED_PRICE" };
const MODE_CHAR = Object.fromEntries(Object.entries(MODES).map(([c, m]) => [m, c])) as Record<RuleModeCode, string>;

const scopeOwner = (a: { scope: RuleScope; ownerId: string }) =>
  `${a.scope === "SHOP" ? "S" : "T"}${packUuid(a.ownerId)}`;
const targetBody = (t: RuleTarget) =>
  t.kind === "all" ? "a" : `${t.kind === "category" ? "c" : "p"}${packUuid(t.id)}`;

function body(a: AgentAction): string {
  switch (a.op) {
    case "home":
      return "Dh";
    case "apply":
      return "Da";
    case "shops":
      return "Ds";
    case "shop_new":
      return "Dn";
    case "shop":
      return `Dk${packUuid(a.shopId)}`;
    case "prices":
      return "Dp";
    case "team":
      return "De";
    case "referral":
      return "Df";
    case "rules":
      return `Dr${scopeOwner(a)}`;
    case "pick_category":
      return `Dc${scopeOwner(a)}`;
    case "pick_product":
      return `Dq${scopeOwner(a)}`;
    case "target":
      return `Dt${scopeOwner(a)}.${targetBody(a.target)}`;
    case "mode":
      return `Dm${scopeOwner(a)}.${targetBody(a.target)}.${MODE_CHAR[a.mode]}`;
  }
}

function parseScopeOwner(s: string | undefined): { scope: RuleScope; ownerId: string } | null {
  if (!s || (s[0] !== "S" && s[0] !== "T")) return null;
  const ownerId = unpackUuid(s.slice(1));
  return ownerId ? { scope: s[0] === "S" ? "SHOP" : "TEAM", ownerId } : null;
}

function parseTarget(s: string | undefined): RuleTarget | null {
  if (s === "a") return { kind: "all" };
  if (!s || (s[0] !== "c" && s[0] !== "p")) return null;
  const id = unpackUuid(s.slice(1));
  return id ? { kind: s[0] === "c" ? "category" : "product", id } : null;
}

function parse(b: string): AgentAction | null {
  const op = b.slice(0, 2);
  const rest = b.slice(2);
  const simple: Record<string, AgentAction> = {
    Dh: { op: "home" },
    Da: { op: "apply" },
    Ds: { op: "shops" },
    Dn: { op: "shop_new" },
    Dp: { op: "prices" },
    De: { op: "team" },
    Df: { op: "referral" },
  };
  if (simple[op]) return rest === "" ? simple[op] : null;
  if (op === "Dk") {
    const shopId = unpackUuid(rest);
    return shopId ? { op: "shop", shopId } : null;
  }
  const f = rest.split(".");
  const so = parseScopeOwner(f[0]);
  if (!so) return null;
  switch (op) {
    case "Dr":
      return f.length === 1 ? { op: "rules", ...so } : null;
    case "Dc":
      return f.length === 1 ? { op: "pick_category", ...so } : null;
    case "Dq":
      return f.length === 1 ? { op: "pick_product", ...so } : null;
    case "Dt": {
      const target = f.length === 2 ? parseTarget(f[1]) : null;
      return target ? { op: "target", ...so, target } : null;
    }
    case "Dm": {
      const target = f.length === 3 ? parseTarget(f[1]) : null;
      const mode = MODES[f[2] ?? ""];
      return target && mode ? { op: "mode", ...so, target, mode } : null;
    }
    default:
      return null;
  }
}

export interface AgentCodec {
  /** Whether button data is the distributor screens' (signed or not): theirs to answer. */
  owns(data: string): boolean;
  encode(a: AgentAction): string;
  decode(data: string): AgentAction | null;
}

export function createAgentCodec(key: string | Buffer): AgentCodec {
  const signer = buttonSigner(key, "agent:");
  return {
    owns: (data) => typeof data === "string" && data.startsWith("D"),
    encode: (a) => signer.sign(body(a)),
    decode(data) {
      const b = signer.open(data);
      return b === null ? null : parse(b);
    },
  };
}
