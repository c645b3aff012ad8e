import type { Locale } from "../../core/shared/index.ts";
import type { I18n } from "../i18n/index.ts";
import type { Button, ButtonRows, Reply, TextPart } from "../turn.ts";
import { plain } from "../turn.ts";

/**
 * Buttons as text, for channels that have none (`ChannelCapabilities.buttons: "numbered"`, e.g. WeChat
 * personal accounts). A turn's callback buttons become one menu, numbered across its replies; what a
 * typed answer means depends on the menu's mode:
 * - `numbers`: "1. Shop  2. My orders …" — a typed number presses that button;
 * - `values`: the replies offer number-labelled buttons (quantities 1 2 3 5 10): a typed number means
 *   itself (that button, or free text for the bot), so the other buttons are pressed by name;
 * - `text`: a reply asks for free text (a quantity, a phone number, a link code): everything typed goes
 *   to the bot as text, except a button's name (e.g. "Cancel").
 * In every mode a button's name (its label, or the part before " · ") presses it too. URL buttons
 * become "label: url" lines. The menu is what the conversation state keeps (bots/text/menu-store.ts).
 */
export type MenuMode = "numbers" | "values" | "text";

export interface MenuItem {
  /** Its number (numbers mode only). */
  n?: number;
  label: string;
  data: string;
  /** A number-labelled button (values mode). */
  value?: boolean;
}

export interface NumberedMenu {
  v: 1;
  mode: MenuMode;
  /** When it was shown (ISO). */
  at: string;
  items: MenuItem[];
}

/** Integer labels ("1", "10") make a row of values; a label with anything else is a named button. */
const VALUE_LABEL = /^\d{1,7}$/;

export interface NumberedResult {
  /** The replies with their buttons turned into text (no callback buttons left). */
  replies: Reply[];
  /** The menu to keep, or null when the replies had no callback buttons. */
  menu: NumberedMenu | null;
}

export function numberReplies(replies: Reply[], opts: { i18n: I18n; locale: Locale; now: Date }): NumberedResult {
  const { i18n, locale } = opts;
  const callbacks = replies.flatMap((r) => rowsOf(r).flat()).filter((b) => b.kind === "callback");
  const asksText = replies.some((r) => r.kind === "prompt");
  const hasValues = callbacks.some((b) => VALUE_LABEL.test(b.label.trim()));
  const mode: MenuMode = asksText ? "text" : hasValues ? "values" : "numbers";
  const items: MenuItem[] = [];
  const byData = new Map<string, MenuItem>();

  const itemFor = (label: string, data: string): MenuItem => {
    const known = byData.get(data);
    if (known) return known;
    const value = mode === "values" && VALUE_LABEL.test(label.trim());
    const item: MenuItem = { label, data, ...(value ? { value: true } : {}) };
    if (mode === "numbers") item.n = items.length + 1;
    items.push(item);
    byData.set(data, item);
    return item;
  };

  let lastNumbered = -1;
  const menuLines = (rows: ButtonRows | undefined, index: number): string[] => {
    if (!rows?.length) return [];
    const lines: string[] = [];
    const values: string[] = [];
    const names: string[] = [];
    for (const b of rows.flat()) {
      if (b.kind === "url") {
        lines.push(`${b.label}: ${b.url}`);
        continue;
      }
      const item = itemFor(b.label, b.data);
      if (item.n !== undefined) {
        lines.push(`${item.n}. ${b.label}`);
        lastNumbered = index;
      } else if (item.value) values.push(b.label.trim());
      else names.push(b.label);
    }
    if (values.length) lines.push(i18n.t(locale, "text.values", { values: values.join(" / ") }));
    if (names.length)
      lines.push(i18n.t(locale, mode === "values" ? "text.or_names" : "text.names", { names: names.join(" / ") }));
    return lines;
  };

  const out: Reply[] = replies.map((r, index): Reply => {
    switch (r.kind) {
      case "text":
      case "prompt": {
        const { buttons, ...rest } = r;
        return { ...rest, body: withLines(r.body, menuLines(buttons, index)) };
      }
      case "codes": {
        const { buttons, ...rest } = r;
        const lines = menuLines(buttons, index);
        return lines.length ? { ...rest, footer: withLines(r.footer ?? [], lines) } : rest;
      }
      case "deep_link":
        return { kind: "text", body: withLines(r.body, [`${r.label}: ${r.url}`]) };
      default:
        return r;
    }
  });

  if (items.length === 0) return { replies: out, menu: null };
  if (mode === "numbers") {
    // The hint goes after the last reply that carried a numbered item.
    const target = out[lastNumbered];
    if (target?.kind === "text" || target?.kind === "prompt")
      out[lastNumbered] = { ...target, body: withLines(target.body, [i18n.t(locale, "text.reply_number")]) };
    else if (target?.kind === "codes")
      out[lastNumbered] = { ...target, footer: withLines(target.footer ?? [], [i18n.t(locale, "text.reply_number")]) };
  }
  return { replies: out, menu: { v: 1, mode, at: opts.now.toISOString(), items } };
}

/** The menu again (after a number that is not on it): its items as a text reply, numbered as before. */
export function menuReply(menu: NumberedMenu, intro: string, i18n: I18n, locale: Locale): Reply {
  const rows: ButtonRows = menu.items.map((i) => [{ kind: "callback", label: i.label, data: i.data }]);
  const again = numberReplies([{ kind: "text", body: [plain(intro)], buttons: rows }], {
    i18n,
    locale,
    now: new Date(menu.at),
  });
  return again.replies[0]!;
}

function rowsOf(r: Reply): Button[][] {
  if (r.kind === "text" || r.kind === "prompt" || r.kind === "codes") return r.buttons ?? [];
  return [];
}

function withLines(body: TextPart[], lines: string[]): TextPart[] {
  if (!lines.length) return body;
  const sep = body.length ? [plain("\n\n")] : [];
  return [...body, ...sep, plain(lines.join("\n"))];
}
