import type { ResidentIdProblem } from "../../core/kyc/index.ts";
import { assertExhaustive } from "../../core/shared/index.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { Reply } from "../turn.ts";
import type { Session } from "./shop-bot.types.ts";
import type { Kit } from "./shop-kit.ts";

const ID_PROBLEM: Record<ResidentIdProblem, MessageKey> = {
  length: "kyc.id_length",
  characters: "kyc.id_characters",
  region: "kyc.id_region",
  birth_date: "kyc.id_birth_date",
  future_birth_date: "kyc.id_future_birth_date",
  under_18: "kyc.id_under_18",
  checksum: "kyc.id_checksum",
};

/**
 * Real-name verification in chat (`/verify`, or the deep link `verify`): the name, then the ID number.
 * The name is kept between the two turns only sealed (core/kyc `sealName`); the ID number is never kept in
 * the conversation and never echoed back — replies name what is wrong, not what was sent.
 */
export function createVerify(k: Kit) {
  const { ports, t, text, lines, btn, menuRow, setState, clearFlow, deepLinkReply } = k;

  const cancelRow = (s: Session) => [[btn(t(s, "common.cancel"), { op: "cancel" })]];

  async function namePrompt(s: Session, problem?: string): Promise<Reply[]> {
    await setState(s, (cur) => ({ done: cur.done, step: { kind: "kyc_name" } }));
    return [
      {
        kind: "prompt",
        body: lines(problem ?? t(s, "kyc.intro"), t(s, "kyc.name_prompt")),
        placeholder: t(s, "kyc.name_placeholder"),
        buttons: cancelRow(s),
      },
    ];
  }

  async function idPrompt(s: Session, sealedName: string, problem?: string): Promise<Reply[]> {
    await setState(s, (cur) => ({ done: cur.done, step: { kind: "kyc_id", sealedName } }));
    return [
      {
        kind: "prompt",
        body: lines(problem, t(s, "kyc.id_prompt")),
        placeholder: t(s, "kyc.id_placeholder"),
        buttons: cancelRow(s),
      },
    ];
  }

  /** `/verify`: where the user stands, or the first question. */
  async function start(s: Session): Promise<Reply[]> {
    if (!s.isPrivate) return deepLinkReply(s, "verify");
    const kyc = ports.kyc;
    if (!kyc) return [text(s, t(s, "kyc.unavailable"), [menuRow(s)])];
    const state = await kyc.state(s.ctx, s.user.id);
    if (state.status === "VERIFIED") return [text(s, t(s, "kyc.already_verified"), [menuRow(s)])];
    if (state.status === "PENDING") return [text(s, t(s, "kyc.already_pending"), [menuRow(s)])];
    return namePrompt(
      s,
      state.status === "REJECTED" && state.reason ? t(s, "kyc.rejected_before", { reason: state.reason }) : undefined,
    );
  }

  async function onName(s: Session, input: string): Promise<Reply[]> {
    const kyc = ports.kyc;
    if (!kyc) return [text(s, t(s, "kyc.unavailable"), [menuRow(s)])];
    const r = await kyc.sealName(s.ctx, { userId: s.user.id, name: input });
    if (!r.ok) return namePrompt(s, t(s, r.problem === "name_length" ? "kyc.name_length" : "kyc.name_characters"));
    return idPrompt(s, r.sealedName);
  }

  async function onIdNumber(s: Session, sealedName: string, input: string): Promise<Reply[]> {
    // Whatever the answer, the message with the number is deleted where the platform allows.
    return (await answerIdNumber(s, sealedName, input)).map((r) =>
      r.kind === "text" || r.kind === "prompt" ? { ...r, forgetInput: true } : r,
    );
  }

  async function answerIdNumber(s: Session, sealedName: string, input: string): Promise<Reply[]> {
    const kyc = ports.kyc;
    if (!kyc) return [text(s, t(s, "kyc.unavailable"), [menuRow(s)])];
    const r = await kyc.submit(s.ctx, { userId: s.user.id, sealedName, idNumber: input });
    if (!r.ok) {
      switch (r.code) {
        case "invalid_id_number":
          return idPrompt(s, sealedName, t(s, ID_PROBLEM[r.problem]));
        case "invalid_name":
          // The sealed name did not come back (an old or foreign token): start again from the name.
          return namePrompt(s, t(s, "kyc.name_again"));
        case "already_verified":
          await clearFlow(s);
          return [text(s, t(s, "kyc.already_verified"), [menuRow(s)])];
        case "already_pending":
          await clearFlow(s);
          return [text(s, t(s, "kyc.already_pending"), [menuRow(s)])];
        default:
          return assertExhaustive(r, "kyc submit failure");
      }
    }
    await clearFlow(s);
    const key: MessageKey =
      r.submission.status === "REJECTED"
        ? "kyc.provider_mismatch"
        : r.submission.duplicateOf
          ? "kyc.submitted_duplicate"
          : "kyc.submitted";
    return [text(s, t(s, key, { id: r.submission.idMasked }), [menuRow(s)])];
  }

  return { start, onName, onIdNumber };
}
