import { describe, expect, it } from "vitest";
import { validateScenario } from "../scenario/load.js";
import { planScenario } from "../scenario/plan.js";
import type { Scenario } from "../scenario/schema.js";
import { generateScenario } from "./generate.js";
import {
  materialize,
  withFewerNumbers,
  withMergedInjections,
  STEP_KIND_GROUPS,
  withoutKind,
  withoutNodes,
  withoutSleeps,
  withShortExpects,
  withShorterDurations,
  withLoadAt,
  withCompressedLoads,
  withGroupedInjections,
} from "./reductions.js";

const base = validateScenario({
  name: "r",
  seed: 5,
  topology: { type: "random", nodes: 5, degree: 2 },
  nodes: { n2: { numbers: [1, 2] }, n4: { dataDir: true } },
  steps: [
    { inject: { at: { random: 2 }, random: { count: 3, min: -5, max: 5 } } },
    { sleep: "2s" },
    { inject: { at: "n3", values: [7] } },
    { inject: { at: "n3", values: [8, 9] } },
    { kill: "n4" },
    { expect: { total: undefined } },
    { restart: "n4" },
    { partition: { groups: [["n1", "n5"]] } },
    { heal: null },
    { expect: {} },
  ],
});

describe("materialize", () => {
  it("fixes every choice: explicit topology, injections naming node and values, the same plan as the original", () => {
    const m = materialize(base);
    expect(m.topology.type).toBe("explicit");
    const original = planScenario(base);
    const fixed = planScenario(validateScenario(m));
    expect(fixed.network.links).toEqual(original.network.links);
    const injected = (p: typeof original) => p.steps.flatMap((s) => (s.action.kind === "inject" ? s.action.injections : []));
    expect(injected(fixed)).toEqual(injected(original));
    // Removing a step no longer changes what later steps draw.
    const without = { ...m, steps: m.steps.slice(2) }; // the first injection went to two nodes: two steps now
    expect(injected(planScenario(validateScenario(without)))).toEqual(injected(original).slice(2));
  });

  it("drops stated totals so that injections can be removed", () => {
    const s = validateScenario({ name: "t", topology: { type: "line", nodes: 2 }, steps: [{ inject: { at: "n1", values: [4] } }, { expect: { total: 4 } }] });
    expect(materialize(s).steps[1]).toEqual({ expect: {} });
  });
});

describe("reductions", () => {
  const m = materialize(base);

  it("withoutNodes drops the node, its links, its settings and every step that names it, and stays valid", () => {
    const out = withoutNodes(m, new Set(["n4"])) as Scenario;
    expect(out.topology).toMatchObject({ nodes: ["n1", "n2", "n3", "n5"] });
    expect(JSON.stringify(out.topology)).not.toContain("n4");
    expect(out.nodes).toEqual({ n2: { numbers: [1, 2] } });
    expect(out.steps.some((s) => "kill" in s || "restart" in s)).toBe(false);
    expect(() => validateScenario(out)).not.toThrow();
    expect(withoutNodes(m, new Set(["n1", "n2", "n3", "n4", "n5"]))).toBeUndefined();
    expect(withoutNodes(base, new Set(["n1"]))).toBeUndefined();
  });

  it("withoutSleeps and withMergedInjections shorten the step list, or say there is nothing to do", () => {
    expect(withoutSleeps(m)!.steps.some((s) => "sleep" in s)).toBe(false);
    expect(withoutSleeps(withoutSleeps(m)!)).toBeUndefined();
    const merged = withMergedInjections(m)!;
    expect(merged.steps).toContainEqual({ inject: { at: "n3", values: [7, 8, 9] } });
    expect(merged.steps.length).toBe(m.steps.length - 1);
    expect(withMergedInjections(merged)).toBeUndefined();
  });

  it("withFewerNumbers halves injections and drops NUMBERS; withShorterDurations halves sleeps, never expect timeouts", () => {
    const fewer = withFewerNumbers(validateScenario({ ...m, defaults: { expectTimeout: "4s" } }));
    expect(fewer.some((s) => s.steps.some((x) => JSON.stringify(x) === JSON.stringify({ inject: { at: "n3", values: [8] } })))).toBe(true);
    expect(fewer.some((s) => s.nodes?.n2?.numbers === undefined)).toBe(true);
    const shorter = withShorterDurations(validateScenario({ ...m, steps: [...m.steps, { expect: { timeout: "4s" } }] }));
    expect(shorter).toHaveLength(1);
    expect(shorter[0]!.steps).toContainEqual({ sleep: 1000 });
    expect(shorter[0]!.steps).toContainEqual({ expect: { timeout: "4s" } });
  });

  it("withoutKind removes every step of one kind at once and keeps the last expect", () => {
    const cuts = STEP_KIND_GROUPS.map((kinds) => ({ what: kinds.join("/"), scenario: withoutKind(m, kinds) })).filter((c) => c.scenario);
    const byWhat = new Map(cuts.map((c) => [c.what, c.scenario!]));
    expect([...byWhat.keys()]).toEqual(["partition/heal", "stop/kill", "expect"]);
    const noPartitions = byWhat.get("partition/heal")!;
    expect(noPartitions.steps.some((s) => "partition" in s || "heal" in s)).toBe(false);
    expect(noPartitions.steps.length).toBe(m.steps.length - 2);
    // Cuts compose: removing kills from the scenario without partitions keeps the partitions out.
    const both = withoutKind(noPartitions, ["stop", "kill"])!;
    expect(both.steps.some((s) => "partition" in s || "heal" in s || "kill" in s)).toBe(false);
    // The last expect stays: a scenario must still check something.
    const noExpects = byWhat.get("expect")!;
    expect(noExpects.steps.filter((s) => "expect" in s)).toHaveLength(1);
    expect(noExpects.steps.at(-1)).toEqual(m.steps.at(-1));
    for (const c of cuts) expect(() => validateScenario(c.scenario!)).not.toThrow();
    expect(withoutKind(m, ["nemesis"])).toBeUndefined();
  });

  it("withShortExpects cuts every expect timeout and the default to the limit, or says nothing is longer", () => {
    const s = validateScenario({ ...m, steps: [...m.steps, { expect: { timeout: "20s" } }, { expect: { timeout: "1s" } }] });
    const short = withShortExpects(s, 3000)!;
    expect(short.defaults?.expectTimeout).toBe(3000);
    const timeouts = short.steps.filter((x) => "expect" in x).map((x) => (x as { expect: { timeout?: unknown } }).expect.timeout);
    expect(timeouts).toEqual([3000, 3000, 3000, "1s"]); // a shorter one stays as written
    expect(() => validateScenario(short)).not.toThrow();
    expect(withShortExpects(short, 3000)).toBeUndefined();
  });

  it("withLoadAt aims each load that could reach the node at it alone, and leaves a load that could not", () => {
    const s = validateScenario({
      name: "loads",
      topology: { type: "line", nodes: 4 },
      steps: [
        { load: { rate: 50, duration: "2s" } },
        { load: { rate: 50, duration: "2s", at: ["n1", "n3"] } },
        { load: { rate: 50, duration: "2s", at: "n2" } },
        { expect: {} },
      ],
    });
    const aimed = withLoadAt(s, "n3")!;
    const targets = aimed.steps.map((x) => (x as { load?: { at?: unknown } }).load?.at);
    expect(targets).toEqual(["n3", "n3", "n2", undefined]);
    expect((aimed.steps[0] as { load: { rate: number } }).load.rate).toBe(50);
    expect(() => validateScenario(aimed)).not.toThrow();
    expect(withLoadAt(aimed, "n3")).toBeUndefined(); // nothing left to narrow
    expect(withLoadAt(s, "n4")!.steps.map((x) => (x as { load?: { at?: unknown } }).load?.at)).toEqual(["n4", ["n1", "n3"], "n2", undefined]);
  });

  it("withLoadAt does not aim a load at a node before it joins (explore seed 116565: the candidate did not plan)", () => {
    const s = validateScenario({
      name: "join",
      topology: { type: "line", nodes: 2 },
      steps: [
        { load: { rate: 50, duration: "2s" } },
        { join: { node: "j1", links: ["n2"] } },
        { load: { rate: 50, duration: "2s" } },
        { expect: {} },
      ],
    });
    const aimed = withLoadAt(s, "j1")!;
    expect(aimed.steps.map((x) => (x as { load?: { at?: unknown } }).load?.at)).toEqual([undefined, undefined, "j1", undefined]);
    expect(() => planScenario(aimed)).not.toThrow();
  });

  it("withCompressedLoads sends each load's POSTs in half the time, down to 200 ms", () => {
    const s = validateScenario({
      name: "loads",
      topology: { type: "line", nodes: 2 },
      steps: [{ load: { rate: 16, duration: "2488ms", at: "n1" } }, { load: { rate: 50, duration: "150ms" } }, { expect: {} }],
    });
    const c = withCompressedLoads(s)!;
    expect(c.steps[0]).toEqual({ load: { rate: 32, duration: 1244, at: "n1" } });
    expect(c.steps[1]).toEqual(s.steps[1]); // too short to halve
    expect(() => validateScenario(c)).not.toThrow();
    expect(withCompressedLoads({ ...s, steps: [s.steps[1]!, s.steps[2]!] })).toBeUndefined();
  });

  it("withGroupedInjections makes each run of back-to-back injections one injection per node, never across other steps", () => {
    const s = validateScenario({
      name: "replayed-load",
      topology: { type: "line", nodes: 3 },
      steps: [
        { inject: { at: "n1", values: [1] } },
        { inject: { at: "n2", values: [2] } },
        { inject: { at: "n1", values: [3, 4] } },
        { kill: "n2" },
        { inject: { at: "n3", values: [5] } },
        { inject: { at: "n3", values: [6] } },
        { inject: { at: "n1", values: [7] } },
        { restart: "n2" },
        { expect: {} },
      ],
    });
    const g = withGroupedInjections(s)!;
    expect(g.steps).toEqual([
      { inject: { at: "n1", values: [1, 3, 4] } },
      { inject: { at: "n2", values: [2] } },
      { kill: "n2" },
      { inject: { at: "n3", values: [5, 6] } },
      { inject: { at: "n1", values: [7] } },
      { restart: "n2" },
      { expect: {} },
    ]);
    expect(() => validateScenario(g)).not.toThrow();
    expect(withGroupedInjections(g)).toBeUndefined();
  });

  it("every reduction of generated scenarios either validates or is skipped by the shrinker (never throws)", () => {
    for (let seed = 0; seed < 20; seed++) {
      const g = materialize(generateScenario(seed));
      const ids = (g.topology as { nodes: string[] }).nodes;
      const candidates = [withoutSleeps(g), withMergedInjections(g), withLoadAt(g, ids[1]!), withCompressedLoads(g), withGroupedInjections(g), withoutNodes(g, new Set([ids[0]!])), withShortExpects(g, 3000), ...STEP_KIND_GROUPS.map((kinds) => withoutKind(g, kinds)), ...withFewerNumbers(g), ...withShorterDurations(g)];
      for (const c of candidates) {
        if (!c) continue;
        try {
          validateScenario(c);
        } catch (error) {
          expect((error as Error).name).toBe("ScenarioError");
        }
      }
    }
  });
});
