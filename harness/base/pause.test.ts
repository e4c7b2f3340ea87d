import { describe, expect, it } from "vitest";
import { pause } from "./pause.js";

describe("pause", () => {
  it("waits its time without a signal", async () => {
    const t0 = performance.now();
    await pause(50);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
  });

  it("ends at once when its signal aborts, and leaves no listener behind", async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    const waiting = pause(60_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await waiting;
    expect(performance.now() - t0).toBeLessThan(30_000);
    await pause(1, controller.signal); // already aborted: resolves at once
  });

  it("removes its abort listener when the time runs out", async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    await pause(5, signal);
    expect([added, removed]).toEqual([1, 1]);
  });
});
