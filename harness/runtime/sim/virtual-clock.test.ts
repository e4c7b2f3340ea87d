import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("VirtualClock", () => {
  it("runs internal events in (time, insertion) order up to each sleeper, and wakes sleepers at their time", async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.schedule(30, () => seen.push(`b@${clock.now()}`));
    clock.schedule(10, () => seen.push(`a@${clock.now()}`));
    clock.schedule(30, () => seen.push(`c@${clock.now()}`));
    clock.schedule(200, () => seen.push(`late@${clock.now()}`));
    await clock.sleep(100);
    expect(clock.now()).toBe(100);
    expect(seen).toEqual(["a@10", "b@30", "c@30"]);
    clock.dispose();
  });

  it("moves time only while someone sleeps", async () => {
    const clock = new VirtualClock();
    let ran = false;
    clock.schedule(5, () => (ran = true));
    for (let i = 0; i < 5; i++) await turn();
    expect(ran).toBe(false);
    expect(clock.now()).toBe(0);
    await clock.sleep(5);
    expect(ran).toBe(true);
    clock.dispose();
  });

  it("lets a woken task sleep again before time moves on to a later sleeper", async () => {
    const clock = new VirtualClock();
    const woke: string[] = [];
    const a = (async () => {
      await clock.sleep(100);
      woke.push(`a@${clock.now()}`);
      await clock.sleep(50);
      woke.push(`a2@${clock.now()}`);
    })();
    const b = clock.sleep(200).then(() => woke.push(`b@${clock.now()}`));
    await Promise.all([a, b]);
    expect(woke).toEqual(["a@100", "a2@150", "b@200"]);
    clock.dispose();
  });

  it("ends an aborted sleep at once, and time does not move towards it", async () => {
    const clock = new VirtualClock();
    const stop = new AbortController();
    let ran = false;
    clock.schedule(500, () => (ran = true));
    const long = clock.sleep(1000, stop.signal);
    await clock.sleep(10);
    stop.abort();
    await long;
    expect(clock.now()).toBe(10);
    for (let i = 0; i < 5; i++) await turn();
    expect(ran).toBe(false);
    expect(clock.now()).toBe(10);
    clock.dispose();
  });

  it("runs what is due now synchronously, cancels events, and is the same run every time", async () => {
    const run = async (): Promise<string[]> => {
      const clock = new VirtualClock();
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const at = (i * 7) % 5;
        const e = clock.schedule(at, () => seen.push(`${i}@${clock.now()}`));
        if (i % 6 === 0) clock.cancel(e);
      }
      clock.schedule(0, () => seen.push("now"));
      clock.runDue();
      expect(seen).toContain("now");
      await clock.sleep(10);
      clock.dispose();
      return seen;
    };
    const first = await run();
    expect(first).not.toContain("0@0");
    expect(first).not.toContain("6@1");
    expect(await run()).toEqual(first);
  });

  it("names an endless loop of events at one instant", () => {
    const clock = new VirtualClock({ maxEventsPerInstant: 1000 });
    const again = (): void => void clock.schedule(clock.now(), again, "the loop");
    clock.schedule(0, again, "the loop");
    expect(() => clock.runDue()).toThrow(/more than 1000 events at 0 ms .*the loop/);
    clock.dispose();
  });

  it("wakes every sleeper and drops every event when disposed", async () => {
    const clock = new VirtualClock();
    let ran = false;
    clock.schedule(1, () => (ran = true));
    const sleeps = [clock.sleep(1000), clock.sleep(Infinity), clock.sleep(5)];
    clock.dispose();
    await Promise.all(sleeps);
    expect(ran).toBe(false);
    await clock.sleep(100);
    expect(clock.now()).toBe(0);
  });
});
