import { PAYOUT_ACCOUNT_KINDS, type PayoutAccountKind } from "../../core/withdrawals/index.ts";
import { packUuid, unpackUuid } from "../shop/callback-data.ts";
import { buttonSigner } from "../signed-button-data.ts";

/**
 * The withdrawal screens' buttons: `$<op><field>~<mac>`, signed like the shop's (same key, same 48-bit
 * HMAC) under a prefix the shop's codec never makes, so each codec refuses the other's data.
 */
export type WithdrawAction =
  | { op: "home" }
  | { op: "add"; kind: PayoutAccountKind }
  | { op: "remove"; accountId: string }
  | { op: "to"; accountId: string }
  | { op: "confirm"; nonce: string }
  | { op: "cancel"; withdrawalId: string };

const PREFIX = "$";
const NONCE_RE = /^[A-Za-z0-9_-]{6,16}$/;

function body(a: WithdrawAction): string {
  switch (a.op) {
    case "home":
      return `${PREFIX}h`;
    case "add":
      return `${PREFIX}a${PAYOUT_ACCOUNT_KINDS.indexOf(a.kind)}`;
    case "remove":
      return `${PREFIX}r${packUuid(a.accountId)}`;
    case "to":
      return `${PREFIX}t${packUuid(a.accountId)}`;
    case "confirm":
      return `${PREFIX}y${a.nonce}`;
    case "cancel":
      return `${PREFIX}x${packUuid(a.withdrawalId)}`;
  }
}

function parse(b: string): WithdrawAction | null {
  if (!b.startsWith(PREFIX)) return null;
  const op = b[1];
  const rest = b.slice(2);
  switch (op) {
    case "h":
      return rest === "" ? { op: "home" } : null;
    case "a": {
      const kind = /^\d$/.test(rest) ? PAYOUT_ACCOUNT_KINDS[Number(rest)] : undefined;
      return kind ? { op: "add", kind } : null;
    }
    case "r":
    case "t": {
      const accountId = unpackUuid(rest);
      return accountId ? { op: op === "r" ? "remove" : "to", accountId } : null;
    }
    case "y":
      return NONCE_RE.test(rest) ? { op: "confirm", nonce: rest } : null;
    case "x": {
      const withdrawalId = unpackUuid(rest);
      return withdrawalId ? { op: "cancel", withdrawalId } : null;
    }
    default:
      return null;
  }
}

export interface WithdrawCodec {
  encode(a: WithdrawAction): string;
  /** Null for anything that is not a valid, signed withdrawal button (the shop's own buttons included). */
  decode(data: string): WithdrawAction | null;
}

export function createWithdrawCodec(key: string | Buffer): WithdrawCodec {
  const signer = buttonSigner(key);
  return {
    encode: (a) => signer.sign(body(a)),
    decode(data) {
      const b = typeof data === "string" && data.startsWith(PREFIX) ? signer.open(data) : null;
      return b === null ? null : parse(b);
    },
  };
}
