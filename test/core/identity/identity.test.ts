import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentity,
  localeFromLanguage,
  normalizeLinkCode,
  parseLocaleChoice,
} from "../../../core/identity/index.ts";
import { ManualClock, SecretBox, systemContext } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const ctx = systemContext("test");

describe("identity", () => {
  let t: TestDatabase;
  const clock = new ManualClock(new Date("2026-03-01T00:00:00Z"));
  let identity: ReturnType<typeof createIdentity>;
  beforeAll(async () => {
    t = await createTestDatabase("identity");
    identity = createIdentity({ sql: t.db.sql, clock, secrets: new SecretBox(Buffer.alloc(32, 3)) });
  });
  afterAll(() => t.drop());

  it("maps platform languages to locales", () => {
    expect(localeFromLanguage("zh-hans")).toBe("zh-CN");
    expect(localeFromLanguage("zh-TW")).toBe("zh-CN");
    expect(localeFromLanguage("zh")).toBe("zh-CN");
    expect(localeFromLanguage("en-US")).toBe("en");
    expect(localeFromLanguage("ru")).toBe("en");
    expect(localeFromLanguage(undefined)).toBe("en");
    expect(parseLocaleChoice("中文")).toBe("zh-CN");
    expect(parseLocaleChoice("EN")).toBe("en");
    expect(parseLocaleChoice("fr")).toBeNull();
  });

  it("creates a user once under concurrent first contact", async () => {
    const input = { channel: "telegram", externalId: "1001", displayName: "Ann", languageCode: "zh-hans" };
    const all = await Promise.all(Array.from({ length: 12 }, () => identity.resolve(ctx, input)));
    const ids = new Set(all.map((r) => r.user.id));
    expect(ids.size).toBe(1);
    expect(all.filter((r) => r.created)).toHaveLength(1);
    expect(all[0]!.user.locale).toBe("zh-CN");
    const users = await t.db.prisma.user.count();
    expect(users).toBe(1);
  });

  it("records can_dm from a private chat and keeps it", async () => {
    const a = await identity.resolve(ctx, { channel: "telegram", externalId: "1002", displayName: "Bob" });
    expect(a.identity.canDm).toBe(false);
    const b = await identity.resolve(ctx, {
      channel: "telegram",
      externalId: "1002",
      displayName: "Bob",
      privateChat: true,
      username: "bob",
    });
    expect(b.identity.canDm).toBe(true);
    expect(b.identity.username).toBe("bob");
    const c = await identity.resolve(ctx, { channel: "telegram", externalId: "1002", displayName: "Bob" });
    expect(c.identity.canDm).toBe(true);
    await identity.setCanDm(ctx, { channel: "telegram", externalId: "1002", canDm: false });
    expect((await identity.findIdentity(ctx, "telegram", "1002"))!.canDm).toBe(false);
  });

  it("records the first start payload and a referral once", async () => {
    const ref = await identity.resolve(ctx, { channel: "telegram", externalId: "2001", displayName: "Ref" });
    const u = await identity.resolve(ctx, { channel: "telegram", externalId: "2002", displayName: "New" });
    const first = await identity.recordStartPayload(ctx, { userId: u.user.id, payload: `ref_${ref.user.id}` });
    expect(first).toEqual({ recorded: true, referredBy: ref.user.id });
    const again = await identity.recordStartPayload(ctx, { userId: u.user.id, payload: "ref_x" });
    expect(again).toEqual({ recorded: false, reason: "already_recorded" });
    const self = await identity.resolve(ctx, { channel: "telegram", externalId: "2003", displayName: "Self" });
    expect(await identity.recordStartPayload(ctx, { userId: self.user.id, payload: `ref_${self.user.id}` })).toEqual({
      recorded: true,
      referredBy: null,
    });
    const ghost = await identity.resolve(ctx, { channel: "telegram", externalId: "2004", displayName: "G" });
    expect(
      await identity.recordStartPayload(ctx, {
        userId: ghost.user.id,
        payload: "ref_00000000-0000-4000-8000-000000000000",
      }),
    ).toEqual({ recorded: true, referredBy: null });
  });

  it("switches locale", async () => {
    const u = await identity.resolve(ctx, { channel: "web", externalId: "w-1", displayName: "W", languageCode: "en" });
    expect(u.user.locale).toBe("en");
    await identity.setLocale(ctx, { userId: u.user.id, locale: "zh-CN" });
    expect((await identity.getUser(ctx, u.user.id)).locale).toBe("zh-CN");
  });

  it("links a second channel with a one-time code, once, race-safely", async () => {
    const tg = await identity.resolve(ctx, { channel: "telegram", externalId: "3001", displayName: "Lin" });
    const web = await identity.resolve(ctx, { channel: "web", externalId: "w-3001", displayName: "Lin (web)" });
    const web2 = await identity.resolve(ctx, { channel: "web", externalId: "w-3002", displayName: "Other" });
    const { code, expiresAt } = await identity.createLinkCode(ctx, { userId: tg.user.id });
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(expiresAt.getTime()).toBe(clock.now().getTime() + 10 * 60_000);
    // stored hashed only
    const stored = await t.db.prisma.linkCode.findMany({ where: { userId: tg.user.id } });
    expect(stored.some((s) => s.codeHash.includes(normalizeLinkCode(code)!))).toBe(false);

    const typed = ` ${code.toLowerCase().replace("-", " ")} `;
    const results = await Promise.all([
      identity.consumeLinkCode(ctx, { code: typed, channel: "web", externalId: "w-3001" }),
      identity.consumeLinkCode(ctx, { code, channel: "web", externalId: "w-3002" }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, code: "already_used" });
    const winner = results[0]!.ok ? "w-3001" : "w-3002";
    expect((await identity.findIdentity(ctx, "web", winner))!.userId).toBe(tg.user.id);
    expect(web.user.id).not.toBe(tg.user.id);
    expect(web2.user.id).not.toBe(tg.user.id);
    expect((await identity.identitiesOf(ctx, tg.user.id)).map((i) => i.channel).sort()).toEqual(["telegram", "web"]);
  });

  it("refuses unknown, malformed, expired and own codes", async () => {
    const a = await identity.resolve(ctx, { channel: "telegram", externalId: "4001", displayName: "A" });
    await identity.resolve(ctx, { channel: "web", externalId: "w-4001", displayName: "A" });
    expect(await identity.consumeLinkCode(ctx, { code: "nope", channel: "web", externalId: "w-4001" })).toEqual({
      ok: false,
      code: "invalid_code",
    });
    expect(await identity.consumeLinkCode(ctx, { code: "AAAA-BBBB", channel: "web", externalId: "w-4001" })).toEqual({
      ok: false,
      code: "invalid_code",
    });
    const own = await identity.createLinkCode(ctx, { userId: a.user.id });
    expect(await identity.consumeLinkCode(ctx, { code: own.code, channel: "telegram", externalId: "4001" })).toEqual({
      ok: false,
      code: "same_user",
    });
    const old = await identity.createLinkCode(ctx, { userId: a.user.id });
    const fresh = await identity.createLinkCode(ctx, { userId: a.user.id });
    expect(await identity.consumeLinkCode(ctx, { code: old.code, channel: "web", externalId: "w-4001" })).toEqual({
      ok: false,
      code: "already_used",
    });
    clock.advance(11 * 60_000);
    expect(await identity.consumeLinkCode(ctx, { code: fresh.code, channel: "web", externalId: "w-4001" })).toEqual({
      ok: false,
      code: "expired",
    });
  });
});
