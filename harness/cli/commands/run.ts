import { existsSync } from "node:fs";
import path from "node:path";
import { runSuite } from "../../runner/run-suite.js";
import { formatProblem, ScenarioError } from "../../scenario/load.js";
import { packageRoot } from "../../runtime/local/reference-peer.js";
import type { Runtime } from "../../runtime/runtime.js";
import { createRuntime, RUNTIME_NAMES, RuntimeChoiceError, type RuntimeName } from "../../runtime/select.js";
import { combineReporters, type Reporter } from "../../reporters/reporter.js";
import { ConsoleReporter } from "../../reporters/console-reporter.js";
import { JsonReporter } from "../../reporters/json-reporter.js";
import { JunitReporter } from "../../reporters/junit-reporter.js";
import { EXIT, integerOption, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";
import { HtmlReporter } from "../../reporters/html-reporter.js";
import { startRunDashboard, type RunDashboard } from "../../watch/run-watch.js";
import { MAX_RUNS, parseSeedRange, runSuiteWithSeeds, type SeedChoice } from "../../campaign/runs.js";
import { shrinkToMinimalFile } from "../../campaign/minimal-file.js";
import { NotShrinkable } from "../../campaign/shrink.js";
import { durationOption } from "../duration-option.js";

const usage = `Usage: sumnet run [FILES|DIRS...] [options]

Run scenario files (YAML or JSON): start each network, play its steps, check every node's total.
With no FILES it runs ./scenarios (or the scenarios shipped with sumnet).

Options:
  --runtime NAME          where nodes run: local (default: processes on 127.0.0.1), docker (containers),
                          sim (the reference peer's core simulated in this process on a virtual clock: big
                          networks, no wall time spent waiting, a seed replays a run exactly), or swarm
                          (Docker Swarm services on one machine or many; run on a swarm manager)
  --peer-command CMD      peer command line for the local runtime (default: the reference peer,
                          node dist/node/main.js); e.g. --peer-command "python3 peer.py"
  --image IMG             peer image for the docker and swarm runtimes (default: the reference image)
  --registry HOST:PORT    swarm: push the images a run uses to this registry, so every machine can pull them
  --reporter NAME         console (default), json or junit
  --out PATH              write the json/junit report to PATH (console output stays on stdout)
  --filter TEXT           only scenarios whose name or file contains TEXT
  --seed N                seed for everything random (overrides the scenarios' seeds)
  --results DIR           where node logs of failed scenarios go (default results/run-<time>)
  --keep-logs WHEN        failed (default), always or never
  --timeout-scale X       multiply every expect timeout (e.g. 2 on a slow machine)
  --watch                 serve the live dashboard of the running scenario's network (http://127.0.0.1:8080);
                          drive it from the page: add numbers, stop/start/kill/pause nodes, cut and restore
                          links, hold the scenario and go on, save the session as a scenario file
  --watch-port N          port of that dashboard (default 8080)
  --html FILE             where to write the HTML results page (step log, convergence timelines);
                          default <results dir>/results.html
  --late-grace TIME       after an expect fails, how long to keep watching the failing nodes to tell a slow
                          peer from one that lost numbers (default 30s; 0 to report at once)
  --runs N                run each scenario N times, with seeds seed, seed+1, ... (its own seed or --seed);
                          reports a pass rate per scenario and keeps each failed run in <results>/seed-<n>/
  --seeds A..B            run each scenario once per seed from A to B (instead of --runs)
  --shrink                shrink the first failed run of each scenario to a minimal scenario that fails the
                          same way; writes minimal.yaml beside its result.json and prints the replay command
  --shrink-budget TIME    time for each shrink, e.g. 90s or 5m (default 5m; the last run may end after it)
  -h, --help              show this help

Exit codes: 0 every scenario passed (every run, with --runs), 1 a scenario (or one of its runs) failed, 2 invalid input or usage, 130 interrupted (Ctrl-C:
the current network is torn down and the report covers what ran).`;

/** The runtime named by --runtime (runtime/select.ts is the one place that makes runtimes). */
async function runtimeFromArgs(o: {
  runtime: string;
  peerCommand?: string | undefined;
  image?: string | undefined;
  registry?: string | undefined;
}): Promise<Runtime> {
  if (!(RUNTIME_NAMES as readonly string[]).includes(o.runtime)) {
    throw new UsageError(`--runtime expects ${RUNTIME_NAMES.join(" or ")}, got "${o.runtime}"`, usage);
  }
  try {
    return await createRuntime({
      runtime: o.runtime as RuntimeName,
      peerCommand: o.peerCommand,
      image: o.image,
      registry: o.registry,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof RuntimeChoiceError) throw new UsageError(error.message, usage);
    throw error;
  }
}

function defaultScenarioDirs(): string[] {
  if (existsSync("scenarios")) return ["scenarios"];
  return [path.join(packageRoot(), "scenarios")];
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
}

/** --runs N or --seeds A..B (not both), or undefined for one run per scenario. */
function seedChoiceOf(runs: string | undefined, seeds: string | undefined): SeedChoice | undefined {
  if (runs !== undefined && seeds !== undefined) throw new UsageError("give --runs N or --seeds A..B, not both", usage);
  if (runs !== undefined) {
    const n = integerOption("runs", runs, usage) as number;
    if (n < 1 || n > MAX_RUNS) throw new UsageError(`--runs expects a number of runs from 1 to ${MAX_RUNS}, got "${runs}"`, usage);
    return { runs: n };
  }
  if (seeds === undefined) return undefined;
  try {
    return parseSeedRange(seeds);
  } catch (error) {
    throw new UsageError(`--seeds: ${(error as Error).message}`, usage);
  }
}

export const runCommand: CliCommand = {
  name: "run",
  summary: "run scenario files and check every node's total",
  usage,
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        runtime: { type: "string", default: "local" },
        "peer-command": { type: "string" },
        image: { type: "string" },
        registry: { type: "string" },
        reporter: { type: "string", default: "console" },
        out: { type: "string" },
        filter: { type: "string" },
        seed: { type: "string" },
        results: { type: "string" },
        "keep-logs": { type: "string", default: "failed" },
        "timeout-scale": { type: "string" },
        watch: { type: "boolean" },
        "watch-port": { type: "string" },
        html: { type: "string" },
        runs: { type: "string" },
        "late-grace": { type: "string" },
        seeds: { type: "string" },
        shrink: { type: "boolean" },
        "shrink-budget": { type: "string" },
      },
      usage,
    );
    if (!args) return EXIT.ok;
    const v = args.values;
    const seed = integerOption("seed", v.seed, usage);
    const reporterName = v.reporter as string;
    if (!["console", "json", "junit"].includes(reporterName)) {
      throw new UsageError(`--reporter expects console, json or junit, got "${reporterName}"`, usage);
    }
    const keepLogs = v["keep-logs"] as string;
    if (!["failed", "always", "never"].includes(keepLogs)) {
      throw new UsageError(`--keep-logs expects failed, always or never, got "${keepLogs}"`, usage);
    }
    let timeoutScale: number | undefined;
    if (v["timeout-scale"] !== undefined) {
      timeoutScale = Number(v["timeout-scale"]);
      if (!(timeoutScale > 0)) throw new UsageError(`--timeout-scale expects a positive number, got "${v["timeout-scale"]}"`, usage);
    }
    if (v.out && reporterName === "console") throw new UsageError("--out needs --reporter json or junit", usage);
    const seedChoice = seedChoiceOf(v.runs, v.seeds);
    const lateGraceMs = v["late-grace"] === "0" ? 0 : durationOption("late-grace", v["late-grace"], usage);
    const shrinkBudgetMs = durationOption("shrink-budget", v["shrink-budget"], usage);
    if (shrinkBudgetMs !== undefined && !v.shrink) throw new UsageError("--shrink-budget needs --shrink", usage);

    const reporters: Reporter[] = [];
    if (reporterName === "console" || v.out) reporters.push(new ConsoleReporter());
    if (reporterName === "json") reporters.push(new JsonReporter(v.out));
    if (reporterName === "junit") reporters.push(new JunitReporter(v.out));
    const resultsDir = v.results ?? path.join("results", `run-${timestamp()}`);
    reporters.push(new HtmlReporter(v.html ?? path.join(resultsDir, "results.html"), (line) => process.stderr.write(`${line}\n`)));

    const runtime = await runtimeFromArgs({ runtime: v.runtime as string, peerCommand: v["peer-command"], image: v.image, registry: v.registry });
    const paths = (args.positionals as string[]).length > 0 ? (args.positionals as string[]) : defaultScenarioDirs();
    const watchPort = integerOption("watch-port", v["watch-port"], usage) ?? 8080;
    let dashboard: RunDashboard | undefined;
    if (v.watch && v.runtime === "sim") throw new UsageError("--watch needs a network on the machine's clock: --runtime local or docker, not sim", usage);
    if (v.watch) {
      try {
        dashboard = await startRunDashboard({ port: watchPort });
      } catch (error) {
        throw new UsageError(`--watch: cannot serve the dashboard on port ${watchPort} (${(error as Error).message})`, usage);
      }
      process.stderr.write(`dashboard ${dashboard.url}\n`);
      reporters.push(dashboard.observer);
    }
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once("SIGINT", onSigint);
    try {
      const suiteOptions = {
        runtime,
        seed,
        filter: v.filter,
        reporter: combineReporters(reporters),
        resultsDir,
        keepLogs: keepLogs as "failed" | "always" | "never",
        timeoutScale,
        lateGraceMs,
        signal: abort.signal,
        live: dashboard?.live,
      };
      const shrunk = new Set<string>();
      const { summary } =
        seedChoice || v.shrink
          ? await runSuiteWithSeeds(paths, {
              ...suiteOptions,
              seeds: seedChoice ?? { runs: 1 },
              onFailure: v.shrink
                ? async (failed) => {
                    if (shrunk.has(failed.result.name) || abort.signal.aborted) return;
                    shrunk.add(failed.result.name);
                    const log = (line: string): void => void process.stderr.write(`${line}\n`);
                    try {
                      await shrinkToMinimalFile(failed, failed.dir, {
                        runtime,
                        budgetMs: shrinkBudgetMs,
                        signal: abort.signal,
                        target: { runtime: v.runtime as RuntimeName, peerCommand: v["peer-command"], image: v.image },
                        log,
                      });
                    } catch (error) {
                      if (!(error instanceof NotShrinkable)) throw error;
                      log(`not shrunk: ${error.message}`);
                    }
                  }
                : undefined,
            })
          : await runSuite(paths, suiteOptions);
      if (summary.total === 0) {
        process.stderr.write(`no scenario matched${v.filter ? ` --filter "${v.filter}"` : ""}\n`);
        return EXIT.usage;
      }
      if (abort.signal.aborted) return 130;
      return summary.failed === 0 ? EXIT.ok : EXIT.failed;
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const p of error.problems) process.stderr.write(`${formatProblem(p)}\n`);
      return EXIT.usage;
    } finally {
      process.off("SIGINT", onSigint);
      await dashboard?.close();
    }
  },
};
