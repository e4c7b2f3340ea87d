/**
 * Check the totals a scenario states (`expect: {total: ...}`) against the injection and connectivity history, before
 * anything runs: the model is played as if every peer were correct. Catches arithmetic slips in scenario files at
 * `sumnet validate` time.
 */
import { NetworkModel } from "../checker/model.js";
import { isNetworkChange } from "../network/history.js";
import type { Problem } from "./issues.js";
import { healEverything, type ScenarioPlan } from "./plan.js";

export function checkStatedTotals(plan: ScenarioPlan): Problem[] {
  const problems: Problem[] = [];
  const model = new NetworkModel(plan.network.nodes, plan.network.links);
  for (const step of plan.steps) {
    const a = step.action;
    if (isNetworkChange(a)) {
      model.apply(a);
      continue;
    }
    if (a.kind === "nemesis") {
      // Whatever the nemesis does, it ends with everything healed, resumed and restarted.
      for (const change of healEverything(model.history)) model.apply(change, step.index);
      continue;
    }
    if (a.kind === "inject") {
      for (const inj of a.injections) model.inject(inj.node, inj.values, step.index);
    } else if (a.kind === "expect") {
      const expectations = model.expectations(a.nodes);
      for (const e of expectations.values()) {
        // Uncertain spread: the runner decides with what the nodes report; nothing to say statically.
        if (a.total !== undefined && e.uncertain.length === 0 && e.total.toString() !== a.total) {
          problems.push({
            path: ["steps", step.index, "expect", "total"],
            message: `expected ${e.total} here (what the scenario injected reaches ${e.node} as ${e.total}), got ${a.total}`,
          });
          break;
        }
      }
      // As a correct peer would report: the certain numbers.
      for (const e of expectations.values()) model.confirm(e, e.total, e.count);
    }
  }
  return problems;
}
