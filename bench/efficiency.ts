/**
 * `npm run bench:efficiency`: what the efficiency sampler costs a run. Each scenario runs RUNS times with the sampler
 * on and RUNS times with it off, in turn (on, off, on, off, ...) in this one process, so a drift of the machine's
 * speed hits both alike; the ratio on/off is taken pair by pair and its median printed, for the whole run and for
 * the time the expect steps waited for the network to converge (what a busy sampler would slow first).
 * Prints a Markdown section for BENCHMARKS.md, with the figures the sampler measured.
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { efficiencyLine } from "../harness/runner/efficiency-figures.js";
import { runPlan } from "../harness/runner/run-scenario.js";
import type { ScenarioResult } from "../harness/runner/result.js";
import { LocalRuntime } from "../harness/runtime/local/local-runtime.js";
import { loadScenarioFile, validateScenario } from "../harness/scenario/load.js";
import { planScenario } from "../harness/scenario/plan.js";
import type { Scenario } from "../harness/scenario/schema.js";

const RUNS = Number(process.env.RUNS ?? 5);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const random25 = validateScenario({
  name: "random-25-load",
  topology: { type: "random", nodes: 25, degree: 3, seed: 9 },
  defaults: { expectTimeout: "60s", healthTimeout: "60s" },
  steps: [{ load: { rate: 100, duration: "5s", batch: 1, concurrency: 8 } }, { expect: {} }],
});

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const spread = (xs: readonly number[], digits = 2): string => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

interface Run {
  readonly wallMs: number;
  readonly convergeMs: number;
  readonly result: ScenarioResult;
}

async function once(scenario: Scenario, efficiency: boolean, seed: number): Promise<Run> {
  const t0 = performance.now();
  const result = await runPlan(planScenario(scenario, { seed }), { runtime: new LocalRuntime(), keepLogs: "never", efficiency });
  const wallMs = performance.now() - t0;
  if (result.status !== "passed") throw new Error(`${scenario.name} (sampler ${efficiency ? "on" : "off"}) failed: ${result.failure}`);
  const convergeMs = result.steps.filter((s) => s.kind === "expect").reduce((ms, s) => ms + s.durationMs, 0);
  return { wallMs, convergeMs, result };
}

async function compare(scenario: Scenario): Promise<string[]> {
  const on: Run[] = [];
  const off: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Same seed for both of a pair: the same load and values.
    on.push(await once(scenario, true, 1 + i));
    off.push(await once(scenario, false, 1 + i));
    process.stderr.write(
      `${scenario.name} pair ${i + 1}: on ${(on[i]!.wallMs / 1000).toFixed(2)} s (expect ${on[i]!.convergeMs.toFixed(0)} ms), off ${(off[i]!.wallMs / 1000).toFixed(2)} s (expect ${off[i]!.convergeMs.toFixed(0)} ms)\n`,
    );
  }
  const wallRatio = on.map((r, i) => r.wallMs / off[i]!.wallMs);
  const convergeRatio = on.map((r, i) => r.convergeMs / Math.max(1, off[i]!.convergeMs));
  const nodes = on[0]!.result.nodes;
  const e = on.map((r) => r.result.efficiency!);
  return [
    `| ${scenario.name} (${nodes} nodes) | ${spread(on.map((r) => r.wallMs / 1000))} | ${spread(off.map((r) => r.wallMs / 1000))} | ${spread(wallRatio, 3)} | ${spread(on.map((r) => r.convergeMs), 0)} | ${spread(off.map((r) => r.convergeMs), 0)} | ${spread(convergeRatio, 2)} |`,
    ...e.slice(0, 1).map((x) => `|  | figures of the first run: ${efficiencyLine(x)}; ${x.samples} sampling rounds every ${x.sampleIntervalMs} ms |||||| `),
  ];
}

const scenarios: Scenario[] = [(await loadScenarioFile(path.join(root, "scenarios/14-concurrent-posts.yaml"))).scenario, random25];
const rows: string[] = [];
const load = os.loadavg().map((x) => x.toFixed(1)).join(" / ");
for (const s of scenarios) rows.push(...(await compare(s)));
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`### Cost of the efficiency sampler (\`npm run bench:efficiency\`)

- Command: \`npm run bench:efficiency\` (RUNS=${RUNS} pairs per scenario, sampler on and off in turn in one process, the same seed for both of a pair); reference peer, local runtime.
- Machine: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; shared and noisy; load average at start ${load}.
- Date: ${new Date().toISOString()}.

Median (min-max) over the pairs; ratios are taken pair by pair (on / off).

| scenario | run, sampler on (s) | run, off (s) | ratio on/off | expect steps, on (ms) | off (ms) | ratio on/off |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}
`);
