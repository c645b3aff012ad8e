import { describe, expect, it } from "vitest";
import { startStallProbe } from "../../bench/stall-probe.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** bench/stall-probe.ts: time the machine did not run the probe shows as a stall of about that length. */
describe("the bench's host stall probe", () => {
  it("reports a stop of the probe's process (as a paused VM would be) as one stall of that length", async () => {
    const probe = await startStallProbe();
    await sleep(50);
    process.kill(probe.pid, "SIGSTOP");
    await sleep(400);
    process.kill(probe.pid, "SIGCONT");
    await sleep(50);
    const s = await probe.stop();
    expect(s.count).toBeGreaterThanOrEqual(1);
    expect(s.maxMs).toBeGreaterThanOrEqual(350);
    expect(s.maxMs).toBeLessThan(1_000);
    expect(s.totalMs).toBeGreaterThanOrEqual(s.maxMs);
  });

  it("reports nothing like it when the probe runs freely", async () => {
    const probe = await startStallProbe();
    await sleep(300);
    const s = await probe.stop();
    // A loaded test machine may wake it a little late; never by a stop's length.
    expect(s.maxMs).toBeLessThan(300);
  });
});
