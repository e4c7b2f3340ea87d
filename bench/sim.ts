/**
 * `npm run bench:sim [-- --quick] [-- --only PART]`: what the simulator runtime (--runtime sim) costs and what it
 * predicts, side by side with the local runtime in one run (see BENCHMARKS.md). Parts:
 *
 * - library: the scenario library (scenarios/) on sim, then on local: wall time of each, and the ratio.
 * - seeds: a 25-node scenario with a load under a nemesis, run on sim for 1,000 seeds (100 with --quick): wall time,
 *   passes.
 * - scale: a random network (average degree 4) of 10,000 nodes with 10,000 numbers added in 100 POSTs, then one expect;
 *   wall time to converge and peak memory of this process. `--nodes N --numbers K` change the size, `--posts P` how
 *   many POSTs carry the numbers (default 100; every POST is at another node, so P is also the number of origins); a
 *   run that does not converge within --scale-budget (default 10 min of wall time) is reported as such.
 * - calibration: a line of 10 with every link delayed 100 ms, one number added at n1: how long until every node holds
 *   it, on sim and on local, in link delays (the floor is 9).
 */
import { readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { runScenario } from "../harness/runner/run-scenario.js";
import type { ScenarioResult } from "../harness/runner/result.js";
import { LocalRuntime } from "../harness/runtime/local/local-runtime.js";
import type { Runtime } from "../harness/runtime/runtime.js";
import { SimRuntime } from "../harness/runtime/sim/sim-runtime.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = option("only");
const wanted = (part: string): boolean => only === undefined || only.split(",").includes(part);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const resultsDir = path.join(os.tmpdir(), `sumnet-bench-sim-${process.pid}`);
const quiet = { resultsDir, keepLogs: "never" as const, lateGraceMs: 0 };

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
sampler.unref();

log(`bench:sim on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}`);

async function library(runtime: Runtime): Promise<{ ms: number; passed: number; of: number }> {
  const dir = path.join(root, "scenarios");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  const t0 = performance.now();
  let passed = 0;
  for (const f of files) {
    const r = await runScenario(path.join(dir, f), { runtime, ...quiet, efficiency: false });
    if (r.status === "passed") passed++;
    else log(`  ${runtime.name}: ${f} failed: ${r.failure}`);
  }
  return { ms: performance.now() - t0, passed, of: files.length };
}

if (wanted("library")) {
  log("library: the scenario library on sim, then on local...");
  const sim = await library(new SimRuntime());
  log(`  sim:   ${sim.passed}/${sim.of} passed in ${seconds(sim.ms)}`);
  const local = await library(new LocalRuntime());
  log(`  local: ${local.passed}/${local.of} passed in ${seconds(local.ms)}`);
  log(`  local/sim wall time: ${(local.ms / sim.ms).toFixed(1)}x`);
}

if (wanted("seeds")) {
  const seeds = quick ? 100 : 1000;
  const scenario = {
    name: "bench-nemesis-25",
    topology: { type: "random", nodes: 25, degree: 3 },
    nodes: { n1: { dataDir: true }, n5: { dataDir: true, numbers: [1, 2, 3] }, n9: { dataDir: true }, n13: { dataDir: true } },
    steps: [
      { load: { rate: 50, duration: "10s", concurrency: 4, batch: 2 } },
      { nemesis: { duration: "8s", interval: "1s" } },
      { expect: { timeout: "30s" } },
    ],
  };
  log(`seeds: a 25-node load under a nemesis on sim, ${seeds} seeds...`);
  const t0 = performance.now();
  let passed = 0;
  const failed: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await runScenario(scenario, { runtime: new SimRuntime(), seed, ...quiet, efficiency: false });
    if (r.status === "passed") passed++;
    else failed.push(seed);
    if (seed % 100 === 0) log(`  ${seed} seeds, ${seconds(performance.now() - t0)}`);
  }
  const ms = performance.now() - t0;
  log(`  ${passed}/${seeds} passed${failed.length ? ` (failed seeds ${failed.join(", ")})` : ""} in ${seconds(ms)}: ${(ms / seeds).toFixed(0)} ms per run`);
}

if (wanted("scale")) {
  const nodes = Number(option("nodes") ?? 10_000);
  const numbers = Number(option("numbers") ?? 10_000);
  const budgetMs = Number(option("scale-budget") ?? 600) * 1000;
  const posts = Math.min(Number(option("posts") ?? 100), numbers);
  const steps: Record<string, unknown>[] = [];
  for (let p = 0; p < posts; p++) {
    const count = Math.floor(numbers / posts) + (p < numbers % posts ? 1 : 0);
    const at = `n${1 + Math.floor((p * nodes) / posts)}`;
    steps.push({ inject: { at, values: Array.from({ length: count }, (_, i) => p * 1000 + i - 500) } });
  }
  steps.push({ expect: { timeout: "10m" } });
  const dissemination = option("dissemination");
  const scenario = {
    name: `bench-scale-${nodes}`,
    topology: { type: "random", nodes, degree: 4 },
    ...(dissemination ? { defaults: { environment: { DISSEMINATION: dissemination } } } : {}),
    steps,
  };
  log(`scale: ${nodes} nodes (random, degree 4, ${dissemination ?? "the peer's default"} dissemination), ${numbers} numbers in ${posts} POSTs, one expect (budget ${seconds(budgetMs)})...`);
  peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const result: ScenarioResult = await runScenario(scenario, {
    runtime: new SimRuntime(),
    ...quiet,
    efficiency: false,
    signal: AbortSignal.timeout(budgetMs),
  });
  const ms = performance.now() - t0;
  const expectStep = result.steps.find((s) => s.kind === "expect");
  const start = result.steps.find((s) => s.kind === "start");
  log(
    `  ${result.status === "passed" ? "converged" : `did not converge (${result.failure?.split("\n")[0]})`}: wall ${seconds(ms)} ` +
      `(start ${seconds(start?.durationMs ?? 0)} simulated), simulated time to agree ${seconds(expectStep?.waitedMs ?? 0)}, ` +
      `peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB`,
  );
}

if (wanted("calibration")) {
  const scenario = {
    name: "bench-calibration",
    topology: { type: "line", nodes: 10 },
    defaults: { pollInterval: 10 },
    steps: [{ latency: { delay: 100 } }, { sleep: 1500 }, { inject: { at: "n1", values: [7] } }, { expect: { timeout: "10s" } }],
  };
  log("calibration: a line of 10, 100 ms per link, one number at n1 (floor: 9 link delays)...");
  for (const runtime of [new SimRuntime(), new LocalRuntime()]) {
    const agree: number[] = [];
    for (let seed = 1; seed <= (quick ? 3 : 10); seed++) {
      const r = await runScenario(scenario, { runtime, seed, ...quiet, efficiency: false });
      const e = r.steps.find((s) => s.kind === "expect");
      if (r.status !== "passed" || !e) log(`  ${runtime.name} seed ${seed} failed: ${r.failure}`);
      else agree.push(e.waitedMs);
    }
    agree.sort((a, b) => a - b);
    const median = agree[Math.floor(agree.length / 2)] ?? NaN;
    log(`  ${runtime.name}: every node holds it after ${median.toFixed(0)} ms (median of ${agree.length}) = ${(median / 100).toFixed(1)} link delays`);
  }
}
clearInterval(sampler);
