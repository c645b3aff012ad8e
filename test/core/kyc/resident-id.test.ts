import { describe, expect, it } from "vitest";
import {
  checkName,
  checkResidentId,
  maskName,
  maskResidentId,
  regionOf,
  residentIdCheckChar,
} from "../../../core/kyc/index.ts";
import { residentId } from "./kyc-fixture.ts";

const now = new Date("2026-12-01T04:00:00Z");
const problem = (id: string) => {
  const r = checkResidentId(id, now);
  return r.ok ? "ok" : r.problem;
};

describe("mainland resident ID numbers (GB 11643)", () => {
  it("computes the ISO 7064 MOD 11-2 check character, X included", () => {
    // The standard's own example: 11010519491231002X.
    expect(residentIdCheckChar("11010519491231002")).toBe("X");
    expect(problem("11010519491231002X")).toBe("ok");
    expect(problem("11010519491231002x")).toBe("ok");
    expect(problem(" 110105 19491231 002X ")).toBe("ok");
  });

  it("reads the region, birth date and sex of a valid number", () => {
    const r = checkResidentId(residentId("440106", "19900307", "123"), now);
    expect(r).toMatchObject({ ok: true, birthDate: "1990-03-07", sex: "male" });
    if (r.ok)
      expect(r.region).toEqual({ code: "440106", province: "广东省", name: "广东省 广州市 天河区", exact: true });
  });

  it("names each problem: length, characters, region, birth date, future, under 18, checksum", () => {
    const good = residentId("440106", "19900307");
    expect(problem(good.slice(0, 17))).toBe("length");
    expect(problem(good + "1")).toBe("length");
    expect(problem("4401061990030A123X")).toBe("characters");
    expect(problem("X40106199003071234")).toBe("characters");
    expect(problem(residentId("990106", "19900307"))).toBe("region");
    expect(problem(residentId("000000", "19900307"))).toBe("region");
    expect(problem(residentId("440106", "19900230"))).toBe("birth_date");
    expect(problem(residentId("440106", "19901301"))).toBe("birth_date");
    expect(problem(residentId("440106", "18991231"))).toBe("birth_date");
    expect(problem(residentId("440106", "20270101"))).toBe("future_birth_date");
    expect(problem(residentId("440106", "20261202"))).toBe("future_birth_date");
    const last = good[17] === "0" ? "1" : "0";
    expect(problem(good.slice(0, 17) + last)).toBe("checksum");
  });

  it("is of age on the 18th birthday (in China's calendar), not the day before", () => {
    expect(problem(residentId("440106", "20081201"))).toBe("ok");
    expect(problem(residentId("440106", "20081202"))).toBe("under_18");
    // 2026-12-01 04:00 UTC is already 12:00 on 1 December in China; at 15:59 UTC on 30 November it is not yet.
    expect(checkResidentId(residentId("440106", "20081201"), new Date("2026-11-30T15:59:00Z")).ok).toBe(false);
    expect(checkResidentId(residentId("440106", "20081201"), new Date("2026-11-30T16:00:00Z")).ok).toBe(true);
  });

  it("keeps a retired district code under a known province, named as far as the table knows", () => {
    // 340121 (长丰县) is current; 342601 (old 巢湖 prefecture-level code) is not in the current table.
    expect(regionOf("340121")?.exact).toBe(true);
    expect(regionOf("342601")).toMatchObject({ province: "安徽省", exact: false });
    expect(regionOf("710000")).toBeNull(); // Taiwan: not a mainland resident ID region
  });

  it("masks ID numbers and names for staff", () => {
    expect(maskResidentId("44010619900307123X")).toBe("4401**********123X");
    expect(maskName("张三")).toBe("张*");
    expect(maskName("欧阳娜娜")).toBe("欧***");
    expect(maskName("买买提·艾力")).toBe("买**·艾*");
    expect(maskName("John Doe")).toBe("J*** D**");
  });

  it("accepts names as written on the card and refuses others", () => {
    expect(checkName(" 张三 ")).toEqual({ ok: true, name: "张三" });
    expect(checkName("买买提•艾力")).toEqual({ ok: true, name: "买买提·艾力" });
    expect(checkName("张")).toEqual({ ok: false, problem: "name_length" });
    expect(checkName("张3")).toEqual({ ok: false, problem: "name_characters" });
    expect(checkName("<script>")).toEqual({ ok: false, problem: "name_characters" });
  });
});
