import { describe, expect, it } from "vitest";
import { deriveSeed, seededRandom } from "./seeded-random.js";

describe("deriveSeed", () => {
  it("derives a different seed for every base and label (seeds 0 to 9 once all derived the same one)", () => {
    const bases = Array.from({ length: 200 }, (_, i) => i - 20);
    for (const label of ["step0", "topology", "mix"]) {
      expect(new Set(bases.map((b) => deriveSeed(b, label))).size).toBe(bases.length);
    }
    expect(deriveSeed(1, "step0")).not.toBe(deriveSeed(1, "step1"));
    expect(deriveSeed(7, "values")).toBe(deriveSeed(7, "values"));
  });

  it("gives streams whose draws differ between nearby seeds", () => {
    const draws = Array.from({ length: 10 }, (_, s) => seededRandom(deriveSeed(s + 1, "step0")).fork("values").bigint(1n, 2n));
    expect(new Set(draws).size).toBe(2);
  });
});
