/**
 * `sumnet run --watch`: the dashboard on the network of the scenario being run. `RunWatch` is both a Reporter (the
 * runner tells it which network is up and which step runs) and the dashboard's WatchSource (it describes that
 * network from the runtime's snapshot: node ids, control URLs, what the harness stopped, which links it cut). Its
 * `live` control is what the page's buttons drive: the runner carries their actions out as steps.
 *
 *   const watch = await startRunDashboard({ port: 8080 });
 *   await runScenario(file, { observer: watch.observer, live: watch.live });   // or runSuite(.., { reporter, live })
 *   await watch.close();
 */
import type { Reporter, SuiteSummary } from "../reporters/reporter.js";
import { LIVE_ACTION_KINDS, LiveControl, type LiveAction, type LiveOutcome } from "../runner/live.js";
import type { ExpectProgress, NodeExpectation, ScenarioResult, StepResult } from "../runner/result.js";
import type { StartedNetwork } from "../runtime/runtime.js";
import type { PlannedStep, ScenarioPlan } from "../scenario/plan.js";
import { startDashboard, type StartedDashboard } from "./dashboard-server.js";
import type { NetworkDescription, WatchSource } from "./watch-source.js";

type StepInfo = NonNullable<NetworkDescription["step"]>;

export class RunWatch implements WatchSource, Reporter {
  private network: StartedNetwork | undefined;
  private title = "sumnet run: starting";
  private stepCount = 0;
  private step: StepInfo | undefined;
  private lastResult: string | undefined;
  private expected = new Map<string, NodeExpectation>();

  constructor(readonly live: LiveControl = new LiveControl()) {}

  act(action: LiveAction): Promise<LiveOutcome> {
    return this.live.submit(action);
  }

  session(): Record<string, unknown> | undefined {
    return this.live.sessionScenario();
  }

  private controls(): NonNullable<NetworkDescription["controls"]> {
    // Asked on every poll: whether a session exists, not the session itself (a replay of every POST, sorted).
    return { actions: [...LIVE_ACTION_KINDS], held: this.live.isHeld, session: this.live.hasSession };
  }

  scenarioStart(info: { readonly plan: ScenarioPlan }): void {
    this.title = `scenario ${info.plan.name}`;
    this.stepCount = info.plan.steps.length;
    this.step = { index: 0, count: this.stepCount, label: "starting the network" };
    this.network = undefined;
  }

  networkStarted(network: StartedNetwork, plan: ScenarioPlan): void {
    this.network = network;
    this.stepCount = plan.steps.length;
  }

  stepStart(step: PlannedStep | { readonly index: -1; readonly kind: "start"; readonly label: string }): void {
    if (step.index < 0) this.step = { index: 0, count: this.stepCount, label: `starting the network: ${step.label}` };
    else this.step = { index: step.index, count: this.stepCount, label: step.label };
  }

  progress(step: PlannedStep, progress: ExpectProgress): void {
    const lagging = progress.lagging.length > 0 ? `; waiting for ${progress.lagging.join(", ")}` : "";
    this.step = {
      index: step.index,
      count: this.stepCount,
      label: `${step.label} (${progress.agreeing} of ${progress.of} as expected after ${(progress.elapsedMs / 1000).toFixed(1)} s${lagging})`,
    };
  }

  expectations(expected: readonly NodeExpectation[]): void {
    this.expected = new Map(expected.map((e) => [e.node, e]));
  }

  stepEnd(result: StepResult): void {
    if (result.status === "failed" && this.step) this.step = { ...this.step, label: `${result.label}: FAILED${result.message ? ` - ${result.message}` : ""}` };
  }

  scenarioEnd(result: ScenarioResult): void {
    this.lastResult = `${result.name} ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s`;
    this.network = undefined;
    this.step = undefined;
    this.expected = new Map();
    this.title = `last: ${this.lastResult}`;
  }

  async suiteEnd(_results: readonly ScenarioResult[], summary: SuiteSummary): Promise<void> {
    this.title = `run finished: ${summary.passed} passed, ${summary.failed} failed${this.lastResult ? ` (last: ${this.lastResult})` : ""}`;
  }

  describe(): NetworkDescription {
    const network = this.network;
    if (!network) return { title: this.title, nodes: [], ...(this.step ? { step: this.step } : {}), controls: this.controls() };
    const snapshot = network.snapshot();
    const step = this.step && this.live.isHeld ? { ...this.step, label: `${this.step.label} · held from the page (go on to continue)` } : this.step;
    return {
      title: this.title,
      ...(step ? { step } : {}),
      controls: this.controls(),
      nodes: snapshot.nodes
        .filter((n) => n.status !== "removed")
        // "exited" (a crash) stays "running": the harness did not mean it, so it counts against agreement.
        .map((n) => {
          const expected = this.expected.get(n.id);
          const status = n.status === "stopped" ? ("stopped" as const) : n.status === "paused" ? ("paused" as const) : ("running" as const);
          return {
            id: n.id,
            url: n.controlUrl,
            status,
            ...(expected && status === "running" ? { expected: { total: expected.total, count: expected.count, uncertain: expected.uncertain } } : {}),
          };
        }),
      links: snapshot.links.map((l) => ({ a: l.from, b: l.to, cut: l.cut })),
    };
  }
}

export interface RunDashboard extends AsyncDisposable {
  observer: RunWatch;
  /** Give it to the runner (`live`): the page's buttons act through it. */
  live: LiveControl;
  dashboard: StartedDashboard;
  url: string;
  close(): Promise<void>;
}

/** Starts the dashboard for `sumnet run --watch`; pass `observer` to the runner. */
export async function startRunDashboard(options: { port?: number; host?: string; intervalMs?: number } = {}): Promise<RunDashboard> {
  const observer = new RunWatch();
  const dashboard = await startDashboard({ ...options, source: observer });
  const close = () => dashboard.close();
  return { observer, live: observer.live, dashboard, url: dashboard.url, close, [Symbol.asyncDispose]: close };
}
