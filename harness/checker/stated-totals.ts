/**
 * Check the totals a scenario states (`expect: {total: ...}`) against the injection and connectivity history, before
 * anything runs: the model is played as if every peer were correct. Catches arithmetic slips in scenario files at
 * `sumnet validate` time.
 */
import type { Problem } from "../scenario/issues.js";
import type { ScenarioPlan } from "../scenario/plan.js";
import { NetworkModel } from "./model.js";

export function checkStatedTotals(plan: ScenarioPlan): Problem[] {
  const problems: Problem[] = [];
  const model = new NetworkModel(plan.network.nodes, plan.network.links);
  for (const step of plan.steps) {
    const a = step.action;
    switch (a.kind) {
      case "inject":
        for (const inj of a.injections) model.inject(inj.node, inj.values, step.index);
        break;
      case "expect": {
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
        break;
      }
      case "cut":
        model.cut(a.links);
        break;
      case "restore":
        model.restore(a.links);
        break;
      case "kill":
      case "stop":
        for (const id of a.nodes) model.down(id);
        break;
      case "restart":
        for (const id of a.nodes) {
          if (model.isRunning(id)) model.down(id);
          model.up(id);
        }
        break;
      case "join":
        model.join(a.node, a.links);
        break;
      case "leave":
        for (const id of a.nodes) model.leave(id);
        break;
      case "shape":
      case "sleep":
        break;
    }
  }
  return problems;
}
