/**
 * Shrink a failing run to a minimal scenario that still fails the same way: start from what actually ran (the
 * result's replay, or the scenario itself), make it deterministic (reductions.materialize), then try smaller
 * candidates in the order that saves the most time: cut what came after the failing step, aim loads at the failing
 * node (a race needs overlapping POSTs there), drop sleeps, merge
 * injections, remove steps (delta debugging over the steps), remove nodes (delta debugging over the node set),
 * fewer numbers, shorter durations; repeat until nothing more goes or the time budget is spent.
 *
 * Each valid candidate runs up to `attempts` times (a failure need not repeat every time) and is kept when one run
 * fails the same way (failure-signature.ts). Candidates that do not validate are skipped without a run. The budget
 * is checked before every run, so it is never exceeded by more than one run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { runPlan } from "../runner/run-scenario.js";
import type { ScenarioResult } from "../runner/result.js";
import type { Runtime } from "../runtime/runtime.js";
import { validateScenario } from "../scenario/load.js";
import { PlanError, planScenario, type ScenarioPlan } from "../scenario/plan.js";
import type { Scenario } from "../scenario/schema.js";
import { ddmin } from "./ddmin.js";
import { failsSameWay, failureSignature, type FailureSignature } from "./failure-signature.js";
import {
  materialize,
  nodesOfPlan,
  sizeOf,
  truncateAfter,
  withFewerNumbers,
  withMergedInjections,
  withGroupedInjections,
  withoutNodes,
  withoutSleeps,
  withShorterDurations,
  withShortExpects,
  withSteps,
  withoutKind,
  withLoadAt,
  withCompressedLoads,
  STEP_KIND_GROUPS,
  type StepObject,
} from "./reductions.js";

export const DEFAULT_SHRINK_BUDGET_MS = 5 * 60_000;
export const DEFAULT_SHRINK_ATTEMPTS = 2;
/** Watch failing nodes only briefly after an expect fails: enough to tell late from lost on a small network. */
export const DEFAULT_SHRINK_LATE_GRACE_MS = 2000;
/** Expect timeout tried while shrinking a loss or a double count (never a slow or silent node). */
const SHORT_EXPECT_MS = 3000;

export interface ShrinkOptions {
  readonly runtime: Runtime;
  /** Wall-clock budget (default 5 min); the last run may end after it. */
  readonly budgetMs?: number;
  /** Runs per candidate before it counts as not failing (default 2). */
  readonly attempts?: number;
  /** The runner's lateGraceMs during shrinking (default 2000). Expect timeouts are never changed. */
  readonly lateGraceMs?: number;
  /** One line per kept reduction. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ScenarioSize {
  readonly steps: number;
  readonly nodes: number;
}

export interface ShrinkOutcome {
  /** The smallest scenario found that fails the same way (the start when nothing could be removed). */
  readonly scenario: Scenario;
  readonly signature: FailureSignature;
  /** Whether the failure was seen again at all (false: `scenario` is the start, unconfirmed). */
  readonly reproduced: boolean;
  readonly from: ScenarioSize;
  readonly to: ScenarioSize;
  /** Runs of candidates (invalid candidates cost none). */
  readonly runs: number;
  readonly durationMs: number;
  /** Why it stopped: nothing more could be removed, the budget was spent, or it was aborted. */
  readonly stoppedBy: "fixpoint" | "budget" | "aborted";
  /** The last failing run of the minimal scenario. */
  readonly result?: ScenarioResult | undefined;
}

/** What to shrink: a failed result and the scenario that ran (its replay is preferred when the runner recorded one). */
export interface FailedRun {
  readonly scenario: Scenario;
  readonly result: ScenarioResult;
}

/** The scenario a failed run is shrunk (and replayed) from: the recorded replay, else the scenario with the run's seed. */
export function startingScenario(run: FailedRun): { scenario: Scenario; fromReplay: boolean } {
  if (run.result.replay) return { scenario: validateScenario(run.result.replay), fromReplay: true };
  return { scenario: { ...run.scenario, seed: run.result.seed }, fromReplay: false };
}

/** Thrown when a run cannot be shrunk (it passed, or blames no node). */
export class NotShrinkable extends Error {
  override readonly name = "NotShrinkable";
}

/** `materialize`, or undefined for a scenario that does not plan (a candidate, not the run's own scenario). */
function materializeIfPlanned(scenario: Scenario): Scenario | undefined {
  try {
    return materialize(scenario);
  } catch (err) {
    if (err instanceof PlanError) return undefined;
    throw err;
  }
}

export async function shrinkFailure(run: FailedRun, options: ShrinkOptions): Promise<ShrinkOutcome> {
  const signature = failureSignature(run.result);
  if (!signature) {
    throw new NotShrinkable(
      run.result.status === "passed"
        ? `${run.result.name} passed: nothing to shrink`
        : `${run.result.name} failed without blaming a node (${run.result.failure?.split("\n")[0] ?? "no failure"}): nothing to keep while shrinking`,
    );
  }
  const budgetMs = options.budgetMs ?? DEFAULT_SHRINK_BUDGET_MS;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_SHRINK_ATTEMPTS);
  const started = performance.now();
  const scratch = await mkdtemp(path.join(tmpdir(), "sumnet-shrink-"));
  const log = options.log ?? (() => {});
  let runs = 0;
  let lastFailing: ScenarioResult | undefined;
  const tried = new Map<string, boolean>();
  const outOfBudget = (): boolean => performance.now() - started >= budgetMs;
  const stop = (): boolean => outOfBudget() || options.signal?.aborted === true;

  /** Whether a candidate fails the same way (invalid: false, without a run). */
  const stillFails = async (candidate: Scenario): Promise<boolean> => {
    const key = JSON.stringify(candidate);
    const known = tried.get(key);
    if (known !== undefined) return known;
    let scenario: Scenario;
    try {
      scenario = validateScenario(candidate);
    } catch {
      tried.set(key, false);
      return false;
    }
    let plan: ScenarioPlan;
    try {
      plan = planScenario(scenario);
    } catch (err) {
      // A candidate that names a node where it is not (say, before it joins) is not a scenario: it does not fail.
      if (!(err instanceof PlanError)) throw err;
      tried.set(key, false);
      return false;
    }
    const nodes = new Set(nodesOfPlan(plan));
    for (let i = 0; i < attempts; i++) {
      if (stop()) return false; // not remembered: it was not tried
      runs++;
      const result = await runPlan(plan, {
        runtime: options.runtime,
        keepLogs: "never",
        resultsDir: scratch,
        lateGraceMs: options.lateGraceMs ?? DEFAULT_SHRINK_LATE_GRACE_MS,
        signal: options.signal,
      });
      if (failsSameWay(signature, result, nodes)) {
        lastFailing = result;
        tried.set(key, true);
        return true;
      }
    }
    tried.set(key, false);
    return false;
  };

  const start = startingScenario(run);
  const from = sizeOf(start.scenario);
  let current = start.scenario;
  let reproduced = false;
  try {
    // What came after the failing step never ran (only when the steps are the scenario's own).
    const failedStep = run.result.steps.find((s) => s.status === "failed" && s.index >= 0);
    const truncated = !start.fromReplay && failedStep ? truncateAfter(current, failedStep.index) : undefined;
    if (truncated) current = truncated;
    const fixed = materialize(current);
    if (await stillFails(fixed)) {
      current = fixed;
      reproduced = true;
    } else {
      // Not with everything drawn up front (or not this time): does the scenario as it was fail again?
      reproduced = await stillFails(current);
    }
    if (!reproduced && start.fromReplay && !stop()) {
      // A replay plays a load's POSTs one after another, at the times they were answered: a failure that needs them
      // concurrent (a race in the peer) shows only with the load itself. Shrink the scenario as written instead.
      log("  the replay did not fail again (it plays a load's POSTs one at a time); shrinking the scenario as written");
      const written: Scenario = { ...run.scenario, seed: run.result.seed };
      const upTo = failedStep ? truncateAfter(written, failedStep.index) ?? written : written;
      // The load aimed at a node that failed: a race shows where POSTs overlap, and must show at a node that failed.
      const target = signature.nodes[0] as string;
      const focused = withLoadAt(upTo, target);
      const tries: [Scenario | undefined, string][] = [
        [focused && materializeIfPlanned(focused), `its load aimed at ${target}`],
        [materializeIfPlanned(upTo), "everything drawn up front"],
        [upTo, "as it was (it cannot be edited)"],
      ];
      for (const [candidate, how] of tries) {
        if (candidate === undefined || stop()) continue;
        if (await stillFails(candidate)) {
          current = candidate;
          reproduced = true;
          log(`  the scenario as written failed again: ${how}`);
          break;
        }
      }
    }
    const keep = (candidate: Scenario | undefined, what: string): Promise<boolean> =>
      // A candidate already seen failing is kept even when the budget is spent (delta debugging's last find).
      candidate === undefined || (stop() && tried.get(JSON.stringify(candidate)) !== true)
        ? Promise.resolve(false)
        : stillFails(candidate).then((ok) => {
            if (ok) {
              current = candidate;
              const size = sizeOf(current);
              log(`  ${what}: ${size.steps} steps, ${size.nodes} nodes (${runs} runs)`);
            }
            return ok;
          });

    // Only a materialized scenario has explicit nodes and independent steps to remove.
    const canEdit = reproduced && current.topology.type === "explicit";
    const removeNodes = async (): Promise<void> => {
      const nodes = nodesOfPlan(planScenario(current));
      const keptNodes = await ddmin(
        nodes,
        (subset) => {
          const gone = new Set(nodes.filter((id) => !subset.includes(id)));
          const candidate = withoutNodes(current, gone);
          return candidate ? stillFails(candidate) : Promise.resolve(false);
        },
        { stop },
      );
      if (keptNodes.length < nodes.length) {
        await keep(withoutNodes(current, new Set(nodes.filter((id) => !keptNodes.includes(id)))), "removed nodes");
      }
    };
    // A timeout cannot cause a loss or a double count that outlived the grace period: wait less, fail faster.
    if (canEdit && (signature.kind === "lost" || signature.kind === "surplus" || signature.kind === "wrong-total")) {
      await keep(withShortExpects(current, SHORT_EXPECT_MS), "shorter expects");
      // A load spread over several nodes: aim it at a failing node that is left (a race needs overlapping POSTs there).
      const present = new Set(nodesOfPlan(planScenario(current)));
      const target = signature.nodes.find((id) => present.has(id));
      if (target) await keep(withLoadAt(current, target), `load aimed at ${target}`);
      // The same POSTs in less time: a shorter run where they overlap more (twice, while it still fails).
      for (let i = 0; i < 2; i++) if (!(await keep(withCompressedLoads(current), "load compressed (twice the rate, half the time)"))) break;
    }
    for (let round = 0; canEdit && round < 10 && !stop(); round++) {
      const before = JSON.stringify(current);
      await keep(withoutSleeps(current), "dropped the sleeps");
      await keep(withMergedInjections(current), "merged injections");
      await keep(withGroupedInjections(current), "grouped back-to-back injections by node");
      // Big cuts first: every step of a kind at once, then half the nodes (a node takes its steps and links along).
      // Each candidate is made from the current scenario, so a later cut never brings back what an earlier one removed.
      for (const kinds of STEP_KIND_GROUPS) {
        const candidate = withoutKind(current, kinds);
        if (candidate) await keep(candidate, `removed every ${kinds.join("/")}`);
      }
      await removeNodes();
      const steps = current.steps as StepObject[];
      const keptSteps = await ddmin(steps, (subset) => stillFails(withSteps(current, subset)), { stop });
      if (keptSteps.length < steps.length) await keep(withSteps(current, keptSteps), "removed steps");
      await removeNodes();
      await keep(withMergedInjections(current), "merged injections");
      for (const candidate of withFewerNumbers(current)) if (await keep(candidate, "fewer numbers")) break;
      for (const candidate of withShorterDurations(current)) await keep(candidate, "shorter durations");
      if (JSON.stringify(current) === before) break;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    scenario: current,
    signature,
    reproduced,
    from,
    to: sizeOf(current),
    runs,
    durationMs: performance.now() - started,
    stoppedBy: options.signal?.aborted ? "aborted" : outOfBudget() ? "budget" : "fixpoint",
    result: lastFailing,
  };
}
