import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LinkDelay, depthsToTell, slackFor, type Branch } from "./tree-depth.js";

describe("depthsToTell", () => {
  it("tells each branch the deepest of the others, 0 when it is the only one", () => {
    const b: Branch<string>[] = [
      { key: "a", hops: 3 },
      { key: "b", hops: 1 },
      { key: "c", hops: 2 },
    ];
    expect(depthsToTell(b, 64)).toEqual(new Map([["a", 2], ["b", 3], ["c", 3]]));
    expect(depthsToTell([{ key: "a", hops: 5 }], 64)).toEqual(new Map([["a", 0]]));
    expect(depthsToTell([], 64)).toEqual(new Map());
  });

  it("says null to every branch but the unknown one, and null to all when two are unknown", () => {
    const one: Branch<string>[] = [
      { key: "a", hops: 3 },
      { key: "u", hops: undefined },
      { key: "c", hops: 2 },
    ];
    expect(depthsToTell(one, 64)).toEqual(new Map([["a", null], ["u", 3], ["c", null]]));
    const two: Branch<string>[] = [...one, { key: "v", hops: undefined }];
    expect([...depthsToTell(two, 64).values()]).toEqual([null, null, null, null]);
  });

  it("says null from the cap on (a cycle of eager links counts up, and stops)", () => {
    expect(depthsToTell([{ key: "a", hops: 31 }, { key: "b", hops: 1 }], 32).get("b")).toBe(31);
    expect(depthsToTell([{ key: "a", hops: 32 }, { key: "b", hops: 1 }], 32)).toEqual(new Map([["a", 1], ["b", null]]));
  });

  it("equals the deepest of the others, branch by branch (ties and unknowns included)", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.nat({ max: 10 }), { nil: undefined }), { maxLength: 12 }), (hops) => {
        const branches = hops.map((h, key) => ({ key, hops: h }));
        const told = depthsToTell(branches, 64);
        for (const b of branches) {
          const others = branches.filter((o) => o.key !== b.key);
          const expected = others.some((o) => o.hops === undefined) ? null : Math.max(0, ...others.map((o) => o.hops!));
          expect(told.get(b.key)).toBe(expected);
        }
      }),
    );
  });
});

describe("slackFor", () => {
  it("lets a shallower branch wait the difference in hops times the one-way delay, up to the cap", () => {
    const t: Branch<string>[] = [
      { key: "deep", hops: 4 },
      { key: "mid", hops: 3 },
      { key: "leaf", hops: 1 },
    ];
    expect(slackFor(t, 100, 250)).toEqual(new Map([["deep", 0], ["mid", 100], ["leaf", 250]]));
    expect(slackFor(t, 10, 1000)).toEqual(new Map([["deep", 0], ["mid", 10], ["leaf", 30]]));
  });

  it("lets nothing wait when a depth or the delay is unknown, or there is one branch", () => {
    expect(slackFor([{ key: "a", hops: 3 }, { key: "b", hops: undefined }], 100, 400)).toBeUndefined();
    expect(slackFor([{ key: "a", hops: 3 }, { key: "b", hops: 1 }], undefined, 400)).toBeUndefined();
    expect(slackFor([{ key: "a", hops: 3 }], 100, 400)).toBeUndefined();
  });
});

describe("LinkDelay", () => {
  it("is half the least of the last four round trips, and ignores nonsense", () => {
    const d = new LinkDelay();
    expect(d.oneWayMs).toBeUndefined();
    d.add(230);
    d.add(200);
    d.add(-5);
    d.add(Number.NaN);
    expect(d.oneWayMs).toBe(100);
    for (const rtt of [260, 250, 240, 270]) d.add(rtt);
    // 200 has left the window: the link got slower, and the estimate follows.
    expect(d.oneWayMs).toBe(120);
  });
});
