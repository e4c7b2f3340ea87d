/**
 * The wall-clock limit of a scenario under grading: everything the scenario itself may wait for (health waits,
 * expect timeouts, sleeps, graceful stops), plus a margin. A peer that hangs the harness in some way nobody
 * foresaw is still stopped, the network torn down, and the scenario reported as a timeout.
 */
import type { ScenarioPlan } from "../scenario/index.js";

/** Fixed allowance for steps that do not wait on peers (inject, kill, cut, shape). */
const QUICK_STEP_MS = 2_000;
const MARGIN_MS = 30_000;

export function scenarioTimeLimitMs(plan: ScenarioPlan): number {
  const { healthTimeoutMs } = plan.timing;
  let total = healthTimeoutMs + MARGIN_MS;
  for (const step of plan.steps) {
    const action = step.action;
    switch (action.kind) {
      case "expect":
        total += action.timeoutMs;
        break;
      case "sleep":
        total += action.ms;
        break;
      case "stop":
      case "leave":
        total += action.timeoutMs;
        break;
      case "restart":
        total += action.timeoutMs + healthTimeoutMs;
        break;
      case "join":
        total += healthTimeoutMs;
        break;
      default:
        total += QUICK_STEP_MS;
    }
  }
  return total;
}
