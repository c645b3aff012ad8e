import type { MenuItem, NumberedMenu } from "./numbered-menu.ts";

/** What a typed message means against the menu the chat was last shown. */
export type MenuPick =
  /** Press this button. */
  | { kind: "button"; data: string }
  /** Free text for the bot (a quantity, a phone number, a product name, ...). */
  | { kind: "text" }
  /** A number that is not on the current menu. */
  | { kind: "out_of_range"; number: number; max: number }
  /** A menu number, but the menu it belonged to is gone or too old. */
  | { kind: "expired" };

/** "１２", " 3 ", "2." and "2、" are all a number: full-width digits folded, a trailing dot allowed. */
export function typedNumber(raw: string): number | null {
  const m = /^(\d{1,9})[.。、)）]?$/.exec(raw.normalize("NFKC").trim());
  return m ? Number(m[1]) : null;
}

/** Case, width, spaces, punctuation and symbols (emoji) folded: "☰ Menu" and "menu" compare equal. */
export function nameKey(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, "");
}

/** Numbers this small are menu choices when no live menu explains them; larger ones are data (phones). */
const MENU_SIZED = 99;

export function pickFromMenu(menu: NumberedMenu | null, raw: string, opts: { now: Date; ttlMs: number }): MenuPick {
  const live = menu && opts.now.getTime() - Date.parse(menu.at) <= opts.ttlMs ? menu : null;
  const n = typedNumber(raw);
  if (live) {
    const named = byName(live.items, raw);
    if (live.mode === "numbers" && n !== null) {
      const item = live.items.find((i) => i.n === n);
      if (item) return { kind: "button", data: item.data };
      const max = live.items.reduce((m, i) => Math.max(m, i.n ?? 0), 0);
      return n <= Math.max(MENU_SIZED, max) ? { kind: "out_of_range", number: n, max } : { kind: "text" };
    }
    if (live.mode === "values" && n !== null) {
      const item = live.items.find((i) => i.value && typedNumber(i.label) === n);
      return item ? { kind: "button", data: item.data } : { kind: "text" };
    }
    return named ? { kind: "button", data: named.data } : { kind: "text" };
  }
  // No live menu: a stale "numbers" menu (or none at all) cannot explain a small number; anything else is text.
  if (n !== null && n <= MENU_SIZED && (!menu || menu.mode === "numbers")) return { kind: "expired" };
  return { kind: "text" };
}

/** The one button whose name (its whole label, or the part before " · ") is what was typed. */
function byName(items: MenuItem[], raw: string): MenuItem | null {
  const key = nameKey(raw);
  if (!key) return null;
  const hits = items.filter((i) => nameKey(i.label) === key || nameKey(i.label.split(" · ")[0] ?? "") === key);
  return hits.length === 1 ? hits[0]! : null;
}
