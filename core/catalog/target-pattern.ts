/**
 * Operators type game-account regexes into a chat, and every buyer's input is matched against them,
 * so a pattern is checked before it is stored: it must compile, stay short, and avoid the constructs
 * that make backtracking explode (backreferences, quantified groups that themselves repeat or
 * alternate, e.g. `(a+)+`, `(a|aa)*`). Inputs are also capped (`MAX_TARGET_LENGTH`), which bounds the
 * work of whatever passes.
 */
export const MAX_PATTERN_LENGTH = 128;
export const MAX_TARGET_LENGTH = 64;
/** Used for GAME_ACCOUNT products that set no pattern of their own. */
export const DEFAULT_ACCOUNT_PATTERN = "[A-Za-z0-9_.@-]{4,32}";

export type PatternCheck = { ok: true; regex: RegExp } | { ok: false; reason: string };

export function checkTargetPattern(pattern: string): PatternCheck {
  if (pattern.length === 0) return { ok: false, reason: "empty pattern" };
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `longer than ${MAX_PATTERN_LENGTH} characters` };
  let regex: RegExp;
  try {
    regex = compileAnchored(pattern);
  } catch (e) {
    return { ok: false, reason: `not a valid regular expression: ${(e as Error).message}` };
  }
  const risky = findRiskyConstruct(pattern);
  if (risky) return { ok: false, reason: risky };
  return { ok: true, regex };
}

/** The pattern must match the whole target: it is anchored here, whatever the operator wrote. */
export function compileAnchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, "u");
}

function findRiskyConstruct(p: string): string | null {
  if (/\\[1-9]|\\k</.test(p)) return "backreferences are not allowed";
  // Per open group: does its body contain a repetition or an alternation?
  const stack: { repeats: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      continue;
    }
    if (c === "(") {
      stack.push({ repeats: false });
      continue;
    }
    const top = stack.at(-1);
    if (c === "|" && top) top.repeats = true;
    if (c === ")") {
      const group = stack.pop();
      const quantified = quantifierAt(p, i + 1);
      if (group?.repeats && quantified === "repeating") return "nested quantifiers are not allowed";
      if (group?.repeats || quantified) {
        const parent = stack.at(-1);
        if (parent) parent.repeats = true;
      }
      continue;
    }
    if ((c === "*" || c === "+" || c === "{") && top) {
      if (quantifierAt(p, i)) top.repeats = true;
    }
  }
  return null;
}

/** `repeating` for * + {n,} {n} and {n,m} with n or m > 1; `bounded` for ? {0,1} {1}; null when none. */
function quantifierAt(p: string, i: number): "repeating" | "bounded" | null {
  const c = p[i];
  if (c === "*" || c === "+") return "repeating";
  if (c === "?") return "bounded";
  if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return null;
    if (m[2] === undefined) return Number(m[1]) > 1 ? "repeating" : "bounded";
    if (m[3] === "" || m[3] === undefined) return "repeating";
    return Number(m[3]) > 1 ? "repeating" : "bounded";
  }
  return null;
}
