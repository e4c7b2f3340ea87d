/**
 * The wall-clock limit of a scenario under grading: everything the scenario itself may wait for (health waits,
 * expect timeouts, sleeps, graceful stops), plus a margin. A peer that hangs the harness in some way nobody
 * foresaw is still stopped, the network torn down, and the scenario reported as a timeout.
 */
import type { ScenarioPlan } from "../scenario/index.js";

/** Fixed allowance for steps that do not wait on peers (inject, kill, cut, shape). */
const QUICK_STEP_MS = 2_000;
const MARGIN_MS = 30_000;

/** `lateGraceMs`: the checker's watch after a failed expect (a run stops at its first failure, so it counts once). */
export function scenarioTimeLimitMs(plan: ScenarioPlan, lateGraceMs = 0): number {
  const { healthTimeoutMs } = plan.timing;
  let total = healthTimeoutMs + MARGIN_MS + lateGraceMs;
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
      case "load":
        // An expect waits for the load to end.
        total += action.durationMs;
        break;
      case "nemesis":
        // Faults for its duration, then every node healed and restarted.
        total += action.durationMs + action.intervalMs + healthTimeoutMs;
        break;
      default:
        total += QUICK_STEP_MS;
    }
  }
  return total;
}
