import { describe, expect, it } from "vitest";
import { plain, type Reply } from "../../../bots/turn.ts";
import { renderReplies } from "../../../channels/telegram/render.ts";

const prompt = (forgetInput?: boolean): Reply => ({
  kind: "prompt",
  body: [plain("The check digit does not match.")],
  ...(forgetInput ? { forgetInput } : {}),
});

describe("forgetInput: the user's message with a secret (an ID number) is deleted", () => {
  it("deletes the triggering message first in a private chat, then answers", () => {
    const { ops } = renderReplies([prompt(true)], { chatId: "42", chatKind: "private", replyToMessageId: 777 });
    expect(ops.map((o) => o.method)).toEqual(["deleteMessage", "sendMessage"]);
    expect(ops[0]!.payload).toEqual({ chat_id: "42", message_id: 777 });
  });

  it("deletes nothing without the flag, in a group, or without the message id", () => {
    expect(
      renderReplies([prompt()], { chatId: "42", chatKind: "private", replyToMessageId: 777 }).ops.map((o) => o.method),
    ).toEqual(["sendMessage"]);
    expect(
      renderReplies([prompt(true)], { chatId: "-1001", chatKind: "group", replyToMessageId: 7 }).ops.map(
        (o) => o.method,
      ),
    ).toEqual(["sendMessage"]);
    expect(renderReplies([prompt(true)], { chatId: "42", chatKind: "private" }).ops.map((o) => o.method)).toEqual([
      "sendMessage",
    ]);
  });
});
