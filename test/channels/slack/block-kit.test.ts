import { describe, expect, it } from "vitest";
import type { Reply } from "../../../bots/turn.ts";
import { renderForSlack, SLACK_SECTION_LIMIT, toMrkdwn } from "../../../channels/slack/block-kit.ts";

describe("Slack Block Kit rendering", () => {
  it("escapes &, < and > and renders styles, code and tables monospace", () => {
    expect(
      toMrkdwn([
        { text: "Order ", style: "bold" },
        { text: "<!channel> & co" },
        { text: "ab12", style: "code" },
        { text: "SKU  1\nX    2", style: "pre" },
        { text: "note", style: "italic" },
      ]),
    ).toBe("*Order *&lt;!channel&gt; &amp; co`ab12````SKU  1\nX    2```_note_");
  });

  it("renders callback buttons as actions carrying the data verbatim, URL buttons as links", () => {
    const { messages } = renderForSlack([
      {
        kind: "text",
        body: [{ text: "Refund?" }],
        buttons: [
          [
            { kind: "callback", label: "Approve", data: "sa:a:1" },
            { kind: "callback", label: "Reject", data: "sa:r:1" },
          ],
          [{ kind: "url", label: "Docs", url: "https://example.com" }],
        ],
      },
    ]);
    expect(messages).toEqual([
      {
        text: "Refund?",
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: "Refund?" } },
          {
            type: "actions",
            elements: [
              { type: "button", text: { type: "plain_text", text: "Approve" }, action_id: "km:0:0", value: "sa:a:1" },
              { type: "button", text: { type: "plain_text", text: "Reject" }, action_id: "km:0:1", value: "sa:r:1" },
            ],
          },
          {
            type: "actions",
            elements: [
              {
                type: "button",
                text: { type: "plain_text", text: "Docs" },
                action_id: "km:url:1:0",
                url: "https://example.com",
              },
            ],
          },
        ],
      },
    ]);
  });

  it("asks before a destructive press: a danger button carries Slack's confirmation dialog, cut to its limits", () => {
    const { messages } = renderForSlack([
      {
        kind: "text",
        body: [{ text: "Refund 4 orders?" }],
        buttons: [
          [
            {
              kind: "callback",
              label: "Reject",
              data: "sa:r:1",
              style: "danger",
              confirm: { title: "Reject this request?", text: "x".repeat(400), ok: "Reject", cancel: "Cancel" },
            },
            { kind: "callback", label: "Approve", data: "sa:a:1", style: "primary" },
          ],
        ],
      },
    ]);
    const [reject, approve] = (messages[0]!.blocks[1] as { elements: unknown[] }).elements;
    expect(reject).toEqual({
      type: "button",
      text: { type: "plain_text", text: "Reject" },
      action_id: "km:0:0",
      value: "sa:r:1",
      style: "danger",
      confirm: {
        title: { type: "plain_text", text: "Reject this request?" },
        text: { type: "plain_text", text: "x".repeat(300) },
        confirm: { type: "plain_text", text: "Reject" },
        deny: { type: "plain_text", text: "Cancel" },
        style: "danger",
      },
    });
    expect(approve).toEqual({
      type: "button",
      text: { type: "plain_text", text: "Approve" },
      action_id: "km:0:1",
      value: "sa:a:1",
      style: "primary",
    });
  });

  it("never renders a code delivery, and says so without the code", () => {
    const codes: Reply = {
      kind: "codes",
      orderId: "o-1",
      title: [{ text: "Your codes" }],
      items: [{ code: "SECRET-CODE-1234" }],
      labels: { code: "Code", password: "Password", copy: "Copy" },
    };
    const { messages, notes } = renderForSlack([codes, { kind: "text", body: [{ text: "after" }] }]);
    expect(messages.map((m) => m.text)).toEqual(["after"]);
    expect(JSON.stringify({ messages, notes })).not.toContain("SECRET-CODE-1234");
    expect(notes).toEqual([{ msg: "slack: a code delivery for order o-1 was refused (a shared channel)" }]);
  });

  it("splits long text into sections under Slack's limit at line ends; edits and toasts are marked", () => {
    const line = "x".repeat(99);
    const long = Array.from({ length: 70 }, () => line).join("\n");
    const { messages } = renderForSlack([
      { kind: "text", body: [{ text: long }], edit: true },
      { kind: "toast", text: "Done" },
    ]);
    const sections = messages[0]!.blocks.map((b) => (b.type === "section" && "text" in b ? b.text.text : ""));
    expect(sections.length).toBe(3);
    expect(sections.every((s) => s.length <= SLACK_SECTION_LIMIT)).toBe(true);
    expect(sections.join("\n")).toBe(long);
    expect(messages[0]!.edit).toBe(true);
    expect(messages[1]).toMatchObject({ text: "Done", ephemeral: true });
  });

  it("a reply's fields become section fields (10 a section, escaped); Telegram gets them as a monospace table", async () => {
    const fields = Array.from({ length: 12 }, (_, i) => ({
      label: `L${i}`,
      value: i === 0 ? "<!channel> & co" : `v${i}`,
    }));
    const { messages } = renderForSlack([{ kind: "text", body: [{ text: "Report" }], fields }]);
    const blocks = messages[0]!.blocks;
    const withFields = blocks.filter((b) => b.type === "section" && "fields" in b);
    expect(withFields).toHaveLength(2);
    const first = withFields[0] as { fields: Array<{ text: string }> };
    expect(first.fields).toHaveLength(10);
    expect(first.fields[0]!.text).toBe("*L0*\n&lt;!channel&gt; &amp; co");
    const { bodyWithFields } = await import("../../../bots/turn.ts");
    const parts = bodyWithFields({ body: [{ text: "Report" }], fields: fields.slice(0, 2) });
    expect(parts.at(-1)).toEqual({ text: "L0  <!channel> & co\nL1  v1", style: "pre" });
  });
});
