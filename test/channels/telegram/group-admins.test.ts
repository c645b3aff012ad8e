import { GrammyError } from "grammy";
import { describe, expect, it } from "vitest";
import { groupAdminCheck } from "../../../channels/telegram/group-admins.ts";

type Answer = { status: string } | GrammyError | Error;

/** `getChatMember` answering from a table; counts calls. */
function fakeApi(answers: Record<string, Answer>) {
  const calls: string[] = [];
  const api = {
    getChatMember: async (chatId: string | number, userId: number) => {
      const key = `${chatId}:${userId}`;
      calls.push(key);
      const a = answers[key] ?? { status: "member" };
      if (a instanceof Error) throw a;
      return { status: a.status, user: { id: userId, is_bot: false, first_name: "U" } };
    },
  };
  return { api: api as unknown as Parameters<typeof groupAdminCheck>[0], calls, answers };
}

const apiError = (code: number, description: string) =>
  new GrammyError(
    `Call to 'getChatMember' failed! (${code}: ${description})`,
    {
      ok: false,
      error_code: code,
      description,
    },
    "getChatMember",
    {},
  );

describe("groupAdminCheck", () => {
  it("reuses an answer until it expires, then asks again", async () => {
    let now = 0;
    const { api, calls, answers } = fakeApi({ "-1:7": { status: "administrator" } });
    const isAdmin = groupAdminCheck(api, { ttlMs: 60_000, now: () => now });
    expect(await isAdmin("-1", "7")).toBe(true);
    answers["-1:7"] = { status: "member" };
    now = 59_000;
    expect(await isAdmin("-1", "7")).toBe(true);
    now = 60_001;
    expect(await isAdmin("-1", "7")).toBe(false);
    expect(calls).toEqual(["-1:7", "-1:7"]);
  });

  it("counts creator and administrator only; a chat or user Telegram does not know is not an admin", async () => {
    const { api } = fakeApi({
      "-1:1": { status: "creator" },
      "-1:2": { status: "left" },
      "-1:3": { status: "restricted" },
      "-2:1": apiError(400, "Bad Request: chat not found"),
    });
    const isAdmin = groupAdminCheck(api);
    expect(await isAdmin("-1", "1")).toBe(true);
    expect(await isAdmin("-1", "2")).toBe(false);
    expect(await isAdmin("-1", "3")).toBe(false);
    expect(await isAdmin("-2", "1")).toBe(false);
  });

  it("throws other failures instead of guessing, and does not remember them", async () => {
    const { api, answers } = fakeApi({ "-1:1": new Error("network down") });
    const isAdmin = groupAdminCheck(api);
    await expect(isAdmin("-1", "1")).rejects.toThrow("network down");
    answers["-1:1"] = { status: "creator" };
    expect(await isAdmin("-1", "1")).toBe(true);
  });

  it("keeps at most maxEntries answers", async () => {
    const { api, calls } = fakeApi({});
    const isAdmin = groupAdminCheck(api, { maxEntries: 2 });
    for (const u of ["1", "2", "3", "1"]) await isAdmin("-1", u);
    expect(calls).toEqual(["-1:1", "-1:2", "-1:3", "-1:1"]);
  });
});
