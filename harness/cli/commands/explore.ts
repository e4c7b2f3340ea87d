import path from "node:path";
import { readFile } from "node:fs/promises";
import { explore, DEFAULT_EXPLORE_BUDGET_MS } from "../../campaign/explore.js";
import { MAX_RUNS } from "../../campaign/runs.js";
import { DEFAULT_SHRINK_BUDGET_MS } from "../../campaign/shrink.js";
import { formatDuration } from "../../reporters/console-reporter.js";
import { createRuntime, RUNTIME_NAMES, RuntimeChoiceError, type RuntimeName } from "../../runtime/select.js";
import { durationOption } from "../duration-option.js";
import { EXIT, integerOption, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet explore [--peer-command CMD | --image IMG] [options]

Generate random scenarios from a seed (topology shape and size, NUMBERS and DATA_DIR on some nodes, injections,
partitions and heals, kills and restarts, stops, joins and leaves, latency and loss, always ending with every node
healed and restarted and a final expect), run them one after another until one fails or the runs or the budget are
spent, then shrink the failure to a minimal scenario that fails the same way and print it with the command that
replays it. Progress goes to stderr, one line per run; the minimal scenario to stdout.

Options:
  --peer-command CMD      peer command line (local runtime; default: the reference peer)
  --image IMG             peer image (docker or swarm runtime; default: the reference image)
  --runtime NAME          where nodes run: local (default), docker (the default when --image is given), sim, or
                          swarm (Docker Swarm services; run on a swarm manager)
  --registry HOST:PORT    swarm: push the images a run uses to this registry, so every machine can pull them
                          (the reference peer simulated on a virtual clock: many runs a minute)
  --runs N                at most N scenarios (default: until the budget is spent)
  --budget TIME           time to search, e.g. 10m or 90s (default ${formatDuration(DEFAULT_EXPLORE_BUDGET_MS)}; a run
                          started before the end is finished)
  --seed S                seed of the first scenario; run i uses S + i (default 1)
  --expect-timeout TIME   timeout of every expect in the generated scenarios (default 10s); shorter explores
                          faster but calls a slow peer's late numbers lost
  --nemesis-under-load    every scenario also gets a load with a nemesis during it (otherwise about a third have
                          a nemesis and three fifths a load); the same seed then names another scenario
  --shrink-budget TIME    time to shrink a failure (default ${formatDuration(DEFAULT_SHRINK_BUDGET_MS)})
  --shrink-attempts K     runs of each shrink candidate before it counts as passing (default 2: a failure
                          need not repeat every time; 1 for a peer whose bug always shows)
  --results DIR           where a failing run's files go: generated.yaml, replay.yaml, result.json, node logs,
                          minimal.yaml (default results/explore-<time>)
  -h, --help              show this help

Exit codes: 0 no failure found within the runs and the budget, 1 a failure found (and shrunk when it blames a node),
2 invalid usage, 130 interrupted.`;

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
}

export const exploreCommand: CliCommand = {
  name: "explore",
  summary: "run random scenarios until one fails, then shrink it to a minimal scenario",
  usage,
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        "peer-command": { type: "string" },
        image: { type: "string" },
        registry: { type: "string" },
        runtime: { type: "string" },
        runs: { type: "string" },
        budget: { type: "string" },
        seed: { type: "string" },
        "shrink-budget": { type: "string" },
        "shrink-attempts": { type: "string" },
        "expect-timeout": { type: "string" },
        "nemesis-under-load": { type: "boolean" },
        results: { type: "string" },
      },
      usage,
      false,
    );
    if (!args) return EXIT.ok;
    const v = args.values;
    const runtimeName = v.runtime ?? (v.image ? "docker" : "local");
    if (!(RUNTIME_NAMES as readonly string[]).includes(runtimeName)) {
      throw new UsageError(`--runtime expects ${RUNTIME_NAMES.join(" or ")}, got "${runtimeName}"`, usage);
    }
    const runs = integerOption("runs", v.runs, usage);
    if (runs !== undefined && (runs < 1 || runs > MAX_RUNS)) throw new UsageError(`--runs expects 1 to ${MAX_RUNS}, got "${v.runs}"`, usage);
    const seed = integerOption("seed", v.seed, usage);
    const budgetMs = durationOption("budget", v.budget, usage);
    const shrinkBudgetMs = durationOption("shrink-budget", v["shrink-budget"], usage);
    const expectTimeoutMs = durationOption("expect-timeout", v["expect-timeout"], usage);
    const shrinkAttempts = integerOption("shrink-attempts", v["shrink-attempts"], usage);
    if (shrinkAttempts !== undefined && (shrinkAttempts < 1 || shrinkAttempts > 10)) {
      throw new UsageError(`--shrink-attempts expects 1 to 10, got "${v["shrink-attempts"]}"`, usage);
    }
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    let runtime;
    try {
      runtime = await createRuntime({ runtime: runtimeName as RuntimeName, peerCommand: v["peer-command"], image: v.image, registry: v.registry, log });
    } catch (error) {
      if (error instanceof RuntimeChoiceError) throw new UsageError(error.message, usage);
      throw error;
    }
    const resultsDir = v.results ?? path.join("results", `explore-${timestamp()}`);
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once("SIGINT", onSigint);
    try {
      const outcome = await explore({
        runtime,
        target: { runtime: runtimeName as RuntimeName, peerCommand: v["peer-command"], image: v.image },
        seed,
        runs,
        budgetMs,
        shrinkBudgetMs,
        shrinkAttempts,
        expectTimeoutMs,
        nemesisUnderLoad: v["nemesis-under-load"] === true,
        resultsDir,
        log,
        signal: abort.signal,
      });
      if (abort.signal.aborted) return 130;
      const finding = outcome.finding;
      if (!finding) {
        process.stdout.write(`no failure in ${outcome.runs} run${outcome.runs === 1 ? "" : "s"} (${formatDuration(outcome.durationMs)})\n`);
        return EXIT.ok;
      }
      process.stdout.write(`FAIL ${finding.scenario.name} (seed ${finding.result.seed}) after ${outcome.runs} run${outcome.runs === 1 ? "" : "s"}: ${finding.result.failure ?? ""}\n`);
      process.stdout.write(`files: ${finding.dir}\n`);
      if (finding.shrunk) {
        process.stdout.write(`\n${await readFile(finding.shrunk.file, "utf8")}\n`);
        process.stdout.write(`minimal scenario: ${finding.shrunk.file}\nreplay: ${finding.shrunk.command}\n`);
      }
      return EXIT.failed;
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
};
