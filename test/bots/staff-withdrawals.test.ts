import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { BotRouter } from "../../bots/router.ts";
import { telegramStaffRouter } from "./support/staff-bot-harness.ts";
import { toPlain, type InboundTurn, type Reply, type TurnInput } from "../../bots/turn.ts";
import { payoutSandboxRoutes } from "../../channels/http/payouts-sandbox.routes.ts";
import { systemContext, type CoreContext } from "../../core/shared/index.ts";
import { HttpPayoutProvider } from "../../core/withdrawals/index.ts";
import { createShop, type Shop } from "../e2e/support/shop.ts";

const STAFF_GROUP = "-100555";
const cli = systemContext("cli:test", { channel: "cli" });
let seq = 0;
const turn = (from: string, input: TurnInput, lang = "en"): InboundTurn => ({
  id: `w${++seq}`,
  channel: "telegram",
  chat: { id: STAFF_GROUP, kind: "group" },
  from: { externalId: from, displayName: `user ${from}`, languageCode: lang },
  input,
});
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");
const approveButton = (r: Reply[]) =>
  r.flatMap((x) => (x.kind === "text" ? (x.buttons ?? []).flat() : [])).find((b) => b.label === "Approve") as {
    data: string;
  };

describe("the staff bot decides withdrawals (approvals' pending and buttons)", () => {
  let shop: Shop;
  let con: StaffConsole;
  let router: BotRouter;
  let server: ServerType;

  beforeAll(async () => {
    shop = await createShop("staffwithdraw", { workers: false, env: { WITHDRAWAL_APPROVAL_OVER: "CNY:100" } });
    const sandbox = payoutSandboxRoutes({ secret: shop.c.payoutProviderSecret, clock: shop.c.clock });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: sandbox.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox`;
    con = createStaffConsole(shop.c, {
      payouts: new HttpPayoutProvider({ baseUrl, secret: shop.c.payoutProviderSecret, clock: shop.c.clock }),
    });
    await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "601" });
    await con.staff.add(cli, { name: "Fei", role: "finance", telegramUserId: "602" });
    router = telegramStaffRouter(shop.c, con, STAFF_GROUP);
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await shop.dispose();
  });

  async function requested(amount: bigint) {
    const { userId } = await shop.buyer(100_000n);
    const me: CoreContext = { ...cli, channel: "telegram", actor: { kind: "buyer", userId } };
    await con.withdrawals.setKycVerified(cli, { userId, verified: true });
    const account = await con.withdrawals.addPayoutAccount(me, {
      userId,
      kind: "alipay",
      account: "13912345678",
      holderName: "王五",
    });
    const r = await con.requestWithdrawal(me, {
      userId,
      payoutAccountId: account.id,
      amount,
      currency: "CNY",
      idempotencyKey: `w-${++seq}`,
    });
    if (!r.ok) throw new Error(r.code);
    return { userId, withdrawal: r.withdrawal };
  }
  const press = (from: string, data: string) => router.handle(turn(from, { kind: "button", data }));

  it("lists a request in pending; one approval under the limit pays it", async () => {
    const { userId, withdrawal } = await requested(5_000n);
    const pending = await router.handle(turn("601", { kind: "command", command: "pending", payload: "" }));
    expect(words(pending)).toContain(`withdrawal ${withdrawal.id}: ¥50.00`);
    const done = await press("601", approveButton(pending.filter((r) => words([r]).includes(withdrawal.id))).data);
    expect(words(done)).toContain(`Approved and done: withdrawal ${withdrawal.id}`);
    expect(await con.withdrawals.get(cli, { withdrawalId: withdrawal.id })).toMatchObject({ status: "PAID" });
    expect(await shop.walletBalance(userId)).toBe(95_000n);
  });

  it("over the limit the first approval asks a second person, whose button pays it", async () => {
    const { userId, withdrawal } = await requested(20_000n);
    const first = await press(
      "601",
      approveButton(
        (await router.handle(turn("601", { kind: "command", command: "pending", payload: "" }))).filter((r) =>
          words([r]).includes(withdrawal.id),
        ),
      ).data,
    );
    expect(words(first)).toContain("It is over the limit for one person");
    expect(words(first)).toContain("(second approval)");
    const confirm = approveButton(first).data;
    expect(words(await press("601", confirm))).toBe("You asked for this yourself: another staff member must decide.");
    expect(await shop.walletBalance(userId)).toBe(100_000n);
    expect(words(await press("602", confirm))).toContain("Approved and done");
    expect(await con.withdrawals.get(cli, { withdrawalId: withdrawal.id })).toMatchObject({ status: "PAID" });
    expect(await shop.walletBalance(userId)).toBe(80_000n);
    expect((await shop.c.ledger.reconcile(cli, "CNY")).ok).toBe(true);
  });
});
