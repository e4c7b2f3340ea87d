import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../base/seeded-random.js";
import { NetworkHistory } from "../network/history.js";
import { isNetworkChange } from "../network/history.js";
import { random } from "../topology/generators.js";
import { drawAnyFault, drawFault, NEMESIS_FAULTS } from "./nemesis.js";

describe("nemesis", () => {
  it("draws faults that apply to the network as it is and whose undo restores it, from any seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const t = random(n, 3, seed);
        const history = new NetworkHistory(t.nodes.map((id) => ({ id })), t.links);
        const rng = seededRandom(seed);
        for (let round = 0; round < 6; round++) {
          const fault = drawAnyFault(NEMESIS_FAULTS, rng, history);
          if (!fault) continue;
          const before = JSON.stringify([history.nodes(), history.cutLinks()]);
          for (const op of fault.apply) if (isNetworkChange(op)) history.apply(op);
          for (const op of fault.undo) if (isNetworkChange(op)) history.apply(op);
          // A restart is its own undo; everything else comes back exactly.
          expect(JSON.stringify([history.nodes(), history.cutLinks()])).toBe(before);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic for a seed", () => {
    const t = random(8, 3, 5);
    const labels = (seed: number): string[] => {
      const history = new NetworkHistory(t.nodes.map((id) => ({ id })), t.links);
      const rng = seededRandom(seed);
      return Array.from({ length: 10 }, () => drawAnyFault(NEMESIS_FAULTS, rng, history)?.label ?? "-");
    };
    expect(labels(42)).toEqual(labels(42));
    expect(labels(42)).not.toEqual(labels(43));
  });

  it("a partition of halves cuts exactly the links between the halves, and a lone node is never killed", () => {
    const t = random(6, 3, 1);
    const history = new NetworkHistory(t.nodes.map((id) => ({ id })), t.links);
    const fault = drawFault("partition-halves", seededRandom(3), history);
    expect(fault?.apply[0]?.kind).toBe("cut");
    const lone = new NetworkHistory([{ id: "a" }], []);
    expect(drawFault("kill", seededRandom(1), lone)).toBeUndefined();
    expect(drawFault("pause", seededRandom(1), lone)).toBeUndefined();
  });
});
