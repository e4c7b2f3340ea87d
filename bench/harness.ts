/**
 * `npm run bench:harness`: the local runtime with the reference peer on a random network of 50 nodes.
 * Measures (median of RUNS runs): time to start the network, time from the first POST of 1,000 numbers until every
 * node reports the same total, and the harness's own overhead per step (step duration minus time spent waiting on
 * peers: HTTP answers, polling for convergence, process start/stop).
 * Prints a Markdown section for BENCHMARKS.md.
 */
import { LocalRuntime } from "../harness/runtime/local/local-runtime.js";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { runPlan } from "../harness/runner/run-scenario.js";
import type { StepResult } from "../harness/runner/result.js";
import { planScenario } from "../harness/scenario/plan.js";
import { validateScenario } from "../harness/scenario/load.js";

const RUNS = Number(process.env.RUNS ?? 3);

const scenario = validateScenario({
  name: "bench-random-50",
  topology: { type: "random", nodes: 50, degree: 3, seed: 7 },
  defaults: { expectTimeout: "120s", healthTimeout: "120s", pollInterval: "20ms" },
  steps: [
    { name: "inject 1,000 numbers", inject: { at: "all", random: { count: 1000, min: -1000000, max: 1000000 }, distribute: true } },
    { name: "all 50 agree", expect: {} },
    { partition: { groups: [["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"]] } },
    { latency: { delay: "1ms" } },
    { latency: { clear: true } },
    { heal: null },
    { inject: { at: { random: 5 }, values: [1, 2, 3] } },
    { expect: {} },
  ],
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

interface RunFigures {
  startMs: number;
  convergeMs: number;
  steps: StepResult[];
}

async function once(i: number): Promise<RunFigures> {
  const plan = planScenario(scenario, { seed: 100 + i });
  const t0 = performance.now();
  const result = await runPlan(plan, { runtime: new LocalRuntime(), keepLogs: process.env.BENCH_LOGS ? "failed" : "never", resultsDir: process.env.BENCH_LOGS });
  if (result.status !== "passed") throw new Error(`bench run ${i + 1} failed: ${result.failure}`);
  const steps = result.steps as StepResult[];
  const start = steps[0] as StepResult;
  const inject = steps[1] as StepResult;
  const agree = steps[2] as StepResult;
  process.stderr.write(
    `run ${i + 1}: start ${fmt(start.durationMs)}, inject ${fmt(inject.durationMs)}, agree after ${fmt(inject.durationMs + agree.durationMs)} (total ${fmt(performance.now() - t0)})\n`,
  );
  const points = (agree.timeline ?? []).filter((_, k, a) => k % Math.max(1, Math.floor(a.length / 12)) === 0 || k === a.length - 1);
  process.stderr.write(`  convergence after the inject step: ${points.map((p) => `${(p.atMs / 1000).toFixed(1)}s:${p.agreeing}`).join(" ")}\n`);
  return { startMs: start.durationMs, convergeMs: inject.durationMs + agree.durationMs, steps };
}

const load = os.loadavg();
const runs: RunFigures[] = [];
for (let i = 0; i < RUNS; i++) runs.push(await once(i));

const byKind = new Map<string, number[]>();
for (const r of runs) {
  for (const s of r.steps) {
    if (s.index < 0) continue;
    const overhead = s.durationMs - s.waitedMs;
    byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), overhead]);
  }
}
const allOverheads = [...byKind.values()].flat();

const lines = [
  `### Harness on the local runtime (\`npm run bench:harness\`)`,
  ``,
  `- Command: \`npm run bench:harness\` (RUNS=${RUNS}); reference peer, random network of 50 nodes (average degree 3, 75 links), every link through a relay.`,
  `- Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}; load average at start ${load.map((x) => x.toFixed(1)).join(" / ")}.`,
  `- Date: ${new Date().toISOString()}`,
  ``,
  `| figure | median | runs |`,
  `| --- | --- | --- |`,
  `| start 50 nodes until all healthy | ${fmt(median(runs.map((r) => r.startMs)))} | ${runs.map((r) => fmt(r.startMs)).join(", ")} |`,
  `| 1,000 numbers: first POST until all 50 nodes agree (target < 10 s) | ${fmt(median(runs.map((r) => r.convergeMs)))} | ${runs.map((r) => fmt(r.convergeMs)).join(", ")} |`,
  `| harness overhead per step, median over all steps (target < 50 ms) | ${fmt(median(allOverheads))} | max ${fmt(Math.max(...allOverheads))} |`,
  ...[...byKind].map(([kind, xs]) => `| overhead of \`${kind}\` steps | ${fmt(median(xs))} | max ${fmt(Math.max(...xs))} |`),
  ``,
  `Overhead = step duration minus time spent waiting on peers (HTTP answers, convergence polling every 20 ms, process start/stop).`,
];
process.stdout.write(`${lines.join("\n")}\n`);
