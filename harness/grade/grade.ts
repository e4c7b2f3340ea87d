/**
 * Grade one implementation of the peer contract: conformance on one node first, then every scenario (each with a
 * wall-clock limit) through the harness runner, then a score and a report in Markdown and JSON.
 *
 * The implementation is a command (local runtime: every node a process) or an image (docker runtime: every node a
 * sandboxed container, see sandbox.ts). With `mix: "reference"` about half the nodes of every scenario run the
 * reference peer (mix.ts).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { ScenarioResult, StepResult } from "../runner/result.js";
import { runPlan, scenarioSlug } from "../runner/run-scenario.js";
import { referencePeerCommand } from "../runtime/local/reference-peer.js";
import { crashReason, type ExitContext } from "../runtime/exit-words.js";
import type { Runtime } from "../runtime/runtime.js";
import { createRuntime } from "../runtime/select.js";
import {
  findScenarioFiles,
  loadScenarioFile,
  planScenario,
  type Scenario,
  type ScenarioPlan,
} from "../scenario/index.js";
import { writeResults, type FormatOptions, type ResultsFormat } from "./autograder-formats.js";
import { checkConformance } from "./conformance.js";
import type { ScenarioSettings } from "./course.js";
import { logTail } from "./log-tail.js";
import { DEFAULT_GRADE_SHRINK_BUDGET_MS, minimalScenarioOf, ShrinkBudget } from "./minimal-scenario.js";
import { mixWithReference, type ReferencePeer } from "./mix.js";
import { replayCommand } from "./replay-command.js";
import { computeScore, describeRuns, writeReport, type FailingNode, type GradeReport, type ScenarioGrade } from "./report.js";
import { DEFAULT_SANDBOX, describeSandbox, sandboxHostConfig, type SandboxPolicy } from "./sandbox.js";
import { scenarioTimeLimitMs } from "./time-limit.js";

export type Implementation =
  | { readonly kind: "command"; readonly command: string }
  | { readonly kind: "image"; readonly image: string };

export interface GradeOptions {
  readonly implementation: Implementation;
  /** Name in the report (default: the command or image). */
  readonly name?: string;
  /** Scenario files or folders (default `scenarios/`). */
  readonly scenarios?: readonly string[];
  /** Where `report.md`, `report.json` and the failing scenarios' logs go. */
  readonly outDir: string;
  readonly mix?: "none" | "reference";
  /** Overrides every scenario's seed. */
  readonly seed?: number;
  /**
   * How many times each scenario runs, with seeds seed, seed + 1, ... (default 1). The score gives each scenario its
   * weight times its pass rate; a scenario that passes some runs and fails others is `flaky`.
   */
  readonly runs?: number;
  /** Per scenario file (absolute path): points, runs, time limit from a course file (course.ts); they win. */
  readonly scenarioSettings?: ReadonlyMap<string, ScenarioSettings>;
  /** How long the checker keeps watching after an expect failed, to tell late from lost (default 10 s). */
  readonly lateGraceMs?: number;
  /** Wall-clock limit per scenario in ms (default: computed from the scenario's own timeouts, see time-limit.ts). */
  readonly scenarioTimeoutMs?: number;
  /** How long the conformance node may take to answer GET /health (default 15000 ms). */
  readonly healthTimeoutMs?: number;
  /** Limits for containers (docker and swarm runtimes). */
  readonly sandbox?: SandboxPolicy;
  /** Where images run (default docker). */
  readonly containerRuntime?: "docker" | "swarm";
  /** `HOST:PORT` of a registry every swarm machine pulls from (swarm only). */
  readonly registry?: string | undefined;
  /** Base image to build the reference image from, when `mix` needs it on docker (default `$NODE_IMAGE`). */
  readonly nodeImage?: string;
  /** Also write `<out>/results.json` for a course platform (autograder-formats.ts). */
  readonly format?: ResultsFormat | undefined;
  /** Points of the conformance check and visibility of tests in that file. */
  readonly formatOptions?: FormatOptions;
  /** Progress lines for a console (one per event). */
  readonly log?: (line: string) => void;
  /** Stops grading between scenarios (Ctrl-C); what ran is still reported. */
  readonly signal?: AbortSignal;
  /**
   * Time spent shrinking failed scenarios to minimal ones (`minimal.yaml`, shown in the reports), for the whole grade
   * (default 60 s; 0: no shrinking). Each shrink also stays within its scenario's time limit.
   */
  readonly shrinkBudgetMs?: number;
}

/**
 * After a failed expect the checker watches this long to tell a slow peer from one that lost numbers; shorter than a
 * run's 30 s, since a class of submissions pays it once per failed scenario and run.
 */
const GRADE_LATE_GRACE_MS = 10_000;

const INTERRUPTED = "not run: grading was interrupted (Ctrl-C) before this scenario finished";

/** How long to wait for a run that was aborted at its wall-clock limit to tear its network down. */
const TEARDOWN_GRACE_MS = 60_000;

async function runtimeFor(options: GradeOptions): Promise<{ runtime: Runtime; sandbox: string | null }> {
  const impl = options.implementation;
  // A caller that passes a signal handles Ctrl-C itself (and writes the partial report): on a signal, networks are
  // only removed, the process does not exit under the grader's feet.
  const onSignal = options.signal ? ("dispose" as const) : undefined;
  if (impl.kind === "command") {
    return { runtime: await createRuntime({ runtime: "local", peerCommand: impl.command, onSignal }), sandbox: null };
  }
  const policy = options.sandbox ?? DEFAULT_SANDBOX;
  return {
    runtime: await createRuntime({
      runtime: options.containerRuntime ?? "docker",
      registry: options.registry,
      image: impl.image,
      hostConfig: sandboxHostConfig(policy),
      dataDirMiB: policy.dataDirMiB,
      nodeImage: options.nodeImage,
      log: options.log,
      onSignal,
    }),
    sandbox: describeSandbox(policy),
  };
}

async function referencePeerFor(options: GradeOptions): Promise<ReferencePeer> {
  if (options.implementation.kind === "command") return { command: referencePeerCommand() };
  const { ensureReferenceImage } = await import("../runtime/docker/reference-image.js");
  return { image: await ensureReferenceImage({ ...(options.nodeImage ? { nodeImage: options.nodeImage } : {}) }) };
}

export async function grade(
  options: GradeOptions,
): Promise<{ report: GradeReport; files: { json: string; markdown: string; results?: string } }> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const log = options.log ?? (() => undefined);
  const impl = options.implementation;
  const value = impl.kind === "command" ? impl.command : impl.image;
  const { runtime, sandbox } = await runtimeFor(options);
  const outDir = path.resolve(options.outDir);

  log(`conformance: one node of ${value}`);
  const conformance = await checkConformance({
    runtime,
    ...(options.healthTimeoutMs ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
    ...(impl.kind === "command" ? { command: impl.command } : { image: impl.image }),
  });
  for (const check of conformance.checks) log(`  ${check.status.padEnd(4)} ${check.title}: ${check.message}`);

  const files = await findScenarioFiles(options.scenarios ?? ["scenarios"]);
  const scenarios: ScenarioGrade[] = [];
  const reference = options.mix === "reference" && conformance.usable ? await referencePeerFor(options) : undefined;
  const skipped = async (file: string, message: string): Promise<ScenarioGrade> => ({
    name: await scenarioName(file),
    file,
    weight: await scenarioWeight(file, options),
    status: "skipped",
    message,
    convergenceMs: null,
    durationMs: 0,
    referenceNodes: [],
    failingNodes: [],
  });
  // Every scenario, in the order it will run; those not run yet are skipped in the files written so far.
  const pending = await Promise.all(files.map((file) => skipped(file, "not run: grading stopped before this scenario")));

  const assemble = (done: readonly ScenarioGrade[]): GradeReport => {
    const all = [...done, ...pending.slice(done.length)].map((s) =>
      s.status === "pass" || s.status === "skipped"
        ? s
        : { ...s, replayCommand: replayCommand({ implementation: { kind: impl.kind, value, name: value } }, s, options.formatOptions) },
    );
    return {
      implementation: { kind: impl.kind, value, name: options.name ?? value },
      runtime: runtime.name,
      mix: options.mix ?? "none",
      sandbox,
      startedAt,
      durationMs: Math.round(performance.now() - started),
      conformance: {
        passed: conformance.passed,
        checks: [...conformance.checks],
        logTail: conformance.logTail,
        durationMs: conformance.durationMs,
      },
      scenarios: all,
      score: computeScore(all, { points: options.formatOptions?.conformancePoints ?? 0, passed: conformance.passed }),
      passed: conformance.passed && all.length > 0 && all.every((s) => s.status === "pass"),
    };
  };
  // Written after conformance and after every scenario, so that a grade that is killed or runs out of time still
  // leaves every completed scenario's points.
  const write = async (report: GradeReport): Promise<{ json: string; markdown: string; results?: string }> => {
    const written = await writeReport(outDir, report);
    if (!options.format) return written;
    return { ...written, results: await writeResults(outDir, options.format, report, options.formatOptions) };
  };
  await write(assemble(scenarios));
  const shrinkBudget = new ShrinkBudget(options.shrinkBudgetMs ?? DEFAULT_GRADE_SHRINK_BUDGET_MS);

  for (const file of files) {
    if (!conformance.usable || options.signal?.aborted) {
      scenarios.push(
        await skipped(
          file,
          options.signal?.aborted
            ? INTERRUPTED
            : "not run: the conformance check could not start the peer or read GET /total (see above)",
        ),
      );
      continue;
    }
    const graded = await gradeScenarioRuns(file, runtime, reference, outDir, options, shrinkBudget);
    log(
      `${graded.status.toUpperCase().padEnd(7)} ${graded.name} (${(graded.durationMs / 1000).toFixed(1)} s)` +
        (describeRuns(graded) ? `: ${describeRuns(graded)}` : "") +
        (graded.status === "pass" ? "" : `: ${graded.message.split("\n")[0]}`),
    );
    scenarios.push(graded);
    await write(assemble(scenarios));
  }

  const report = assemble(scenarios);
  const written = await write(report);
  return { report, files: written };
}

async function scenarioName(file: string): Promise<string> {
  try {
    return (await loadScenarioFile(file)).scenario.name;
  } catch {
    return path.basename(file);
  }
}

async function scenarioSeed(file: string): Promise<number> {
  try {
    return (await loadScenarioFile(file)).scenario.seed ?? 1;
  } catch {
    return 1;
  }
}

function settingsOf(file: string, options: GradeOptions): ScenarioSettings | undefined {
  return options.scenarioSettings?.get(path.resolve(file));
}

async function scenarioWeight(file: string, options: GradeOptions): Promise<number> {
  const points = settingsOf(file, options)?.points;
  if (points !== undefined) return points;
  try {
    return (await loadScenarioFile(file)).scenario.weight ?? 1;
  } catch {
    return 1;
  }
}

/**
 * Grades a scenario `options.runs` times (seeds: the scenario's seed + i, or `--seed` + i) and combines the runs:
 * pass when all passed, the first failure's status when none did, `flaky` otherwise; points by pass rate.
 */
async function gradeScenarioRuns(
  file: string,
  runtime: Runtime,
  reference: ReferencePeer | undefined,
  outDir: string,
  options: GradeOptions,
  shrinkBudget: ShrinkBudget,
): Promise<ScenarioGrade> {
  const count = settingsOf(file, options)?.runs ?? options.runs ?? 1;
  if (count <= 1) return gradeScenario(file, runtime, reference, outDir, options, undefined, shrinkBudget);
  const started = performance.now();
  const base = options.seed ?? (await scenarioSeed(file));
  const graded: { seed: number; grade: ScenarioGrade }[] = [];
  for (let i = 0; i < count && !(options.signal?.aborted && graded.length > 0); i++) {
    const seed = base + i;
    // Only the first failing run is shrunk: the report shows that one.
    const shrinkFirst = graded.every(({ grade }) => grade.status === "pass") ? shrinkBudget : undefined;
    const grade = await gradeScenario(file, runtime, reference, outDir, { ...options, seed }, `seed-${seed}`, shrinkFirst);
    if (grade.status === "skipped" && graded.length > 0) break; // interrupted: the runs that finished count
    options.log?.(`  run ${i + 1}/${count} seed ${seed}: ${grade.status}`);
    graded.push({ seed, grade });
  }
  const runs = graded.map(({ seed, grade }) => ({
    seed,
    status: grade.status === "skipped" || grade.status === "flaky" ? ("error" as const) : grade.status,
    durationMs: grade.durationMs,
  }));
  const passed = runs.filter((r) => r.status === "pass").length;
  const firstFailure = graded.find(({ grade }) => grade.status !== "pass");
  const shown = firstFailure?.grade ?? graded[0]!.grade;
  const convergences = graded.map(({ grade }) => grade.convergenceMs).filter((ms): ms is number => ms !== null);
  return {
    ...shown,
    status: passed === runs.length ? "pass" : passed === 0 ? shown.status : "flaky",
    message: firstFailure ? `seed ${firstFailure.seed}: ${shown.message}` : shown.message,
    earned: Math.round(((shown.weight * passed) / runs.length) * 100) / 100,
    runs,
    convergenceMs: convergences.length > 0 ? Math.max(...convergences) : null,
    durationMs: Math.round(performance.now() - started),
  };
}

async function gradeScenario(
  file: string,
  runtime: Runtime,
  reference: ReferencePeer | undefined,
  outDir: string,
  options: GradeOptions,
  /** A folder under `<out>/scenarios` for this run's logs (one per seed when a scenario runs several times). */
  runFolder?: string,
  /** Shrink a failure that blames a node, from this budget (none: do not shrink). */
  shrinkBudget?: ShrinkBudget,
): Promise<ScenarioGrade> {
  const started = performance.now();
  let scenario: Scenario;
  let referenceNodes: readonly string[] = [];
  try {
    scenario = (await loadScenarioFile(file)).scenario;
    if (reference) ({ scenario, referenceNodes } = mixWithReference(scenario, reference, options.seed));
  } catch (error) {
    return errorGrade(file, path.basename(file), 1, `the scenario file is invalid: ${(error as Error).message}`, started);
  }
  const weight = settingsOf(file, options)?.points ?? scenario.weight ?? 1;
  let plan: ScenarioPlan;
  try {
    plan = planScenario(scenario, { seed: options.seed });
  } catch (error) {
    return errorGrade(file, scenario.name, weight, `the scenario is invalid: ${(error as Error).message}`, started);
  }

  const limitMs = settingsOf(file, options)?.timeoutMs ?? options.scenarioTimeoutMs ?? scenarioTimeLimitMs(plan, options.lateGraceMs ?? GRADE_LATE_GRACE_MS);
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limitMs);
  const resultsDir = runFolder ? path.join(outDir, "scenarios", runFolder) : path.join(outDir, "scenarios");
  const run = runPlan(plan, {
    runtime,
    file,
    resultsDir,
    keepLogs: "failed",
    lateGraceMs: options.lateGraceMs ?? GRADE_LATE_GRACE_MS,
    signal: controller.signal,
  });
  let result: ScenarioResult;
  try {
    result = await new Promise<ScenarioResult>((resolve, reject) => {
      run.then(resolve, reject);
      // The runner stops between steps; a step that never returns must not hang the grader.
      controller.signal.addEventListener(
        "abort",
        () => setTimeout(() => reject(new Error(`the run did not stop within ${TEARDOWN_GRACE_MS / 1000} s of its time limit`)), TEARDOWN_GRACE_MS).unref(),
        { once: true },
      );
    });
  } catch (error) {
    return errorGrade(
      file,
      scenario.name,
      weight,
      timedOut
        ? `did not finish within its wall-clock limit of ${(limitMs / 1000).toFixed(0)} s, and ${(error as Error).message}`
        : `the harness could not run it: ${(error as Error).message}`,
      started,
      timedOut ? "timeout" : "error",
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }

  if (result.status !== "passed" && !timedOut && options.signal?.aborted) {
    // Stopped by Ctrl-C, not by the peer: no points either way, and no blame.
    return { ...errorGrade(file, scenario.name, weight, INTERRUPTED, started), status: "skipped", seed: plan.seed };
  }
  const status: ScenarioGrade["status"] =
    result.status === "passed" ? "pass" : timedOut ? "timeout" : "fail";
  let message: string;
  if (status === "pass") {
    message = "every expect step converged";
  } else if (timedOut) {
    message =
      `did not finish within its wall-clock limit of ${(limitMs / 1000).toFixed(0)} s` +
      (result.failure && result.failure !== "aborted" ? `; ${result.failure}` : "");
  } else {
    message = result.failure ?? "failed";
  }
  const minimal =
    status === "fail" && shrinkBudget
      ? await minimalScenarioOf(
          { scenario, result },
          {
            runtime,
            budget: shrinkBudget,
            limitMs,
            dir: result.logsDir ?? path.join(resultsDir, scenarioSlug(plan.name)),
            implementation: { kind: options.implementation.kind, value: implementationValue(options), name: implementationValue(options) },
            replay: options.formatOptions,
            signal: options.signal,
            log: options.log,
          },
        ).catch((error: Error) => {
          options.log?.(`  could not shrink ${scenario.name}: ${error.message}`);
          return undefined;
        })
      : undefined;
  const exitContext = exitContextOf(options);
  if (status !== "pass" && exitContext.sandboxMemoryMiB !== undefined && result.failingNodes.some((n) => n.exit?.oomKilled)) {
    message += `\nThe sandbox's memory limit is ${exitContext.sandboxMemoryMiB} MiB per container.`;
  }
  return {
    name: scenario.name,
    file,
    weight,
    status,
    message,
    convergenceMs: convergence(result.steps),
    durationMs: Math.round(performance.now() - started),
    seed: plan.seed,
    referenceNodes: [...referenceNodes],
    failingNodes:
      status === "pass"
        ? []
        : await failingNodes(result, exitContext),
    ...(minimal ? { minimal } : {}),
  };
}

function errorGrade(
  file: string,
  name: string,
  weight: number,
  message: string,
  started: number,
  status: "error" | "timeout" = "error",
): ScenarioGrade {
  return {
    name,
    file,
    weight,
    status,
    message,
    convergenceMs: null,
    durationMs: Math.round(performance.now() - started),
    referenceNodes: [],
    failingNodes: [],
  };
}

/** The longest an expect step waited before every node agreed; null when none passed. */
function convergence(steps: readonly StepResult[]): number | null {
  const waits = steps.filter((s) => s.kind === "expect" && s.status === "passed").map((s) => s.waitedMs);
  return waits.length === 0 ? null : Math.round(Math.max(...waits));
}

function implementationValue(options: GradeOptions): string {
  const impl = options.implementation;
  return impl.kind === "command" ? impl.command : impl.image;
}

/** The limits the nodes ran under, for words on how they died (the memory limit exists only in the sandbox). */
function exitContextOf(options: GradeOptions): ExitContext {
  return options.implementation.kind === "image" ? { sandboxMemoryMiB: (options.sandbox ?? DEFAULT_SANDBOX).memoryMiB } : {};
}

/** The nodes the run blames (data from the runner, never its prose), with the end of each one's log. */
async function failingNodes(result: ScenarioResult, exitContext: ExitContext): Promise<FailingNode[]> {
  const nodes: FailingNode[] = [];
  for (const blamed of result.failingNodes.slice(0, 10)) {
    const text = result.logsDir
      ? await readFile(path.join(result.logsDir, `${blamed.node}.log`), "utf8").catch(() => "(no log kept)")
      : "(no log kept: the network did not start; the message above has the end of its log)";
    // A crash is told from the runtime's exit data (the engine's OOMKilled flag), with the sandbox's limits.
    const reason = blamed.exit ? crashReason(blamed.exit, exitContext) : blamed.reason;
    nodes.push({ node: blamed.node, kind: blamed.kind, reason, logTail: logTail(text), ...(blamed.exit ? { exit: blamed.exit } : {}) });
  }
  return nodes;
}

export { scenarioSlug };
