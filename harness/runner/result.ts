/** What running a scenario produces: plain JSON-serialisable data (big integers are decimal strings). */
import type { PlannedStep, ScenarioPlan } from "../scenario/plan.js";
import type { StepKind } from "../scenario/schema.js";
import type { StartedNetwork } from "../runtime/runtime.js";

export type StepStatus = "passed" | "failed" | "skipped";

/** One node's verdict at an expect step. */
export interface NodeCheck {
  readonly node: string;
  /** Expected total (certain numbers), decimal string. */
  readonly expected: string;
  readonly expectedCount: number;
  /** Numbers that may or may not have reached the node (their spread was cut short). */
  readonly uncertain: number;
  /** Last reported total/count, when the node answered. */
  readonly reported?: string | undefined;
  readonly reportedCount?: number | undefined;
  readonly ok: boolean;
  /** Explanation when not ok. */
  readonly message?: string | undefined;
}

/** A point of an expect step's convergence timeline. */
export interface ConvergencePoint {
  readonly atMs: number;
  readonly agreeing: number;
  readonly of: number;
}

export interface StepResult {
  readonly index: number;
  readonly kind: StepKind | "start";
  readonly label: string;
  readonly status: StepStatus;
  readonly durationMs: number;
  /** Time spent waiting on peers (expect polling, sleep, node start/stop); the rest is harness overhead. */
  readonly waitedMs: number;
  readonly message?: string | undefined;
  readonly checks?: readonly NodeCheck[] | undefined;
  readonly timeline?: readonly ConvergencePoint[] | undefined;
}

export interface ScenarioResult {
  readonly name: string;
  readonly file?: string | undefined;
  readonly status: "passed" | "failed";
  readonly runtime: string;
  readonly seed: number;
  readonly weight: number;
  readonly nodes: number;
  readonly links: number;
  readonly durationMs: number;
  /** The first failure, in one paragraph. */
  readonly failure?: string | undefined;
  /** Network start (index -1) and every step. */
  readonly steps: readonly StepResult[];
  /** Folder holding `<node>.log` files, when logs were kept. */
  readonly logsDir?: string | undefined;
}

/** Progress of an expect step while it waits. */
export interface ExpectProgress {
  readonly elapsedMs: number;
  readonly agreeing: number;
  readonly of: number;
  /** Up to a few nodes that do not agree yet. */
  readonly lagging: readonly string[];
}

/**
 * Hooks into a run: reporters, the dashboard (`sumnet run --watch`) and graders subscribe here. Every hook is optional
 * and may be async (the runner does not wait for it).
 */
export interface RunObserver {
  scenarioStart?(info: { readonly plan: ScenarioPlan; readonly file?: string | undefined }): void;
  /** The network is up; `network` stays valid until scenarioEnd. */
  networkStarted?(network: StartedNetwork, plan: ScenarioPlan): void;
  stepStart?(step: PlannedStep | { readonly index: -1; readonly kind: "start"; readonly label: string }): void;
  progress?(step: PlannedStep, progress: ExpectProgress): void;
  stepEnd?(result: StepResult): void;
  scenarioEnd?(result: ScenarioResult): void;
}
