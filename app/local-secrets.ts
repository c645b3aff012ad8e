import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Development-only secrets that must survive restarts (the code encryption key, the sandbox webhook
 * secret): generated once into DATA_DIR/keys with 0600 permissions. Production passes them explicitly.
 */
export async function localSecret(dataDir: string, name: string, make: () => string): Promise<string> {
  const dir = path.join(dataDir, "keys");
  const file = path.join(dir, name);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const value = make();
  try {
    await writeFile(file, value + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return (await readFile(file, "utf8")).trim();
    throw e;
  }
  await chmod(file, 0o600);
  return value;
}

export const randomKeyBase64 = () => randomBytes(32).toString("base64");
export const randomToken = (prefix: string) => `${prefix}${randomBytes(24).toString("base64url")}`;
