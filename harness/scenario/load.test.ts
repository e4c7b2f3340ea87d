import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseScenarioText, ScenarioError, validateScenario } from "./load.js";
import { planScenario } from "./plan.js";
import { scenarioJsonSchema } from "./schema.js";

const problemsOf = (text: string): string[] => {
  try {
    parseScenarioText(text, "s.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).problems.map((p) => `${p.line}:${p.column} ${p.path.join(".")}: ${p.message}`);
  }
  throw new Error("expected the scenario to be rejected");
};

describe("scenario loading", () => {
  it("reads big integers exactly from YAML and JSON", () => {
    const yaml = parseScenarioText(
      "name: big\ntopology: {type: line, nodes: 2}\nsteps:\n  - inject: {at: n1, values: [123456789012345678901234567890, -5]}\n",
      "s.yaml",
    );
    const json = parseScenarioText(
      '{"name":"big","topology":{"type":"line","nodes":2},"steps":[{"inject":{"at":"n1","values":[123456789012345678901234567890]}}]}',
      "s.json",
    );
    for (const s of [yaml, json]) {
      const plan = planScenario(s);
      expect(plan.steps[0]?.action).toMatchObject({ kind: "inject", injections: [{ node: "n1" }] });
      const action = plan.steps[0]?.action as unknown as { injections: { values: string[] }[] };
      expect(action.injections[0]?.values[0]).toBe("123456789012345678901234567890");
    }
  });

  it("names file line, field path and expectation for schema errors", () => {
    const problems = problemsOf(
      [
        "name: x",
        "topology: {type: hexagon, nodes: 3}",
        "steps:",
        "  - kill: {nodes: 3}",
      ].join("\n"),
    );
    expect(problems).toContain(
      '2:18 topology.type: expected one of "line", "ring", "star", "full", "tree", "grid", "random", "explicit", got "hexagon"',
    );
    expect(problems).toContain("4:19 steps.0.kill.nodes: expected a string or a list, got number 3");
  });

  it("explains unknown and ambiguous steps, bad integers and durations", () => {
    const problems = problemsOf(
      [
        "name: x",
        "topology: {type: line, nodes: 3}",
        "steps:",
        "  - bogus: 1",
        "  - inject: {values: [1]}",
        "    kill: n1",
        "  - inject: {at: n1, values: [1, 2.5]}",
        "  - expect: {timeout: 10 seconds}",
      ].join("\n"),
    );
    expect(problems[0]).toMatch(/^4:5 steps.0: expected a step with one action key \(inject, expect, .*\), got 'bogus'$/);
    expect(problems[1]).toBe("5:5 steps.1: expected exactly one action key per step, got 'inject', 'kill'");
    expect(problems[2]).toBe(
      "7:34 steps.2.inject.values.1: expected an integer (a number without fraction or a decimal string), got number 2.5",
    );
    expect(problems[3]).toBe('8:23 steps.3.expect.timeout: expected a duration like 500ms, 10s, 1.5s or 2m, got "10 seconds"');
  });

  it("checks references against the history of the network", () => {
    const problems = problemsOf(
      [
        "name: x",
        "topology: {type: line, nodes: 3}",
        "steps:",
        "  - kill: n3",
        "  - inject: {at: n3, values: [1]}",
        "  - partition: {groups: [[n1], [n1, n2]]}",
        "  - latency: {links: [[n1, n3]], delay: 10ms}",
        "  - join: {node: n2, links: [n7]}",
        "  - leave: n1",
        "  - expect: {nodes: [n1]}",
      ].join("\n"),
    );
    expect(problems).toEqual([
      '5:18 steps.1.inject.at: node "n3" is not running at this step (it was stopped or killed earlier)',
      '6:33 steps.2.partition.groups.1.0: node "n1" is in more than one group',
      '7:23 steps.3.latency.links.0: no link between "n1" and "n3" at this step',
      '8:18 steps.4.join.node: node "n2" already exists (ids cannot be reused)',
      '8:30 steps.4.join.links.0: unknown node "n7"',
      '10:22 steps.6.expect.nodes.0: node "n1" has left the network by this step',
    ]);
  });

  it("checks stated totals against what the scenario injected, through partitions and kills", () => {
    const problems = problemsOf(
      [
        "name: x",
        "topology: {type: line, nodes: 3}",
        "steps:",
        "  - inject: {at: n1, values: [5]}",
        "  - expect: {total: 5}",
        "  - partition: {groups: [[n3]]}",
        "  - inject: {at: n3, values: [1]}",
        "  - expect: {nodes: n1, total: 6}",
        "  - heal:",
        "  - expect: {total: 6}",
      ].join("\n"),
    );
    expect(problems).toEqual(["8:32 steps.4.expect.total: expected 5 here (what the scenario injected reaches n1 as 5), got 6"]);
  });

  it("reports YAML syntax errors with their position", () => {
    const problems = problemsOf("name: x\ntopology: {type: line\nsteps: [");
    expect(problems[0]).toMatch(/^\d+:\d+ : not valid YAML\/JSON: /);
  });

  it("validates in-memory objects", () => {
    expect(() => validateScenario({ name: "x", topology: { type: "star", nodes: 0 }, steps: [{ sleep: 1 }] })).toThrow(
      "<object> topology.nodes: expected a value >= 1, got number 0",
    );
  });
});

describe("planning", () => {
  it("resolves random targets and values deterministically from the seed, and --seed changes them", () => {
    const scenario = validateScenario({
      name: "r",
      topology: { type: "random", nodes: 10, degree: 3 },
      steps: [{ inject: { at: { random: 3 }, random: { count: 5, min: -10, max: 10 } } }],
    });
    const a = planScenario(scenario);
    expect(planScenario(scenario)).toEqual(a);
    const b = planScenario(scenario, { seed: 99 });
    expect(b.steps).not.toEqual(a.steps);
    const inj = (a.steps[0]?.action as unknown as { injections: { node: string; values: string[] }[] }).injections;
    expect(inj).toHaveLength(3);
    for (const i of inj) {
      expect(i.values).toHaveLength(5);
      expect(i.values.every((v) => BigInt(v) >= -10n && BigInt(v) <= 10n)).toBe(true);
    }
  });

  it("partition cuts exactly the links between groups; heal restores them", () => {
    const plan = planScenario(
      validateScenario({
        name: "p",
        topology: { type: "ring", nodes: 4 },
        steps: [{ partition: { groups: [["n1", "n2"]] } }, { heal: null }],
      }),
    );
    expect(plan.steps[0]?.action).toEqual({
      kind: "cut",
      links: [
        { from: "n3", to: "n2" },
        { from: "n1", to: "n4" },
      ],
    });
    expect(plan.steps[1]?.action).toEqual({ kind: "restore", links: (plan.steps[0]?.action as unknown as { links: unknown }).links });
  });

  it("expect without nodes means every node running at that step", () => {
    const plan = planScenario(
      validateScenario({
        name: "e",
        topology: { type: "line", nodes: 3 },
        steps: [{ kill: "n2" }, { expect: {} }, { join: { node: "x", links: ["n1"] } }, { expect: {} }],
      }),
    );
    expect((plan.steps[1]?.action as unknown as { nodes: string[] }).nodes).toEqual(["n1", "n3"]);
    expect((plan.steps[3]?.action as unknown as { nodes: string[] }).nodes).toEqual(["n1", "n3", "x"]);
  });
});

describe("JSON Schema", () => {
  it("scenarios/scenario.schema.json is generated from the zod schema (run `sumnet schema > scenarios/scenario.schema.json`)", async () => {
    const committed = JSON.parse(await readFile(new URL("../../scenarios/scenario.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(scenarioJsonSchema());
  });
});
