/**
 * Feedback a student can act on: a failed scenario that blames a node is shrunk (harness/campaign/shrink.ts) to the
 * smallest scenario that still fails the same way, within a budget shared by the whole grade (a class of
 * submissions and a Gradescope time limit must not pay minutes per failure). The result is `minimal.yaml` in the
 * scenario's result folder and, bounded, in the reports.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { failureSignature, type FailureKind } from "../campaign/failure-signature.js";
import { MINIMAL_FILE, minimalYaml, shrinkSummary } from "../campaign/minimal-file.js";
import { NotShrinkable, shrinkFailure, type FailedRun } from "../campaign/shrink.js";
import type { Runtime } from "../runtime/runtime.js";
import { minimalReplayCommand, type ReplayOptions } from "./replay-command.js";
import type { GradeReport, MinimalScenario } from "./report.js";

/** Time spent shrinking per grade (every failed scenario together) unless told otherwise. */
export const DEFAULT_GRADE_SHRINK_BUDGET_MS = 60_000;

/** Most of a minimal scenario's text shown in a report (Gradescope shows every test's output on one page). */
export const MINIMAL_TEXT_LIMIT = 4000;

/**
 * Failures worth a minimal scenario: a peer's bug in what it counts, or a crash. Slow, silent or unstartable nodes
 * shrink to "start one node", which says nothing the message does not.
 */
const SHRINKABLE: readonly FailureKind[] = ["surplus", "lost", "wrong-total", "crashed"];

/** What is left of the grade's shrinking time. */
export class ShrinkBudget {
  private spentMs = 0;
  constructor(readonly totalMs: number) {}
  get remainingMs(): number {
    return Math.max(0, this.totalMs - this.spentMs);
  }
  spend(ms: number): void {
    this.spentMs += ms;
  }
}

export interface MinimalScenarioOptions {
  readonly runtime: Runtime;
  readonly budget: ShrinkBudget;
  /** The scenario's wall-clock limit: no shrink takes longer, and no run of it may hang past it. */
  readonly limitMs: number;
  /** The folder `minimal.yaml` goes to (the scenario's result folder). */
  readonly dir: string;
  readonly implementation: GradeReport["implementation"];
  readonly replay?: ReplayOptions | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/** Text cut to `limit` characters at a line end, with a note saying where the rest is. */
export function boundedText(text: string, limit: number, whole: string): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf("\n", limit);
  const kept = text.slice(0, cut > 0 ? cut : limit);
  return `${kept}\n# ... ${text.length - kept.length} more characters: the whole file is ${whole}\n`;
}

/**
 * Shrinks a failed run into `<dir>/minimal.yaml` when it blames a node for a kind worth it and the budget has time
 * left; undefined otherwise. Spends at most min(budget left, scenario limit) (the last run may end after it, and is
 * aborted one scenario limit later); Ctrl-C stops it and keeps the smallest scenario found so far.
 */
export async function minimalScenarioOf(run: FailedRun, options: MinimalScenarioOptions): Promise<MinimalScenario | undefined> {
  const signature = failureSignature(run.result);
  if (!signature || !SHRINKABLE.includes(signature.kind)) return undefined;
  const budgetMs = Math.min(options.budget.remainingMs, options.limitMs);
  if (budgetMs <= 0 || options.signal?.aborted) return undefined;

  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const hung = setTimeout(onAbort, budgetMs + options.limitMs);
  const started = performance.now();
  options.log?.(`  shrinking ${run.result.name} (seed ${run.result.seed}) within ${Math.round(budgetMs / 1000)} s...`);
  let outcome;
  try {
    // One run per candidate: with a minute, going further beats confirming each step twice.
    outcome = await shrinkFailure(run, { runtime: options.runtime, budgetMs, signal: controller.signal, attempts: 1 });
  } catch (error) {
    if (error instanceof NotShrinkable) return undefined;
    throw error;
  } finally {
    clearTimeout(hung);
    options.signal?.removeEventListener("abort", onAbort);
    options.budget.spend(performance.now() - started);
  }

  const command = minimalReplayCommand(options.implementation, options.replay);
  const text = minimalYaml(outcome, run.result.name, command);
  await mkdir(options.dir, { recursive: true });
  const file = path.join(options.dir, MINIMAL_FILE);
  await writeFile(file, text);
  const stopped = outcome.stoppedBy === "fixpoint" ? "" : `, stopped by ${outcome.stoppedBy === "budget" ? "the time budget" : "Ctrl-C"}`;
  const summary = outcome.reproduced
    ? `${shrinkSummary(outcome)}${stopped}`
    : `the failure did not show again while shrinking (${outcome.runs} run${outcome.runs === 1 ? "" : "s"}${stopped}): this is the run as it happened`;
  options.log?.(`  minimal scenario: ${file} (${summary})`);
  return { file, command, summary, reproduced: outcome.reproduced, yaml: boundedText(text, MINIMAL_TEXT_LIMIT, file) };
}
