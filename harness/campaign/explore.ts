/**
 * `sumnet explore` as a library: generate random scenarios from a seed (generate.ts), run each until one fails or the
 * runs or the time budget are spent, then shrink the failure to a minimal scenario (shrink.ts) and write it
 * (minimal-file.ts). Run i uses seed `seed + i`, so `--seed` and the run number name a scenario for good.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { runScenario } from "../runner/run-scenario.js";
import type { ScenarioResult } from "../runner/result.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Scenario } from "../scenario/schema.js";
import { failureSignature } from "./failure-signature.js";
import { generateScenario } from "./generate.js";
import { shrinkToMinimalFile, type ReplayTarget } from "./minimal-file.js";
import { replayOf } from "./runs.js";
import type { ShrinkOutcome } from "./shrink.js";

export const DEFAULT_EXPLORE_BUDGET_MS = 10 * 60_000;
/** How long a failing node is watched after an expect fails while exploring: enough to tell late from lost here. */
const EXPLORE_LATE_GRACE_MS = 5000;

export interface ExploreOptions {
  readonly runtime: Runtime;
  /** Written into the replay command of minimal.yaml. */
  readonly target: ReplayTarget;
  /** First seed (default 1). */
  readonly seed?: number;
  /** Timeout of every expect in the generated scenarios (default 10 s; a fast peer explores faster with less). */
  readonly expectTimeoutMs?: number;
  /** Every scenario gets a load with a nemesis during it (generate.ts), besides what is drawn. */
  readonly nemesisUnderLoad?: boolean;
  /** Most scenarios to run (default: until the budget is spent). */
  readonly runs?: number;
  /** Time to search for a failure (default 10 min); a run started before it ends is finished. */
  readonly budgetMs?: number;
  /** Time to shrink a failure found (default 5 min). */
  readonly shrinkBudgetMs?: number;
  /** Runs per shrink candidate (default 2). */
  readonly shrinkAttempts?: number;
  /** Where the failing scenario, its result, replay and minimal.yaml go. */
  readonly resultsDir: string;
  /** One line per run, and the shrinker's lines. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ExploreFinding {
  readonly scenario: Scenario;
  readonly result: ScenarioResult;
  /** Folder of the failing run: generated.yaml, replay.yaml, result.json, node logs, minimal.yaml. */
  readonly dir: string;
  /** Absent when the failure blamed no node (nothing to keep while shrinking). */
  readonly shrunk?: { readonly outcome: ShrinkOutcome; readonly file: string; readonly command: string } | undefined;
}

export interface ExploreOutcome {
  readonly runs: number;
  readonly durationMs: number;
  readonly finding?: ExploreFinding | undefined;
}

/** "ring of 7 nodes, 12 steps, load and nemesis": a campaign's log counts its runs with a load and a nemesis. */
export function shapeOf(s: Scenario): string {
  const t = s.topology;
  const n = t.type === "grid" ? `${t.width}x${t.height}` : t.type === "explicit" ? t.nodes.length : t.nodes;
  const kinds = new Set(s.steps.flatMap((step) => (typeof step === "object" && step !== null ? Object.keys(step) : [])));
  const notable = ["load", "nemesis"].filter((k) => kinds.has(k));
  return `${t.type} of ${n} nodes, ${s.steps.length} steps${notable.length > 0 ? `, ${notable.join(" and ")}` : ""}`;
}

export async function explore(options: ExploreOptions): Promise<ExploreOutcome> {
  const started = performance.now();
  const budgetMs = options.budgetMs ?? DEFAULT_EXPLORE_BUDGET_MS;
  const maxRuns = options.runs ?? Number.MAX_SAFE_INTEGER;
  const first = options.seed ?? 1;
  const log = options.log ?? (() => {});
  let runs = 0;
  while (runs < maxRuns && performance.now() - started < budgetMs && !options.signal?.aborted) {
    const seed = first + runs;
    const scenario = generateScenario(seed, { expectTimeoutMs: options.expectTimeoutMs, nemesisUnderLoad: options.nemesisUnderLoad });
    runs++;
    const result = await runScenario(scenario, {
      runtime: options.runtime,
      resultsDir: path.join(options.resultsDir, `seed-${seed}`),
      keepLogs: "failed",
      lateGraceMs: EXPLORE_LATE_GRACE_MS,
      signal: options.signal,
    });
    const where = result.failure?.split("\n").slice(0, 2).join(" ") ?? "";
    log(`run ${runs} seed ${seed}: ${shapeOf(scenario)}: ${result.status === "passed" ? "pass" : `FAIL ${where}`} (${(result.durationMs / 1000).toFixed(1)} s${result.runtime === "sim" ? " simulated" : ""})`);
    if (result.status === "passed" || options.signal?.aborted) continue;
    const dir = result.logsDir ?? path.resolve(options.resultsDir, `seed-${seed}`, scenario.name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "generated.yaml"), stringify(scenario, { lineWidth: 0 }));
    await writeFile(path.join(dir, "replay.yaml"), stringify(replayOf(scenario, result), { lineWidth: 0 }));
    if (!result.logsDir) await writeFile(path.join(dir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
    const finding = { scenario, result, dir };
    if (!failureSignature(result)) {
      log(`not shrunk: the failure blames no node`);
      return { runs, durationMs: performance.now() - started, finding };
    }
    const shrunk = await shrinkToMinimalFile({ scenario, result }, dir, {
      runtime: options.runtime,
      budgetMs: options.shrinkBudgetMs,
      attempts: options.shrinkAttempts,
      signal: options.signal,
      target: options.target,
      log,
    });
    return { runs, durationMs: performance.now() - started, finding: { ...finding, shrunk } };
  }
  return { runs, durationMs: performance.now() - started };
}
