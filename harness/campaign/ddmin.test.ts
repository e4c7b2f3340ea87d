import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ddmin } from "./ddmin.js";

describe("ddmin", () => {
  it("reduces to exactly the items the failure needs (1-minimal), keeping their order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (items, k) => {
          const needed = items.filter((_, i) => i % Math.max(1, Math.floor(items.length / k)) === 0).slice(0, k);
          const fails = async (xs: readonly number[]) => needed.every((n) => xs.includes(n));
          expect(await ddmin(items, fails)).toEqual(needed);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("tests far fewer candidates than items squared for one needed item, and stops when told", async () => {
    const items = Array.from({ length: 64 }, (_, i) => i);
    let tests = 0;
    const result = await ddmin(items, async (xs) => (tests++, xs.includes(37)));
    expect(result).toEqual([37]);
    expect(tests).toBeLessThan(40);
    let budget = 3;
    const stopped = await ddmin(items, async (xs) => xs.includes(37), { stop: () => budget-- <= 0 });
    expect(stopped.length).toBeGreaterThan(1);
    expect(stopped).toContain(37);
  });
});
