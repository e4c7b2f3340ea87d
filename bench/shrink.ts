/**
 * `npm run bench:shrink`: how far and how fast a failure found in a big run shrinks. A 25-node network of the
 * seq-reset fixture (a peer restarted without DATA_DIR reuses its old sequence numbers, test/fixtures/faulty-peers)
 * runs 15 s of load under a nemesis that restarts nodes; the failing run's replay (hundreds of steps) is shrunk
 * within a 5-minute budget. Prints the figures for BENCHMARKS.md.
 */
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { shrinkToMinimalFile } from "../harness/campaign/minimal-file.js";
import { runScenario } from "../harness/runner/run-scenario.js";
import { quoteWord } from "../harness/runtime/local/command-line.js";
import { LocalRuntime } from "../harness/runtime/local/local-runtime.js";
import { validateScenario } from "../harness/scenario/load.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const peerCommand = `${quoteWord(process.execPath)} ${quoteWord(path.join(root, "test/fixtures/faulty-peers/seq-reset.mjs"))}`;
const budgetMs = Number(process.env.SHRINK_BUDGET_MS ?? 5 * 60_000);
const scenario = validateScenario({
  name: "shrink-bench-25",
  seed: Number(process.env.SEED ?? 7),
  topology: { type: "random", nodes: 25, degree: 3 },
  steps: [
    { load: { rate: 30, duration: "15s", concurrency: 4 } },
    { nemesis: { duration: "15s", interval: "1s", faults: ["restart", "partition-halves", "flaky", "pause"] } },
    { expect: { timeout: "20s" } },
  ],
});

const runtime = new LocalRuntime({ peerCommand });
const results = await mkdtemp(path.join(os.tmpdir(), "sumnet-bench-shrink-"));
const t0 = performance.now();
const result = await runScenario(scenario, { runtime, resultsDir: results, lateGraceMs: 5000 });
const runMs = performance.now() - t0;
if (result.status === "passed") {
  console.log(`the run passed (seed ${result.seed}): nothing to shrink; try another SEED`);
  process.exit(2);
}
const replaySteps = (result.replay?.steps as unknown[] | undefined)?.length ?? 0;
console.log(`failing run: ${(runMs / 1000).toFixed(1)} s, replay of ${replaySteps} steps; ${result.failure?.split("\n")[0]}`);
const { outcome, file, command } = await shrinkToMinimalFile({ scenario, result }, results, {
  runtime,
  budgetMs,
  target: { runtime: "local", peerCommand },
  log: (line) => console.log(`  ${line}`),
});
console.log(
  `shrunk ${outcome.from.steps} steps and ${outcome.from.nodes} nodes to ${outcome.to.steps} steps and ${outcome.to.nodes} nodes ` +
    `in ${outcome.runs} runs, ${(outcome.durationMs / 1000).toFixed(0)} s (budget ${budgetMs / 1000} s, stopped by ${outcome.stoppedBy}); ` +
    `machine: ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}`,
);
console.log(`minimal: ${file}\nreplay:  ${command}`);
