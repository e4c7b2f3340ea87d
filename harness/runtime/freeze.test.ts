import { describe, expect, it } from "vitest";
import { FREEZE_ATTEMPTS, freezeWithRetry, isFreezeByChance } from "./freeze.js";

/** The engine's answer when runc's freezer gave up (as dockerode words it), seen in a .ci/run rehearsal. */
const BY_CHANCE = new Error(
  "(HTTP code 500) server error - Cannot pause container 9199c561512b: OCI runtime pause failed: unable to freeze: unknown",
);

function engine(failures: readonly Error[]) {
  let calls = 0;
  const waits: number[] = [];
  return {
    freeze: async () => {
      const failure = failures[calls++];
      if (failure) throw failure;
    },
    wait: async (ms: number) => void waits.push(ms),
    calls: () => calls,
    waits,
  };
}

describe("freezeWithRetry", () => {
  it("tries again when the freezer gave up by chance, and succeeds", async () => {
    const e = engine([BY_CHANCE, BY_CHANCE]);
    await freezeWithRetry(e.freeze, e.wait);
    expect(e.calls()).toBe(3);
    expect(e.waits).toEqual([100, 400]);
  });

  it("gives up after FREEZE_ATTEMPTS with the engine's last word", async () => {
    const e = engine(Array.from({ length: FREEZE_ATTEMPTS + 2 }, () => BY_CHANCE));
    await expect(freezeWithRetry(e.freeze, e.wait)).rejects.toBe(BY_CHANCE);
    expect(e.calls()).toBe(FREEZE_ATTEMPTS);
  });

  it("does not retry any other refusal (a container that is not running, one already paused, a gone one)", async () => {
    const refusals = [
      Object.assign(new Error("docker engine refused to pause container x: 409 Container x is not running"), { status: 409 }),
      new Error("(HTTP code 409) unexpected - Container x is already paused"),
      new Error("(HTTP code 404) no such container - No such container: x"),
    ];
    for (const refusal of refusals) {
      const e = engine([refusal]);
      await expect(freezeWithRetry(e.freeze, e.wait)).rejects.toBe(refusal);
      expect(e.calls()).toBe(1);
      expect(isFreezeByChance(refusal)).toBe(false);
    }
    expect(isFreezeByChance(new Error("docker engine refused to pause container x: 500 OCI runtime pause failed: unable to freeze: unknown"))).toBe(true);
  });
});
