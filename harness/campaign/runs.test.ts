import { describe, expect, it } from "vitest";
import { parseSeedRange, seedsFor } from "./runs.js";

describe("seeds of a campaign", () => {
  it("--runs N counts up from the scenario's seed; --seeds A..B is the range", () => {
    expect(seedsFor(7, { runs: 3 })).toEqual([7, 8, 9]);
    expect(seedsFor(7, { from: 1, to: 4 })).toEqual([1, 2, 3, 4]);
    expect(parseSeedRange("12..14")).toEqual({ from: 12, to: 14 });
    expect(parseSeedRange("-2..1")).toEqual({ from: -2, to: 1 });
  });

  it("rejects ranges that are not A..B with A <= B", () => {
    expect(() => parseSeedRange("5")).toThrow('expected a seed range like 1..50, got "5"');
    expect(() => parseSeedRange("9..3")).toThrow("from a smaller seed to a larger one");
    expect(() => parseSeedRange("1..9999999")).toThrow("at most");
  });
});
