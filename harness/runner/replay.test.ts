import { describe, expect, it } from "vitest";
import { planScenario } from "../scenario/plan.js";
import { validateScenario } from "../scenario/load.js";
import { ReplayRecorder } from "./replay.js";

const plan = planScenario(validateScenario({ name: "r", topology: { type: "line", nodes: 3 }, steps: [{ sleep: 0 }] }));

describe("the replay of a run", () => {
  it("is a valid scenario of ordinary steps with the waits between them", () => {
    let now = 0;
    const r = new ReplayRecorder(plan, () => now);
    r.injection("n1", ["5"]);
    now = 100;
    r.operation({ kind: "cut", links: [{ from: "n2", to: "n1" }] });
    now = 150;
    r.operation({ kind: "cut-one-way", directions: [{ from: "n3", to: "n2" }] });
    now = 400;
    r.operation({ kind: "shape", links: [{ from: "n3", to: "n2" }], shape: { delayMs: 5, jitterMs: 1, loss: 0, bandwidthBytesPerSec: 1000 } });
    r.operation({ kind: "restore", links: [{ from: "n2", to: "n1" }, { from: "n3", to: "n2" }] });
    r.expect(undefined, 5000);
    const scenario = r.scenario();
    expect(scenario.steps).toEqual([
      { inject: { at: "n1", values: ["5"] } },
      { sleep: 100 },
      { partition: { links: [["n2", "n1"]] } },
      { sleep: 50 },
      { partition: { from: ["n3"], to: ["n2"] } },
      { sleep: 250 },
      { latency: { links: [["n3", "n2"]], delay: 5, jitter: 1, loss: 0, bandwidth: 1000 } },
      { heal: { links: [["n2", "n1"], ["n3", "n2"]] } },
      { expect: { timeout: 5000 } },
    ]);
    expect(() => planScenario(validateScenario(scenario))).not.toThrow();
  });

  it("moves a number answered by a paused or stopped node to when it runs again, and drops it if the node left", () => {
    let now = 0;
    const r = new ReplayRecorder(plan, () => now);
    r.operation({ kind: "pause", nodes: ["n2"] });
    now = 10;
    r.injection("n2", ["7"], 5); // sent (and recorded) while n2 was frozen
    now = 30;
    r.operation({ kind: "resume", nodes: ["n2"] });
    now = 40;
    r.operation({ kind: "kill", nodes: ["n3"] });
    r.injection("n3", ["9"], 50);
    now = 60;
    r.operation({ kind: "leave", nodes: ["n3"], timeoutMs: 1000 });
    const scenario = r.scenario();
    expect((scenario.steps as object[]).filter((s) => "inject" in s)).toEqual([{ inject: { at: "n2", values: ["7"] } }]);
    expect(() => planScenario(validateScenario(scenario))).not.toThrow();
  });
});
