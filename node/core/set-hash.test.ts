import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SetHash } from "./set-hash.js";

describe("SetHash", () => {
  it("is pinned: tree/1 summaries compare it across peers of different versions (PROTOCOL.md)", () => {
    const h = new SetHash();
    for (const [origin, seq] of [["n1@a", 1], ["n1@a", 2], ["n2@b", 7], ["n3@c", 2 ** 40 + 3]] as const) h.add(origin, seq);
    expect(h.toHex()).toBe("6cce9ff1c6ef97e9");
  });

  it("depends on the set, not the order it was learned in", () => {
    const id = fc.tuple(fc.constantFrom("a@1", "b@2", "c@3"), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(fc.uniqueArray(id, { selector: ([o, s]) => `${o} ${s}` }), (ids) => {
        const forward = new SetHash();
        const backward = new SetHash();
        for (const [o, s] of ids) forward.add(o, s);
        for (const [o, s] of [...ids].reverse()) backward.add(o, s);
        expect(backward.toHex()).toBe(forward.toHex());
      }),
    );
  });
});
