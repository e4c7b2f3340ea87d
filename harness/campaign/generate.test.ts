import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateScenario } from "../scenario/load.js";
import { planScenario } from "../scenario/plan.js";
import { generateScenario, MAX_NODES, MIN_NODES } from "./generate.js";
import { nodesOfPlan } from "./reductions.js";

describe("generateScenario", () => {
  it("draws 500 scenarios that all validate and plan, within the size limits, each ending healed, restarted and checked", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (seed) => {
        const scenario = validateScenario(generateScenario(seed), `explore-${seed}`);
        const plan = planScenario(scenario);
        expect(plan.network.nodes.length).toBeGreaterThanOrEqual(MIN_NODES);
        expect(plan.network.nodes.length).toBeLessThanOrEqual(MAX_NODES);
        const last = plan.steps[plan.steps.length - 1]!;
        expect(last.action).toMatchObject({ kind: "expect" });
        // The closing restart covers every node still in the network.
        const restart = plan.steps[plan.steps.length - 2]!.action;
        expect(restart.kind).toBe("restart");
        const left = new Set(plan.steps.flatMap((s) => (s.action.kind === "leave" ? s.action.nodes : [])));
        expect(new Set((restart as { nodes: readonly string[] }).nodes)).toEqual(new Set(nodesOfPlan(plan).filter((id) => !left.has(id))));
      }),
      { numRuns: 500 },
    );
  });

  it("is a function of the seed, and different seeds give different scenarios", () => {
    expect(generateScenario(42)).toEqual(generateScenario(42));
    const shapes = new Set(Array.from({ length: 40 }, (_, i) => JSON.stringify(generateScenario(i).topology)));
    expect(shapes.size).toBeGreaterThan(10);
    const kinds = new Set(Array.from({ length: 40 }, (_, i) => generateScenario(i).steps.map((s) => Object.keys(s)[0])).flat());
    for (const k of ["inject", "expect", "partition", "heal", "kill", "stop", "restart", "join", "leave", "latency", "sleep"]) {
      expect(kinds).toContain(k);
    }
  });

  it("sets every expect's timeout when asked", () => {
    expect(generateScenario(3, { expectTimeoutMs: 3000 }).defaults).toEqual({ expectTimeout: 3000 });
    expect(generateScenario(3).defaults).toBeUndefined();
  });
});
