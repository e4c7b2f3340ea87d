/**
 * The driver of a compose project (`sumnet drive --compose`, the project's `driver` service): plans the scenario with
 * the seed the compose file was written for, and plays its steps with the ordinary scenario runner on the compose
 * runtime (compose-host.ts), one round after another when looping. Each step's verdict is one line on stdout, so
 * `docker compose logs -f driver` reads like a run of `sumnet run`. It serves the dashboard of the network it plays,
 * as `sumnet run --watch` does: the current step, the checker's verdicts, and the buttons that drive it.
 */
import type Docker from "dockerode";
import { pause } from "../base/pause.js";
import { combineReporters } from "../reporters/reporter.js";
import type { RunObserver, StepResult } from "../runner/result.js";
import { runPlan } from "../runner/run-scenario.js";
import { startRunDashboard, type RunDashboard } from "../watch/run-watch.js";
import type { ScenarioPlan } from "../scenario/plan.js";
import { ComposeRuntime } from "./compose-host.js";
import { DRIVER_SERVICE, FIRST_RELAY_PORT } from "./layout.js";

export interface DriveOptions {
  readonly plan: ScenarioPlan;
  readonly project: string;
  /** Play the steps again (on a fresh network) after they end, until the signal aborts. */
  readonly loop: boolean;
  readonly signal: AbortSignal;
  /** One line per event (default: stdout). */
  readonly log?: ((line: string) => void) | undefined;
  /** Where the peers' DATA_DIR volumes are mounted (default /sumnet-data/<node>). */
  readonly dataRoot?: string | undefined;
  /** Image peers run when it is not the reference peer (the compose file's `--image`). */
  readonly image?: string | undefined;
  readonly docker?: Docker | undefined;
  /** Serve the drivable dashboard on this port of all interfaces (the compose file publishes it); absent: none. */
  readonly dashboardPort?: number | undefined;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
/** A verdict's message on one line. */
const oneLine = (text: string): string => text.trim().split("\n").map((l) => l.trim()).join(" | ");

/** The runner's events as log lines: one per step with its verdict, one per round. */
export function lineObserver(plan: ScenarioPlan, round: number, log: (line: string) => void): RunObserver {
  const prefix = `[round ${round}]`;
  const count = plan.steps.length;
  return {
    stepEnd(result: StepResult) {
      const where = result.index < 0 ? "" : `step ${result.index + 1}/${count} `;
      const verdict = result.status === "failed" ? `FAILED: ${oneLine(result.message ?? "")}` : result.status;
      log(`${prefix} ${where}${result.label}: ${verdict} (${seconds(result.durationMs)})`);
    },
    scenarioEnd(result) {
      const passed = result.steps.filter((s) => s.status === "passed" && s.index >= 0).length;
      log(
        result.status === "passed"
          ? `${prefix} scenario "${plan.name}" passed: every step passed (${passed}/${count}) in ${seconds(result.durationMs)}`
          : `${prefix} scenario "${plan.name}" failed: ${passed}/${count} steps passed; ${oneLine(result.failure ?? "")}`,
      );
    },
  };
}

/** Plays the scenario (round after round when looping). Resolves with true when the last round passed. */
export async function drive(options: DriveOptions): Promise<boolean> {
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const { plan } = options;
  const runtimeOptions = {
    project: options.project,
    links: plan.network.links,
    dataRoot: options.dataRoot,
    referencePeer: (node: { image?: string | undefined }) => !node.image && !options.image,
    docker: options.docker,
  };
  log(
    `driving "${plan.name}" (seed ${plan.seed}) in compose project "${options.project}": ${plan.network.nodes.length} peers, ` +
      `${plan.network.links.length} links through relays on ${DRIVER_SERVICE}:${FIRST_RELAY_PORT}.., ${plan.steps.length} steps${options.loop ? ", looping" : ""}`,
  );
  let watch: RunDashboard | undefined;
  if (options.dashboardPort !== undefined) {
    watch = await startRunDashboard({ host: "0.0.0.0", port: options.dashboardPort });
    log(`dashboard on port ${watch.dashboard.port}: the network as it plays, and its buttons (add numbers, stop, kill, cut, hold)`);
  }
  try {
    let passed = false;
    for (let round = 1; !options.signal.aborted; round++) {
      const lines = lineObserver(plan, round, log);
      const result = await runPlan(plan, {
        runtime: new ComposeRuntime(runtimeOptions),
        observer: watch ? combineReporters([{ ...lines, suiteEnd: async () => {} }, watch.observer]) : lines,
        live: watch?.live,
        keepLogs: "never",
        efficiency: false,
        lateGraceMs: 0,
        signal: options.signal,
      });
      passed = result.status === "passed";
      if (!options.loop) break;
      // A round that failed at once (a peer that never starts) must not spin.
      if (!passed) await pause(5000, options.signal);
    }
    if (!options.loop && !options.signal.aborted) await holdLinks(options, runtimeOptions, log, watch);
    return passed;
  } finally {
    await watch?.close();
  }
}

/**
 * After a single round the links stay up (the relays live in this process) until the project stops, so the network
 * can still be watched and used; nodes the scenario left stopped are started again.
 */
async function holdLinks(
  options: DriveOptions,
  runtimeOptions: ConstructorParameters<typeof ComposeRuntime>[0],
  log: (line: string) => void,
  watch: RunDashboard | undefined,
): Promise<void> {
  const network = await new ComposeRuntime({ ...runtimeOptions, fresh: false }).start(options.plan.network, {
    healthTimeoutMs: options.plan.timing.healthTimeoutMs,
    seed: options.plan.seed,
  });
  // The page keeps showing the network (without a scenario, its buttons have nothing to act through).
  watch?.observer.networkStarted(network, options.plan);
  try {
    log(`holding the links open until the project stops (docker compose down)`);
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    await network[Symbol.asyncDispose]();
  }
}
