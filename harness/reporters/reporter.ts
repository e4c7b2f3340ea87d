/** A reporter observes a suite run (per-scenario hooks from RunObserver) and writes its output at the end. */
import type { RunObserver, ScenarioResult } from "../runner/result.js";

export interface SuiteSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly durationMs: number;
}

export interface Reporter extends RunObserver {
  /** Called once after every scenario ran (also when some could not be loaded). */
  suiteEnd(results: readonly ScenarioResult[], summary: SuiteSummary): Promise<void>;
}

export function summarize(results: readonly ScenarioResult[], durationMs: number): SuiteSummary {
  const passed = results.filter((r) => r.status === "passed").length;
  return { total: results.length, passed, failed: results.length - passed, durationMs };
}

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
    scenarioEnd: each("scenarioEnd"),
    async suiteEnd(results, summary) {
      for (const r of reporters) await r.suiteEnd(results, summary);
    },
  };
}
