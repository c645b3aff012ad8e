import type { Container } from "../container.ts";
import { withContainer } from "./cli-support.ts";

/**
 * The staff console over the command's container, with the CLI's helpers and context, loaded when a command
 * runs (`--help` stays fast; see commands.ts).
 */
export async function consoleOf(c: Container) {
  const [{ createStaffConsole }, lib] = await Promise.all([import("../staff-console.ts"), import("./cli-lib.ts")]);
  return { ...createStaffConsole(c), lib, ctx: lib.ctx() };
}
export type StaffConsoleCli = Awaited<ReturnType<typeof consoleOf>>;

/** Runs `fn` with the staff console over a container opened for the command (and the container). */
export const withConsole = <T>(fn: (k: StaffConsoleCli, c: Container) => Promise<T>): Promise<T> =>
  withContainer(async (c) => fn(await consoleOf(c), c));
