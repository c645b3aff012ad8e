import { describe, expect, it } from "vitest";
import { SecretBox } from "../../../core/shared/index.ts";

const box = new SecretBox(Buffer.alloc(32, 7));

describe("SecretBox", () => {
  it("reads what earlier versions wrote (the format at rest never changes without reading old rows)", () => {
    // Sealed by the version that drew each IV with its own randomBytes call.
    expect(box.decrypt("v1.6Sp7PS4fQ_fhVJ5K.aBc6lgxb85CX-Bxn07LV6w.o3AjoK2Mpp3g")).toBe("CARD-0001");
    expect(box.decrypt("v1.BDaJAhbArw_POa7r.Q3f7rg3kyHcC0xs7ZDPnzg.RtqLcCRiQqj5")).toBe("密码-é");
    // Keyed hashes are lookup keys of stored rows: the same input must give the same hash forever.
    expect(box.keyedHash("CARD-0001", "code")).toBe("b99cb2a01b4eb5c068f00151d04bbe647f1e9e66cdb3a501fdc616047d2dc8e9");
    expect(box.keyedHash("x")).toBe("983c7b25303528ee67665b36b4f20b5456f3cb1652be39332b34b87f1eb777f3");
  });

  it("round-trips, and a changed byte or another key fails authentication", () => {
    for (const plain of ["", "A", "CARD-0001", "密码-é", "x".repeat(256)]) {
      const sealed = box.encrypt(plain);
      expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]*$/);
      if (plain.length >= 8) expect(sealed).not.toContain(plain);
      expect(box.decrypt(sealed)).toBe(plain);
    }
    const sealed = box.encrypt("CARD-0001");
    const [v, iv, tag, ct] = sealed.split(".");
    const flipped = `${ct![0] === "A" ? "B" : "A"}${ct!.slice(1)}`;
    expect(() => box.decrypt([v, iv, tag, flipped].join("."))).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).decrypt(sealed)).toThrow();
  });

  it("never reuses an IV, across refills of its pool of random IVs", () => {
    const n = 5_000; // several pools' worth
    const sealed = Array.from({ length: n }, () => box.encrypt("same"));
    expect(new Set(sealed.map((s) => s.split(".")[1])).size).toBe(n);
    // IVs handed out earlier are not overwritten when the pool is replaced.
    expect(sealed.every((s) => box.decrypt(s) === "same")).toBe(true);
    const other = new SecretBox(Buffer.alloc(32, 7));
    expect(other.encrypt("same").split(".")[1]).not.toBe(box.encrypt("same").split(".")[1]);
  });
});
