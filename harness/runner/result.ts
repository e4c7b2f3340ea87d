/** What running a scenario produces: plain JSON-serialisable data (big integers are decimal strings). */
import type { PlannedStep, ScenarioPlan } from "../scenario/plan.js";
import type { StepKind } from "../scenario/schema.js";
import type { NodeExitData } from "../runtime/exit-words.js";
import type { MessageTrace, StartedNetwork } from "../runtime/runtime.js";
import type { EfficiencyWindow, ScenarioEfficiency } from "./efficiency-figures.js";

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
  /** What happened inside the step, one line each (a nemesis's faults). */
  readonly notes?: readonly string[] | undefined;
  /** Efficiency of the window this step closes (an expect, since the previous one) or runs (a load). */
  readonly efficiency?: EfficiencyWindow | undefined;
}

/** A node the failing step blames, and why: data for graders, reports and dashboards (never parse the prose). */
export interface FailingNode {
  readonly node: string;
  /**
   * lost: reports fewer numbers than it must (still so after the grace period); surplus: more numbers than exist
   * (counted twice); wrong-total: the right count but another sum; too-slow: reached the expected total only after
   * the limit, nothing lost; unreachable: did not answer GET /total; crashed: exited on its own; start-failed:
   * never became healthy; error: an operation on it failed (a POST, a restart).
   */
  readonly kind: "lost" | "surplus" | "wrong-total" | "too-slow" | "unreachable" | "crashed" | "start-failed" | "error";
  /** One line, without the node's id in front. */
  readonly reason: string;
  /** Expected and reported totals (decimal strings), for `disagrees`. */
  readonly expected?: string | undefined;
  readonly reported?: string | undefined;
  /** For too-slow: how long after the limit it reached the expected total. */
  readonly lateByMs?: number | undefined;
  /** For crashed: how it exited, as the runtime reported it (`oomKilled` from the container engine). */
  readonly exit?: NodeExitData | undefined;
}

/** What a background load did. */
export interface LoadResult {
  /** Index of the step that started it. */
  readonly step: number;
  readonly posts: number;
  /** Numbers acknowledged (they must count). */
  readonly acknowledged: number;
  /** Numbers sent without an answer (they may count, never must). */
  readonly indeterminate: number;
  /** Numbers whose POST was refused before it was sent (they do not exist). */
  readonly refused: number;
  /** Numbers not sent: no node was running. */
  readonly skipped: number;
  /**
   * Numbers not sent because the load's time was up while earlier POSTs were still waiting for their answers (a
   * paused or slow node): a load never runs far past its duration.
   */
  readonly late: number;
  readonly durationMs: number;
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
  /** The nodes the first failure blames (empty when it passed or blames none). */
  readonly failingNodes: readonly FailingNode[];
  /** Network start (index -1) and every step. */
  readonly steps: readonly StepResult[];
  /** Folder holding `<node>.log` files, when logs were kept. */
  readonly logsDir?: string | undefined;
  /**
   * The run as it actually happened, as a plain scenario: every fault and every acknowledged injection an ordinary
   * step, the load and the nemesis unrolled, the waits between them as sleeps. `sumnet run replay.yaml` replays it;
   * shrinking starts from it. Present when the scenario had a load or a nemesis, or failed.
   */
  readonly replay?: Record<string, unknown> | undefined;
  /** The background loads of the run. */
  readonly loads?: readonly LoadResult[] | undefined;
  /** Numbers, traffic per number and stable latency of the run (absent when the sampler was switched off). */
  readonly efficiency?: ScenarioEfficiency | undefined;
  /**
   * Every message between the nodes, and the operations on the network (marks), in ms of the network's clock: where
   * the runtime traces messages (the simulator, networks of up to 20 nodes). The results page draws them.
   */
  readonly messages?: MessageDiagram | undefined;
}

export interface MessageDiagram extends MessageTrace {
  /** The nodes, in the scenario's order (joins last). */
  readonly nodes: readonly string[];
  readonly marks: readonly { readonly at: number; readonly label: string }[];
}

/** Progress of an expect step while it waits. */
export interface ExpectProgress {
  readonly elapsedMs: number;
  readonly agreeing: number;
  readonly of: number;
  /** Up to a few nodes that do not agree yet. */
  readonly lagging: readonly string[];
}

/** What the checker expects of one running node now (from the scenario's history). */
export interface NodeExpectation {
  readonly node: string;
  /** Total of the numbers it must hold, decimal string. */
  readonly total: string;
  readonly count: number;
  /** Numbers it may or may not hold (their spread was cut short). */
  readonly uncertain: number;
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
  /** What every running node must report, after the network started and after every step. */
  expectations?(expected: readonly NodeExpectation[]): void;
  scenarioEnd?(result: ScenarioResult): void;
}

export interface SuiteSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly durationMs: number;
}

/** Observes a whole suite: the run hooks, plus one call when every scenario ran. */
export interface Reporter extends RunObserver {
  /** Called once after every scenario ran (also when some could not be loaded). */
  suiteEnd(results: readonly ScenarioResult[], summary: SuiteSummary): Promise<void>;
}

export function summarize(results: readonly ScenarioResult[], durationMs: number): SuiteSummary {
  const passed = results.filter((r) => r.status === "passed").length;
  return { total: results.length, passed, failed: results.length - passed, durationMs };
}
