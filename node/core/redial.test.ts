import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKOFF_MAX_MS, BACKOFF_START_MS, Redials } from "./redial.js";

describe("Redials", () => {
  it("doubles from the start to the cap, 80 to 100% of it, and starts again once connected", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 12, maxLength: 12 }), (draws) => {
        let i = 0;
        const redials = new Redials(() => draws[i++]!);
        const delays = Array.from({ length: 10 }, () => redials.next("a"));
        delays.forEach(({ delayMs, attempt }, k) => {
          const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** k);
          expect(attempt).toBe(k + 1);
          expect(delayMs).toBe(Math.round(base * (0.8 + draws[k]! * 0.2)));
          expect(delayMs).toBeGreaterThanOrEqual(Math.round(0.8 * base));
          expect(delayMs).toBeLessThanOrEqual(base);
        });
        // Each target has its own count, and a link resets it.
        expect(redials.next("b").attempt).toBe(1);
        redials.connected("a");
        expect(redials.next("a").attempt).toBe(1);
      }),
    );
  });

  it("replays exactly from the same draws", () => {
    const seeded = (seed: number) => () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const run = () => {
      const r = new Redials(seeded(42));
      return Array.from({ length: 8 }, (_, k) => r.next(k % 2 ? "x" : "y").delayMs);
    };
    expect(run()).toEqual(run());
  });
});
