/**
 * Many seeds: play every scenario of a suite once per seed (`sumnet run --runs N` or `--seeds A..B`), keep each
 * failed run's node logs, result.json and replay.yaml in its own seed folder, and hand each failed run to the caller
 * (which may shrink it). Pass rates come from the results (reporters/pass-rate.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { filterPlans, planFiles, type SuiteOptions } from "../runner/run-suite.js";
import { runPlan, scenarioSlug } from "../runner/run-scenario.js";
import { summarize, type ScenarioResult, type SuiteSummary } from "../runner/result.js";
import { loadScenarioFile } from "../scenario/load.js";
import { planScenario } from "../scenario/plan.js";
import type { Scenario } from "../scenario/schema.js";
import type { FailedRun } from "./shrink.js";

/** Which seeds: N runs from each scenario's own seed (seed, seed+1, ...), or one range for every scenario. */
export type SeedChoice = { readonly runs: number } | { readonly from: number; readonly to: number };

/** Most runs of one scenario in a campaign (a bound, so that a typo cannot start a run of days). */
export const MAX_RUNS = 100_000;

/** `A..B` (inclusive), e.g. `1..50`; throws RangeError with what was expected. */
export function parseSeedRange(text: string): { from: number; to: number } {
  const m = /^(-?\d+)\.\.(-?\d+)$/.exec(text.trim());
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new RangeError(`expected a seed range like 1..50, got "${text}"`);
  if (to < from) throw new RangeError(`expected a range from a smaller seed to a larger one, got "${text}"`);
  if (to - from + 1 > MAX_RUNS) throw new RangeError(`expected at most ${MAX_RUNS} seeds, got ${to - from + 1} in "${text}"`);
  return { from, to };
}

/** The seeds a scenario whose seed is `base` runs with. */
export function seedsFor(base: number, choice: SeedChoice): number[] {
  if ("runs" in choice) return Array.from({ length: choice.runs }, (_, i) => base + i);
  return Array.from({ length: choice.to - choice.from + 1 }, (_, i) => choice.from + i);
}

/** The scenario that replays a run: the runner's replay when it recorded one, else the scenario with the run's seed. */
export function replayOf(scenario: Scenario, result: ScenarioResult): Record<string, unknown> {
  return result.replay ?? { ...scenario, seed: result.seed };
}

export interface CampaignSuiteOptions extends SuiteOptions {
  readonly seeds: SeedChoice;
  /** Called after each failed run (its folder holds result.json, replay.yaml and node logs, when logs were kept). */
  readonly onFailure?: (run: FailedRun & { readonly dir: string }) => Promise<void>;
}

/**
 * Run every scenario under `paths` once per seed. With more than one seed, run `seed` of scenario `name` keeps its
 * files in `<resultsDir>/seed-<seed>/<name>/`; with one, in `<resultsDir>/<name>/` as a plain `sumnet run` does.
 */
export async function runSuiteWithSeeds(
  paths: readonly string[],
  options: CampaignSuiteOptions,
): Promise<{ results: ScenarioResult[]; summary: SuiteSummary }> {
  const started = performance.now();
  // Validates every file (all problems at once) before anything runs.
  const planned = filterPlans(await planFiles(paths, options.seed), options.filter);
  const resultsDir = options.resultsDir ?? "results";
  const results: ScenarioResult[] = [];
  for (const { file, plan: first } of planned) {
    const { scenario } = await loadScenarioFile(file);
    const seeds = seedsFor(first.seed, options.seeds);
    for (const seed of seeds) {
      if (options.signal?.aborted) break;
      const runDir = seeds.length > 1 ? path.join(resultsDir, `seed-${seed}`) : resultsDir;
      const plan = seed === first.seed ? first : planScenario(scenario, { seed });
      const result = await runPlan(plan, { ...options, resultsDir: runDir, file, observer: options.reporter });
      results.push(result);
      if (result.status === "failed") {
        const dir = result.logsDir ?? path.resolve(runDir, scenarioSlug(plan.name));
        await mkdir(dir, { recursive: true });
        if (!result.logsDir) await writeFile(path.join(dir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
        await writeFile(path.join(dir, "replay.yaml"), stringify(replayOf(scenario, result), { lineWidth: 0 }));
        await options.onFailure?.({ scenario, result, dir });
      }
    }
  }
  const summary = summarize(results, performance.now() - started);
  await options.reporter?.suiteEnd(results, summary);
  return { results, summary };
}
