/** Run many scenario files in order, one network at a time, with a reporter. */
import { performance } from "node:perf_hooks";
import { findScenarioFiles, loadScenarioFile, ScenarioError, type LocatedProblem } from "../scenario/load.js";
import { planScenario, PlanError, type ScenarioPlan } from "../scenario/plan.js";
import { runPlan, type RunOptions } from "./run-scenario.js";
import { summarize, type Reporter, type ScenarioResult, type SuiteSummary } from "./result.js";

export interface SuiteOptions extends Omit<RunOptions, "observer"> {
  /** Only scenarios whose name or file contains this (case-insensitive). */
  readonly filter?: string;
  readonly reporter?: Reporter;
}

export interface PlannedFile {
  readonly file: string;
  readonly plan: ScenarioPlan;
}

/**
 * Load, validate and plan every scenario under `paths` (files or directories). All problems of all files are
 * collected into one ScenarioError, so nothing runs when any input is invalid.
 */
export async function planFiles(paths: readonly string[], seed?: number): Promise<PlannedFile[]> {
  const files = await findScenarioFiles(paths);
  const problems: LocatedProblem[] = [];
  const planned: PlannedFile[] = [];
  for (const file of files) {
    try {
      const { scenario } = await loadScenarioFile(file);
      planned.push({ file, plan: planScenario(scenario, { seed }) });
    } catch (error) {
      if (error instanceof ScenarioError) problems.push(...error.problems);
      else if (error instanceof PlanError) problems.push(...error.problems.map((p) => ({ ...p, file, line: 0, column: 0 })));
      else throw error;
    }
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  const names = new Map<string, string>();
  for (const p of planned) {
    const other = names.get(p.plan.name);
    if (other) {
      problems.push({ file: p.file, line: 0, column: 0, path: ["name"], message: `name "${p.plan.name}" is also used by ${other}` });
    }
    names.set(p.plan.name, p.file);
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  return planned;
}

/** The planned scenarios whose name or file contains `filter` (case-insensitive); all of them without one. */
export function filterPlans<T extends { readonly file: string; readonly plan: { readonly name: string } }>(planned: readonly T[], filter?: string): T[] {
  if (!filter) return [...planned];
  const f = filter.toLowerCase();
  return planned.filter((p) => p.plan.name.toLowerCase().includes(f) || p.file.toLowerCase().includes(f));
}

export async function runSuite(
  paths: readonly string[],
  options: SuiteOptions,
): Promise<{ results: ScenarioResult[]; summary: SuiteSummary }> {
  const started = performance.now();
  const planned = filterPlans(await planFiles(paths, options.seed), options.filter);
  const results: ScenarioResult[] = [];
  for (const { file, plan } of planned) {
    if (options.signal?.aborted) break;
    results.push(await runPlan(plan, { ...options, file, observer: options.reporter }));
  }
  const summary = summarize(results, performance.now() - started);
  await options.reporter?.suiteEnd(results, summary);
  return { results, summary };
}
