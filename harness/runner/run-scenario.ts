/**
 * Run one scenario: plan it, start its network on a runtime, play the steps while the checker's model follows the
 * history, wait at every `expect` until each node reports what the model says (or the timeout passes), keep node logs
 * of failed runs, and always tear the network down.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { scenarioYaml } from "../scenario/write.js";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { accepts, explain, type Expectation } from "../checker/index.js";
import { NetworkModel } from "../checker/model.js";
import type { NodeClient } from "../../contract/node-client.js";
import type { TotalAnswer } from "../../contract/peer-client.js";
import { realClock, type Clock } from "../base/clock.js";
import { eachLimited } from "../base/each-limited.js";
import { isNetworkChange } from "../network/history.js";
import { seededRandom } from "../base/seeded-random.js";
import { drawAnyFault } from "../faults/nemesis.js";
import { operationLabel, type NetworkOperation } from "../network/operation.js";
import { CLEAN_LINK } from "../network/spec.js";
import { applyOperation } from "../runtime/apply-change.js";
import { crashReason } from "../runtime/exit-words.js";
import { NodeError, SIM_MAX_NODES, type NodeExit, type Runtime, type StartedNetwork } from "../runtime/runtime.js";
import { createRuntime, type RuntimeChoice } from "../runtime/select.js";
import { loadScenarioFile, validateScenario } from "../scenario/load.js";
import {
  canonicalInteger,
  healEverything,
  planScenario,
  type PlannedAction,
  type PlannedLoad,
  type PlannedNemesis,
  type PlannedStep,
  type ScenarioPlan,
} from "../scenario/plan.js";
import { startLoad, type LoadRun } from "./load.js";
import { EFFICIENCY_MAX_NODES, EfficiencyMeter, efficiencyWanted, withStepEfficiency } from "./efficiency.js";
import type { ScenarioEfficiency } from "./efficiency-figures.js";
import { describeAction, type LiveControl, type LiveExecutor } from "./live.js";
import { ReplayRecorder } from "./replay.js";
import type { Scenario } from "../scenario/schema.js";
import type {
  ConvergencePoint,
  FailingNode,
  LoadResult,
  MessageDiagram,
  NodeCheck,
  RunObserver,
  ScenarioResult,
  StepResult,
} from "./result.js";

export interface RunOptions {
  /** Where the nodes run (`createRuntime` in runtime/select.ts turns `--runtime NAME` into one). */
  readonly runtime: Runtime;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Where node logs are written (`<resultsDir>/<scenario>/<node>.log`). Default: `results/` in the working dir. */
  readonly resultsDir?: string;
  /** Keep node logs for `failed` scenarios (default), `always`, or `never`. */
  readonly keepLogs?: "failed" | "always" | "never";
  /** Hooks for reporters, dashboards, graders. */
  readonly observer?: RunObserver;
  /** Multiplies every expect timeout (e.g. 2 on a slow CI machine). Default 1. */
  readonly timeoutScale?: number;
  /** Stops the run between steps (the network is torn down). */
  readonly signal?: AbortSignal;
  /**
   * After an expect fails, how long to keep watching the failing nodes to tell a slow peer ("reached the expected
   * total 4.2 s after the limit") from one that lost numbers (default 30 s; 0 to report at once).
   */
  readonly lateGraceMs?: number;
  /**
   * Measure efficiency (numbers, traffic, stable latency) with one sampler; default on unless SUMNET_EFFICIENCY=off or
   * the network has more than EFFICIENCY_MAX_NODES nodes.
   */
  readonly efficiency?: boolean;
  /**
   * Actions from the dashboard's buttons (live.ts): carried out between steps and during sleeps, as steps are; a hold
   * makes the runner wait before its next step and after its last.
   */
  readonly live?: LiveControl;
}

const DEFAULT_LATE_GRACE_MS = 30_000;

/** Values per POST /numbers (keeps bodies far below the 1 MiB limit even for 1000-digit numbers). */
const BATCH = 250;
/** Concurrent HTTP requests to peers. */
const CONCURRENCY = 32;

export function scenarioSlug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) || "scenario";
}

/** A failed step, with the nodes it blames (for graders and reports, which read data, not prose). */
class StepFailure extends Error {
  constructor(
    message: string,
    readonly nodes: readonly FailingNode[] = [],
  ) {
    super(message);
  }
}

interface Context {
  readonly plan: ScenarioPlan;
  readonly network: StartedNetwork;
  /** The network's clock: every wait, poll and duration of the run is timed on it. */
  readonly clock: Clock;
  readonly model: NetworkModel;
  readonly observer: RunObserver | undefined;
  readonly timeoutScale: number;
  /** Nodes that exited on their own, with how (see crashReason). */
  readonly crashed: Map<string, NodeExit>;
  /** How long to keep watching nodes that failed an expect, to tell late from lost. */
  readonly lateGraceMs: number;
  /** What actually happened, as a plain scenario. */
  readonly replay: ReplayRecorder;
  /** The dashboard's actions, when the run is driven from the page. */
  readonly live: LiveControl | undefined;
  /** How many of them this run carried out: after one, the scenario's stated totals and node lists are out of date. */
  liveActions: number;
  /** Loads running in the background, with the step that started each. */
  readonly loads: Map<LoadRun, number>;
  /** Figures of the loads that ended. */
  readonly loadStats: LoadResult[];
  /** Every operation on the network, when, for the message diagram. */
  readonly marks: { at: number; label: string }[];
  readonly signal: AbortSignal | undefined;
  readonly efficiency: EfficiencyMeter | undefined;
}

interface Outcome {
  readonly waitedMs: number;
  /** What happened inside the step (a nemesis's faults). */
  readonly notes?: readonly string[];
  readonly checks?: NodeCheck[];
  readonly timeline?: ConvergencePoint[];
}

/** Run `work` and count its whole duration (including the synchronous start of requests) as waiting on peers. */
async function waitFor<T>(clock: Clock, work: () => Promise<T>, waited: { ms: number }): Promise<T> {
  const t0 = clock.now();
  try {
    return await work();
  } finally {
    waited.ms += clock.now() - t0;
  }
}

async function expectStep(
  ctx: Context,
  step: PlannedStep,
  action: Extract<PlannedAction, { kind: "expect" }>,
): Promise<Outcome> {
  const { model, network, plan } = ctx;
  // Driven from the page: what the scenario planned is out of date. Check the nodes that run now, by the model alone.
  if (ctx.liveActions > 0) {
    const running = new Set(model.history.running());
    action = { ...action, nodes: action.nodes.filter((id) => running.has(id)), total: undefined };
  }
  const down = action.nodes.filter((id) => ctx.crashed.has(id));
  if (down.length > 0) {
    const nodes = down.map((id) => crashedNode(id, ctx.crashed.get(id) as NodeExit));
    throw new StepFailure(nodes.map((n) => `${n.node} ${n.reason}`).join("\n"), nodes);
  }
  const expectations = model.expectations(action.nodes);
  if (action.total !== undefined) {
    const wrong = [...expectations.values()].filter((e) => e.uncertain.length > 0 || e.total.toString() !== action.total);
    if (wrong.length > 0) {
      const e = wrong[0] as Expectation;
      throw new StepFailure(
        `the scenario says total ${action.total}, but what it injected gives ${e.total}${e.uncertain.length ? ` (plus up to ${e.uncertain.length} uncertain numbers)` : ""} at ${e.node}: fix the scenario`,
      );
    }
  }
  const timeoutMs = action.timeoutMs * ctx.timeoutScale;
  const running = model.history.running();
  const everyNode = running.length === action.nodes.length && action.nodes.every((id) => running.includes(id));
  ctx.replay.expect(everyNode ? undefined : action.nodes, action.timeoutMs);
  const { clock } = ctx;
  const started = clock.now();
  const last = new Map<string, TotalAnswer | { error: string }>();
  const timeline: ConvergencePoint[] = [];
  const clients = new Map(action.nodes.map((id) => [id, network.client(id)]));
  // Poll only nodes not yet seen agreeing (hammering 50 peers every few ms slows them down); once every node has
  // been seen agreeing, one confirming round over all of them must agree at once.
  const pending = new Set(action.nodes);
  const agrees = (id: string): boolean => {
    const r = last.get(id);
    return r !== undefined && !("error" in r) && accepts(expectations.get(id) as Expectation, r);
  };
  for (;;) {
    const roundStart = clock.now();
    const confirming = pending.size === 0;
    const ask = confirming ? action.nodes : [...pending];
    await eachLimited(ask, CONCURRENCY, async (id) => {
      try {
        last.set(id, await (clients.get(id) as NodeClient).total(Math.max(500, Math.min(2000, timeoutMs))));
      } catch (error) {
        const exit = ctx.crashed.get(id);
        last.set(id, { error: exit ? crashedNode(id, exit).reason : (error as Error).message });
      }
    });
    for (const id of ask) {
      if (agrees(id)) pending.delete(id);
      else pending.add(id);
    }
    const agreeing = action.nodes.filter(agrees);
    if (confirming && agreeing.length === action.nodes.length) {
      timeline.push({ atMs: Math.round(clock.now() - started), agreeing: agreeing.length, of: action.nodes.length });
      break;
    }
    if (pending.size === 0) {
      // Every node has been seen agreeing: confirm right away.
      timeline.push({ atMs: Math.round(clock.now() - started), agreeing: agreeing.length, of: action.nodes.length });
      continue;
    }
    const elapsed = clock.now() - started;
    timeline.push({ atMs: Math.round(elapsed), agreeing: agreeing.length, of: action.nodes.length });
    const lagging = action.nodes.filter((id) => pending.has(id));
    ctx.observer?.progress?.(step, { elapsedMs: elapsed, agreeing: agreeing.length, of: action.nodes.length, lagging: lagging.slice(0, 5) });
    // Interrupted (Ctrl-C, a time limit): stop waiting; the run ends as aborted, judging nobody.
    if (ctx.signal?.aborted) throw Object.assign(new Error("aborted"), { outcome: { waitedMs: elapsed, timeline } });
    if (elapsed >= timeoutMs) {
      const checks = checksOf(action.nodes, expectations, last, elapsed);
      const bad = checks.filter((c) => !c.ok);
      // Late or lost? Keep watching the nodes that failed for a bounded while before saying which.
      const late = await watchLate(ctx, bad.map((c) => c.node), clients, expectations, started, timeoutMs);
      const head = `${bad.length} of ${action.nodes.length} node${action.nodes.length === 1 ? "" : "s"} did not report the expected total within ${(timeoutMs / 1000).toFixed(1)} s`;
      const lines = bad.slice(0, 10).map((c) => `${c.message as string}${lateNote(late.get(c.node), timeoutMs, ctx.lateGraceMs)}`);
      if (bad.length > 10) lines.push(`... and ${bad.length - 10} more`);
      const failure = new StepFailure(
        `${head}:\n${lines.join("\n")}`,
        bad.map((c) => ({
          node: c.node,
          kind: failureKind(c, expectations.get(c.node) as Expectation, late.get(c.node)),
          // A node that died while the others were asked: how it exited is the data that explains it.
          ...(ctx.crashed.has(c.node) && late.get(c.node)?.reachedAtMs === undefined
            ? { kind: "crashed" as const, exit: crashedNode(c.node, ctx.crashed.get(c.node) as NodeExit).exit }
            : {}),
          reason: `${(c.message as string).replace(new RegExp(`^${c.node} `), "")}${lateNote(late.get(c.node), timeoutMs, ctx.lateGraceMs)}`,
          expected: c.expected,
          reported: c.reported,
          ...(late.get(c.node)?.reachedAtMs !== undefined ? { lateByMs: Math.round((late.get(c.node)?.reachedAtMs as number) - timeoutMs) } : {}),
        })),
      ) as StepFailure & { outcome?: Outcome };
      failure.outcome = { waitedMs: elapsed, checks, timeline };
      throw failure;
    }
    // Poll again after the interval, counted from the start of this round.
    const waitMs = plan.timing.pollIntervalMs - (clock.now() - roundStart);
    if (waitMs > 0) await clock.sleep(waitMs, ctx.signal);
  }
  const waitedMs = clock.now() - started;
  for (const id of action.nodes) {
    const r = last.get(id) as TotalAnswer;
    model.confirm(expectations.get(id) as Expectation, r.total, r.count);
  }
  return { waitedMs, checks: checksOf(action.nodes, expectations, last, waitedMs), timeline };
}

/** What a node that failed an expect did in the grace period after the limit. */
interface LateWatch {
  /** Milliseconds after the expect began at which it reported an accepted total; undefined if it never did. */
  readonly reachedAtMs?: number | undefined;
  /** Its last answer at the end of the watch. */
  readonly last: TotalAnswer | { error: string };
}

/** After an expect timed out: poll the failing nodes until each reports what is expected or the grace is over. */
async function watchLate(
  ctx: Context,
  nodes: readonly string[],
  clients: ReadonlyMap<string, NodeClient>,
  expectations: ReadonlyMap<string, Expectation>,
  started: number,
  timeoutMs: number,
): Promise<Map<string, LateWatch>> {
  const out = new Map<string, LateWatch>();
  const waiting = new Set(nodes.filter((id) => !ctx.crashed.has(id)));
  const { clock } = ctx;
  const deadline = clock.now() + ctx.lateGraceMs;
  let lastAnswers = new Map<string, TotalAnswer | { error: string }>();
  while (waiting.size > 0 && clock.now() < deadline && !ctx.signal?.aborted) {
    await clock.sleep(Math.max(100, ctx.plan.timing.pollIntervalMs * 4), ctx.signal);
    const answers = new Map<string, TotalAnswer | { error: string }>();
    await eachLimited([...waiting], CONCURRENCY, async (id) => {
      try {
        answers.set(id, await (clients.get(id) as NodeClient).total(Math.max(500, Math.min(2000, timeoutMs))));
      } catch (error) {
        answers.set(id, { error: (error as Error).message });
      }
    });
    lastAnswers = answers;
    for (const [id, r] of answers) {
      if (!("error" in r) && accepts(expectations.get(id) as Expectation, r)) {
        out.set(id, { reachedAtMs: clock.now() - started, last: r });
        waiting.delete(id);
      }
    }
  }
  for (const id of waiting) out.set(id, { last: lastAnswers.get(id) ?? { error: "was not asked again" } });
  return out;
}

function lateNote(late: LateWatch | undefined, timeoutMs: number, graceMs: number): string {
  if (!late || graceMs <= 0) return "";
  if (late.reachedAtMs !== undefined) {
    return `; it reached the expected total ${((late.reachedAtMs - timeoutMs) / 1000).toFixed(1)} s after the ${(timeoutMs / 1000).toFixed(1)} s limit: too slow, nothing lost`;
  }
  return `; ${(graceMs / 1000).toFixed(0)} s later it still did not`;
}

/** How a node failed an expect: the kind a shrinker keeps and a grader counts. */
function failureKind(c: NodeCheck, e: Expectation, late: LateWatch | undefined): FailingNode["kind"] {
  if (late?.reachedAtMs !== undefined) return "too-slow";
  if (c.reported === undefined || c.reportedCount === undefined) return "unreachable";
  if (c.reportedCount < e.count) return "lost";
  if (c.reportedCount > e.count + e.uncertain.length) return "surplus";
  return "wrong-total";
}

function checksOf(
  nodes: readonly string[],
  expectations: Map<string, Expectation>,
  last: Map<string, TotalAnswer | { error: string }>,
  waitedMs: number,
): NodeCheck[] {
  return nodes.map((id) => {
    const e = expectations.get(id) as Expectation;
    const r = last.get(id) ?? { error: "was not asked" };
    const ok = !("error" in r) && accepts(e, r);
    return {
      node: id,
      expected: e.total.toString(),
      expectedCount: e.count,
      uncertain: e.uncertain.length,
      reported: "error" in r ? undefined : r.total.toString(),
      reportedCount: "error" in r ? undefined : r.count,
      ok,
      message: ok ? undefined : explain(e, r, waitedMs),
    };
  });
}

/**
 * Carry out one operation on the network and follow it in the model and the replay. A node restarted is taken down
 * in the model before it restarts (what it acknowledges meanwhile is judged as by a stopped node); every other change
 * is applied to the model after it happened, so numbers acknowledged while it happened may have spread the old way.
 */
async function runOperation(ctx: Context, op: NetworkOperation, step: number): Promise<void> {
  const { network, model, plan } = ctx;
  if (op.kind === "restart") {
    const live = op.nodes.filter((id) => model.history.life(id) === "running" || model.history.life(id) === "paused");
    if (live.length > 0) model.apply(op.hard ? { kind: "kill", nodes: live } : { kind: "stop", nodes: live, timeoutMs: op.timeoutMs }, step);
  }
  const at = ctx.clock.now();
  ctx.marks.push({ at, label: operationLabel(op) });
  try {
    await applyOperation(network, op, { healthTimeoutMs: plan.timing.healthTimeoutMs });
  } catch (error) {
    const node = error instanceof NodeError ? error.nodeId : undefined;
    throw new StepFailure((error as Error).message, node ? [{ node, kind: "error", reason: (error as Error).message }] : []);
  } finally {
    ctx.replay.operation(op, at);
  }
  if (isNetworkChange(op)) {
    model.apply(op, step);
    if ("nodes" in op) for (const id of op.nodes) ctx.crashed.delete(id);
  }
}

/** Start a background load; it reports every POST's outcome to the model and the replay. */
function startBackgroundLoad(ctx: Context, step: PlannedStep, load: PlannedLoad): void {
  // A node is a target once the model knows it too: a node that is joining runs (and answers) before its join is
  // applied to the model, and what it acknowledged then was judged as by a node that does not exist (explore seed
  // 116565: j1 held three numbers the model said could not be in its part of the network).
  const known = (id: string): boolean => ctx.model.history.life(id) !== undefined;
  const live = (id: string): boolean => {
    const status = ctx.network.snapshot().nodes.find((n) => n.id === id)?.status;
    return (status === "running" || status === "paused") && known(id);
  };
  const run = startLoad(load, {
    eligible: (targets) => {
      const nodes = ctx.network
        .snapshot()
        .nodes.filter((n) => (n.status === "running" || n.status === "paused") && known(n.id))
        .map((n) => n.id);
      return targets === "random" ? nodes : targets.filter(live);
    },
    client: (node) => ctx.network.client(node),
    mark: () => ctx.model.changes,
    acknowledged: (node, values, _sentAt, answer, changesWhenSent) => {
      const added = ctx.model.acknowledged(node, values, step.index, changesWhenSent);
      ctx.efficiency?.acknowledged(added, answer, step.index);
      // When it was answered: then the node held it (it may have been sent while the node was paused).
      ctx.replay.injection(node, values);
    },
    indeterminate: (node, values, sentAt) => {
      ctx.model.injectIndeterminate(node, values, step.index);
      ctx.replay.injection(node, values, sentAt);
    },
  }, ctx.clock);
  ctx.loads.set(run, step.index);
  ctx.efficiency?.loadStarted(step.index);
  void run.done.then((stats) => {
    ctx.loads.delete(run);
    ctx.efficiency?.loadEnded(step.index);
    ctx.loadStats.push({ step: step.index, ...stats });
  });
}

/** Wait for the loads running now to end (stopping them first when asked). */
async function settleLoads(ctx: Context, stop: boolean): Promise<void> {
  const runs = [...ctx.loads.keys()];
  if (stop) for (const run of runs) run.stop();
  await Promise.all(runs.map((run) => run.done));
  // Let the bookkeeping of each finished load run.
  await new Promise((r) => setImmediate(r));
}

/** Faults drawn from a seed for a while, each undone before the next; then everything healed. */
async function runNemesis(ctx: Context, nemesis: PlannedNemesis, step: number): Promise<string[]> {
  const rng = seededRandom(nemesis.seed);
  const notes: string[] = [];
  const { clock } = ctx;
  const started = clock.now();
  const end = started + nemesis.durationMs;
  while (clock.now() < end && !ctx.signal?.aborted) {
    const fault = drawAnyFault(nemesis.faults, rng, ctx.model.history);
    if (fault) {
      notes.push(`${((clock.now() - started) / 1000).toFixed(1)} s: ${fault.label}`);
      for (const op of fault.apply) await runOperation(ctx, op, step);
    }
    const waitMs = Math.min(nemesis.intervalMs, Math.max(0, end - clock.now()));
    if (waitMs > 0) await clock.sleep(waitMs, ctx.signal);
    if (fault) for (const op of fault.undo) await runOperation(ctx, op, step);
  }
  for (const op of healEverything(ctx.model.history, ctx.plan.timing.stopTimeoutMs)) await runOperation(ctx, op, step);
  const shaped = ctx.network.snapshot().links.filter((l) => l.shape.delayMs || l.shape.jitterMs || l.shape.loss || l.shape.bandwidthBytesPerSec);
  if (shaped.length > 0) await runOperation(ctx, { kind: "shape", links: shaped.map((l) => ({ from: l.from, to: l.to })), shape: CLEAN_LINK }, step);
  notes.push(`${((clock.now() - started) / 1000).toFixed(1)} s: healed everything`);
  return notes;
}

async function runStep(ctx: Context, step: PlannedStep): Promise<Outcome> {
  const { network, model } = ctx;
  const a = step.action;
  const waited = { ms: 0 };
  if (isNetworkChange(a) || a.kind === "shape" || a.kind === "reset") {
    await waitFor(ctx.clock, () => runOperation(ctx, a, step.index), waited);
    return { waitedMs: waited.ms };
  }
  switch (a.kind) {
    case "inject": {
      const jobs = a.injections.flatMap((inj) => {
        const chunks: string[][] = [];
        for (let i = 0; i < inj.values.length; i += BATCH) chunks.push(inj.values.slice(i, i + BATCH));
        return chunks.map((values) => ({ node: inj.node, values }));
      });
      const failures: FailingNode[] = [];
      await waitFor(
        ctx.clock,
        () =>
          eachLimited(jobs, CONCURRENCY, async (job) => {
            const sentAt = ctx.clock.now();
            const changesWhenSent = model.changes;
            try {
              const answer = await network.client(job.node).addNumbers(job.values, 15_000);
              const added = model.acknowledged(job.node, job.values, step.index, changesWhenSent);
              ctx.efficiency?.acknowledged(added, answer, step.index);
              ctx.replay.injection(job.node, job.values, sentAt);
            } catch (error) {
              const exit = ctx.crashed.get(job.node);
              failures.push(exit ? crashedNode(job.node, exit) : { node: job.node, kind: "error", reason: (error as Error).message });
            }
          }),
        waited,
      );
      if (failures.length > 0) throw new StepFailure(failures.map((f) => `${f.node} ${f.reason}`).join("\n"), failures);
      return { waitedMs: waited.ms };
    }
    case "expect":
      // An expect judges a network at rest: the loads running now end first.
      await waitFor(ctx.clock, () => settleLoads(ctx, false), waited);
      return expectStep(ctx, step, a);
    case "load":
      startBackgroundLoad(ctx, step, a);
      return { waitedMs: 0 };
    case "stop-load":
      await waitFor(ctx.clock, () => settleLoads(ctx, true), waited);
      return { waitedMs: waited.ms };
    case "nemesis": {
      let notes: string[] = [];
      await waitFor(ctx.clock, async () => void (notes = await runNemesis(ctx, a, step.index)), waited);
      return { waitedMs: waited.ms, notes };
    }
    case "sleep":
      // The page's actions are carried out while the scenario sleeps.
      await waitFor(ctx.clock, () => (ctx.live ? ctx.live.during(a.ms, ctx.signal) : ctx.clock.sleep(a.ms, ctx.signal)), waited);
      return { waitedMs: waited.ms };
  }
}

/**
 * One action from the page, checked against the network's history and carried out as the step that does the same
 * (an injection, or one operation), so the model and the replay follow it. Throws an Error saying why not.
 */
async function runLiveAction(ctx: Context, action: Parameters<LiveExecutor>[0], stepIndex: number): Promise<string> {
  const history = ctx.model.history;
  const label = describeAction(action);
  if (action.kind === "cut" || action.kind === "restore") {
    const link = history.link(action.a, action.b);
    if (!link) throw new Error(`there is no link between ${action.a} and ${action.b}`);
    const cut = history.isCut(action.a, action.b) || history.isBlocked(action.a, action.b) || history.isBlocked(action.b, action.a);
    if (action.kind === "cut" && cut) throw new Error(`${action.a}-${action.b} is cut already`);
    if (action.kind === "restore" && !cut) throw new Error(`${action.a}-${action.b} is not cut`);
    ctx.liveActions++; // counted once it acts, also when it then fails: the network may have changed
    await runOperation(ctx, { kind: action.kind, links: [link] }, stepIndex);
    return label;
  }
  const life = history.life(action.node);
  if (life === undefined || life === "removed") throw new Error(`there is no node ${action.node} in the network`);
  const allowed: Record<typeof action.kind, readonly string[]> = {
    inject: ["running"],
    kill: ["running", "paused"],
    stop: ["running", "paused"],
    start: ["stopped"],
    restart: ["running", "paused", "stopped"],
    pause: ["running"],
    resume: ["paused"],
  };
  if (!allowed[action.kind].includes(life)) throw new Error(`${action.node} is ${life}: it can be ${Object.entries(allowed).filter(([, lives]) => lives.includes(life)).map(([k]) => k).join(", ")}`);
  const stopMs = ctx.plan.timing.stopTimeoutMs;
  const nodes = [action.node];
  ctx.liveActions++; // counted once it acts, also when it then fails: the network may have changed
  switch (action.kind) {
    case "inject":
      await runStep(ctx, {
        index: stepIndex,
        kind: "inject",
        label,
        action: { kind: "inject", injections: [{ node: action.node, values: action.values.map(canonicalInteger) }] },
      });
      return label;
    case "kill":
    case "pause":
    case "resume":
      await runOperation(ctx, { kind: action.kind, nodes }, stepIndex);
      return label;
    case "stop":
      await runOperation(ctx, { kind: "stop", nodes, timeoutMs: stopMs }, stepIndex);
      return label;
    case "start":
    case "restart":
      await runOperation(ctx, { kind: "restart", nodes, hard: false, timeoutMs: stopMs }, stepIndex);
      return label;
  }
}

/** Tell observers (the live view) what the checker expects of every running node now. */
function tellExpectations(ctx: Context): void {
  const observer = ctx.observer;
  if (!observer?.expectations) return;
  const running = ctx.model.history.running();
  const expected = ctx.model.expectations(running);
  observer.expectations(
    running.map((node) => {
      const e = expected.get(node) as Expectation;
      return { node, total: e.total.toString(), count: e.count, uncertain: e.uncertain.length };
    }),
  );
}

/** Accepts a file path, a scenario object (validated here), or a plan. */
export type ScenarioInput = string | Scenario | Record<string, unknown>;

/** Options of `runScenario`: a runtime, or the choice that makes one (default: local processes, the reference peer). */
export type RunScenarioOptions = Omit<RunOptions, "runtime"> & { readonly runtime?: Runtime } & Omit<RuntimeChoice, "runtime">;

/**
 * Run a scenario from a file (YAML/JSON) or an object. Throws ScenarioError/PlanError for an invalid scenario;
 * otherwise resolves with a result whose `status` says whether every step passed (it never throws for a failing
 * peer). The network is always torn down.
 */
export async function runScenario(input: ScenarioInput, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  let scenario: Scenario;
  let file: string | undefined;
  if (typeof input === "string") {
    const loaded = await loadScenarioFile(input);
    scenario = loaded.scenario;
    file = loaded.file;
  } else {
    scenario = validateScenario(input);
  }
  const plan = planScenario(scenario, { seed: options.seed });
  const { runtime: given, peerCommand, image, nodeImage, hostConfig, log, onSignal, ...run } = options;
  const runtime = given ?? (await createRuntime({ peerCommand, image, nodeImage, hostConfig, log, onSignal }));
  return runPlan(plan, { ...run, runtime, file });
}

/** Run an already planned scenario. */
export async function runPlan(plan: ScenarioPlan, options: RunOptions & { file?: string | undefined }): Promise<ScenarioResult> {
  const observer = options.observer;
  const runtime = options.runtime;
  const runStarted = performance.now();
  const results: StepResult[] = [];
  let failure: string | undefined;
  let failingNodes: readonly FailingNode[] = [];
  let logsDir: string | undefined;
  let network: StartedNetwork | undefined;
  /** Scenario time: the network's clock once it runs (virtual on the simulator, so results replay byte for byte). */
  const clock = (): Clock => network?.clock ?? realClock;
  const replay = new ReplayRecorder(plan, () => clock().now());
  const loadStats: LoadResult[] = [];
  let efficiency: ScenarioEfficiency | undefined;
  const marks: { at: number; label: string }[] = [];
  let messages: MessageDiagram | undefined;
  /** The page carried out actions: the replay (the session) goes with the result. */
  let drivenFromPage = false;
  observer?.scenarioStart?.({ plan, file: options.file });

  const startLabel = `start ${plan.network.nodes.length} node${plan.network.nodes.length === 1 ? "" : "s"}, ${plan.network.links.length} link${plan.network.links.length === 1 ? "" : "s"} (${runtime.name})`;
  observer?.stepStart?.({ index: -1, kind: "start", label: startLabel });
  const t0 = performance.now();
  const joins = plan.steps.filter((s) => s.action.kind === "join").length;
  const size = plan.network.nodes.length + joins;
  try {
    if (size > runtime.maxNodes) {
      throw new Error(
        `the scenario has ${size} nodes${joins ? ` (${joins} of them joining later)` : ""}, and the ${runtime.name} runtime runs at most ${runtime.maxNodes.toLocaleString("en-US")}` +
          (runtime.maxNodes < SIM_MAX_NODES ? `; --runtime sim simulates up to ${SIM_MAX_NODES.toLocaleString("en-US")} reference peers` : ""),
      );
    }
    network = await runtime.start(plan.network, {
      healthTimeoutMs: plan.timing.healthTimeoutMs,
      seed: plan.seed,
      signal: options.signal,
    });
  } catch (error) {
    failure = `the network did not start: ${(error as Error).message}`;
    if (error instanceof NodeError) {
      const exit = error.exit ? crashedNode(error.nodeId, error.exit).exit : undefined;
      failingNodes = [{ node: error.nodeId, kind: "start-failed", reason: error.message, ...(exit ? { exit } : {}) }];
    }
  }
  // On a real clock the start took wall time; a simulated network starts at its time zero and took what it says.
  const startMs = network && network.clock !== realClock ? network.clock.now() : performance.now() - t0;
  const runOrigin = network && network.clock !== realClock ? network.clock.now() - startMs : runStarted;
  const startResult: StepResult = {
    index: -1,
    kind: "start",
    label: startLabel,
    status: failure ? "failed" : "passed",
    durationMs: startMs,
    waitedMs: startMs,
    message: failure,
  };
  results.push(startResult);
  observer?.stepEnd?.(startResult);

  try {
    if (network) {
      observer?.networkStarted?.(network, plan);
      const crashed = new Map<string, NodeExit>();
      const unsubscribe = network.subscribe((e) => {
        if (e.type === "node" && e.node.status === "exited") {
          crashed.set(e.node.id, e.node.lastExit ?? { code: null, signal: null, expected: false });
        }
      });
      if (options.live && network.clock !== realClock) {
        throw new Error(`the dashboard cannot drive a network on the ${network.runtime} runtime, whose clock is not the machine's`);
      }
      const ctx: Context = {
        plan,
        network,
        clock: network.clock,
        model: new NetworkModel(plan.network.nodes, plan.network.links),
        observer,
        timeoutScale: options.timeoutScale ?? 1,
        crashed,
        lateGraceMs: options.lateGraceMs ?? DEFAULT_LATE_GRACE_MS,
        replay,
        live: options.live,
        liveActions: 0,
        loads: new Map(),
        loadStats,
        marks,
        signal: options.signal,
        efficiency: (options.efficiency ?? (efficiencyWanted() && plan.network.nodes.length <= EFFICIENCY_MAX_NODES))
          ? new EfficiencyMeter(network, plan.network.nodes.reduce((n, node) => n + node.numbers.length, 0))
          : undefined,
      };
      tellExpectations(ctx);
      let at = 0;
      options.live?.attach(
        async (action) => {
          try {
            return await runLiveAction(ctx, action, at);
          } finally {
            tellExpectations(ctx);
          }
        },
        () => replay.scenario(),
      );
      try {
        for (const step of plan.steps) {
          at = step.index;
          if (!failure) await options.live?.between(options.signal);
          if (failure || options.signal?.aborted) {
            const skipped: StepResult = {
              index: step.index,
              kind: step.kind,
              label: step.label,
              status: "skipped",
              durationMs: 0,
              waitedMs: 0,
              message: options.signal?.aborted && !failure ? "aborted" : undefined,
            };
            results.push(skipped);
            observer?.stepEnd?.(skipped);
            continue;
          }
          observer?.stepStart?.(step);
          const s0 = ctx.clock.now();
          let outcome: Outcome = { waitedMs: 0 };
          let message: string | undefined;
          try {
            outcome = await runStep(ctx, step);
          } catch (caught) {
            const error = caught instanceof StepFailure ? await withLearnedExits(ctx, caught) : caught;
            message = (error as Error).message;
            outcome = (error as { outcome?: Outcome }).outcome ?? outcome;
            failure = `step ${step.index + 1} (${step.label}): ${message}`;
            failingNodes = error instanceof StepFailure ? error.nodes : [];
          }
          const result: StepResult = {
            index: step.index,
            kind: step.kind,
            label: step.label,
            status: message === undefined ? "passed" : "failed",
            durationMs: ctx.clock.now() - s0,
            waitedMs: outcome.waitedMs,
            message,
            checks: outcome.checks,
            timeline: outcome.timeline,
            ...(outcome.notes ? { notes: outcome.notes } : {}),
          };
          results.push(result);
          ctx.efficiency?.stepEnded(result, ctx.model);
          observer?.stepEnd?.(result);
          if (!message) tellExpectations(ctx);
        }
        // Held after the last step: the network stays up for the page until it goes on.
        if (!failure) await options.live?.between(options.signal);
        if (options.signal?.aborted && !failure) failure = "aborted";
        drivenFromPage = ctx.liveActions > 0;
      } finally {
        options.live?.detach();
        // A load still running ends with the scenario; what it sent still counts in the replay.
        await settleLoads(ctx, true);
        efficiency = await ctx.efficiency?.finish(ctx.model);
        const trace = network.messageTrace?.();
        if (trace) messages = { nodes: network.snapshot().nodes.map((n) => n.id), ...trace, marks };
        unsubscribe();
      }
    } else {
      for (const step of plan.steps) {
        const skipped: StepResult = { index: step.index, kind: step.kind, label: step.label, status: "skipped", durationMs: 0, waitedMs: 0 };
        results.push(skipped);
        observer?.stepEnd?.(skipped);
      }
    }
    const keep = options.keepLogs ?? "failed";
    if (network && (keep === "always" || (keep === "failed" && failure))) {
      logsDir = path.resolve(options.resultsDir ?? "results", scenarioSlug(plan.name));
      await network.collectLogs(logsDir);
    }
  } finally {
    await network?.[Symbol.asyncDispose]();
  }

  const result: ScenarioResult = {
    name: plan.name,
    file: options.file,
    status: failure ? "failed" : "passed",
    runtime: runtime.name,
    seed: plan.seed,
    weight: plan.weight,
    nodes: plan.network.nodes.length,
    links: plan.network.links.length,
    durationMs: clock().now() - runOrigin,
    failure,
    failingNodes,
    steps: efficiency ? withStepEfficiency(results, efficiency) : results,
    logsDir,
    ...(loadStats.length > 0 ? { loads: loadStats } : {}),
    ...(efficiency ? { efficiency } : {}),
    ...(messages ? { messages } : {}),
    ...(failure || drivenFromPage || plan.steps.some((s) => s.action.kind === "load" || s.action.kind === "nemesis")
      ? { replay: replay.scenario() }
      : {}),
  };
  if (logsDir) await writeResultFile(logsDir, result);
  observer?.scenarioEnd?.(result);
  return result;
}

/**
 * A request to a node that has just died fails before the runtime may know it died (the swarm runtime polls for
 * exits): the step's failure would blame an "error" or an unreachable node and lose how it ended, which is the data
 * that explains it (killed at the memory limit, a crash). Give the runtime its time to learn of such exits, and blame
 * each node that turns out to have exited as crashed, with its exit. Nodes that answered (a wrong total) are alive:
 * nothing is waited for them.
 */
async function withLearnedExits(ctx: Context, failure: StepFailure): Promise<StepFailure> {
  const silent = failure.nodes.filter((n) => (n.kind === "error" || n.kind === "unreachable") && !n.exit).map((n) => n.node);
  if (silent.length === 0) return failure;
  await ctx.network.settleExits(silent);
  const exited = silent.filter((id) => ctx.crashed.has(id));
  if (exited.length === 0) return failure;
  const nodes = failure.nodes.map((n) => {
    if (!exited.includes(n.node)) return n;
    const crashed = crashedNode(n.node, ctx.crashed.get(n.node) as NodeExit);
    return { ...n, kind: crashed.kind, exit: crashed.exit, reason: `${n.reason}; ${crashed.reason}` };
  });
  const learned = exited.map((id) => `${id} ${crashedNode(id, ctx.crashed.get(id) as NodeExit).reason}`);
  const settled = new StepFailure(`${failure.message}\n${learned.join("\n")}`, nodes) as StepFailure & { outcome?: Outcome };
  settled.outcome = (failure as { outcome?: Outcome }).outcome;
  return settled;
}

/** A node that exited on its own, blamed with how it exited (data) and a line that says so. */
export function crashedNode(node: string, exit: NodeExit): FailingNode {
  const data = { code: exit.code, signal: exit.signal, ...(exit.oomKilled === undefined ? {} : { oomKilled: exit.oomKilled }) };
  return { node, kind: "crashed", reason: crashReason(data), exit: data };
}

async function writeResultFile(dir: string, result: ScenarioResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
  if (result.replay) {
    const header = `# What actually happened in "${result.name}" (seed ${result.seed}, ${result.runtime} runtime), step by step.\n# Replay it: sumnet run ${path.join(dir, "replay.yaml")}\n`;
    await writeFile(path.join(dir, "replay.yaml"), header + scenarioYaml(result.replay));
  }
}
