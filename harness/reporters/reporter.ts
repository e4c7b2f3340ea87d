/**
 * A reporter observes a suite run (the runner's hooks, runner/result.ts) and writes its output at the end. Reporters
 * implement what the runner defines; the runner never imports a reporter.
 */
import type { Reporter, RunObserver } from "../runner/result.js";

export { summarize, type Reporter, type SuiteSummary } from "../runner/result.js";

/** Several reporters as one. */
export function combineReporters(reporters: readonly Reporter[]): Reporter {
  const each = <K extends keyof RunObserver>(k: K) =>
    ((...args: unknown[]) => {
      for (const r of reporters) (r[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
    }) as NonNullable<RunObserver[K]>;
  return {
    scenarioStart: each("scenarioStart"),
    networkStarted: each("networkStarted"),
    stepStart: each("stepStart"),
    progress: each("progress"),
    stepEnd: each("stepEnd"),
    expectations: each("expectations"),
    scenarioEnd: each("scenarioEnd"),
    async suiteEnd(results, summary) {
      for (const r of reporters) await r.suiteEnd(results, summary);
    },
  };
}
