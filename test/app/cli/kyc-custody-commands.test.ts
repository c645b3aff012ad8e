import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "./cli-fixture.ts";
import { residentIdCheckChar } from "../../../core/kyc/index.ts";
import { newId, systemContext } from "../../../core/shared/index.ts";
import { createTestContainer, type TestContainer } from "../../support/container.ts";
import { encodeGbk } from "../../core/custody/gbk.ts";

const id = (body17: string) => body17 + residentIdCheckChar(body17);

describe("CLI: kyc and custody", () => {
  let t: TestContainer;
  let dir: string;
  beforeAll(async () => {
    t = await createTestContainer("kyccli");
    dir = await mkdtemp(path.join(tmpdir(), "kameng-kyccli-"));
  });
  afterAll(async () => {
    await t.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  const cli = cliRunner(() => ({ container: t.container }));

  it("lists the queue masked, approves and rejects with reasons, and never prints a whole ID number", async () => {
    const kyc = t.container.kyc;
    const number = id("44010619900307123");
    const a = newId();
    const b = newId();
    const sa = await kyc.submit(systemContext("t"), { userId: a, name: "张三", idNumber: number });
    const sb = await kyc.submit(systemContext("t"), { userId: b, name: "李四", idNumber: id("11010519491231002") });
    if (!sa.ok || !sb.ok) throw new Error("submit failed");

    const queue = await cli("kyc", "queue");
    expect(queue.code).toBe(0);
    expect(queue.out).toContain(`4401**********${number.slice(-4)}`);
    expect(queue.out).toContain("张*");
    expect(queue.out).not.toContain(number);
    expect(queue.out).not.toContain("张三");

    expect((await cli("kyc", "approve", sa.submission.id)).out).toMatch(/^verified: .*VERIFIED/);
    expect((await cli("kyc", "status", a)).out).toMatch(/^VERIFIED/);
    const again = await cli("kyc", "approve", sa.submission.id);
    expect(again).toMatchObject({ code: 1 });
    expect(again.err).toMatch(/not pending: the submission is VERIFIED/);

    const noReason = await cli("kyc", "reject", sb.submission.id);
    expect(noReason.code).not.toBe(0);
    expect((await cli("kyc", "reject", sb.submission.id, "--reason", "name does not match")).out).toMatch(/^rejected:/);
    expect((await cli("kyc", "status", b)).out).toMatch(/^REJECTED .*name does not match/);
    const bad = await cli("kyc", "show", "not-an-id");
    expect(bad.code).not.toBe(0);
  });

  it("imports a GBK statement, reports what is unmatched (exit 2), and a re-import changes nothing", async () => {
    const file = path.join(dir, "statement.csv");
    await writeFile(
      file,
      encodeGbk(
        [
          "交易日期,收入金额,支出金额,对方户名,摘要,交易流水号",
          "2026-12-01,12.50,,王五,转账,S1",
          "2026-12-01,,2.00,银行,手续费,S2",
        ].join("\n"),
      ),
    );
    const first = await cli("custody", "import", file);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/imported statement .* \(gbk\): 2 lines, 2 new, 0 matched/);
    expect((await cli("custody", "import", file)).out).toMatch(/already imported .*nothing changed/);

    const report = await cli("custody", "report", "--from", "2026-12-01", "--to", "2026-12-02");
    expect(report.code).toBe(2);
    expect(report.out).toMatch(/bank lines with no payment or payout \(2\)/);
    expect(report.out).toContain("王五");
    expect(report.out).toMatch(/ledger: .* OK/);

    const check = await cli("custody", "check");
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/CNY: .* OK/);

    const badMap = await cli("custody", "import", file, "--map", "colour=蓝");
    expect(badMap.code).not.toBe(0);
    expect(badMap.err).toMatch(/--map takes <field>=<column>/);
    await writeFile(path.join(dir, "bad.csv"), "交易日期,金额\n2026-12-01,1.234\n");
    const bad = await cli("custody", "import", path.join(dir, "bad.csv"));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/line 2: "1.234" has more than 2 decimals/);
  });
});
