/**
 * Many seeds and minimal counterexamples with real processes: `sumnet run --runs N` reports pass rates (3/3 for the
 * reference peer, 0/3 with the failed seeds for a peer that counts twice), `--shrink` writes a minimal.yaml that
 * replays, and the shrinker takes a long hand-written failing scenario down to a few steps.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { shrinkFailure } from "../../harness/campaign/shrink.js";
import { writeMinimal } from "../../harness/campaign/minimal-file.js";
import { runScenario } from "../../harness/runner/run-scenario.js";
import { LocalRuntime } from "../../harness/runtime/local/local-runtime.js";
import { validateScenario } from "../../harness/scenario/load.js";
import { assertBuilt, runSumnet } from "../support/sumnet-cli.js";

const fixture = (name: string): string => `node test/fixtures/faulty-peers/${name}.mjs`;
let tmp: string;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-campaign-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function scenarioFile(name: string, body: object): Promise<string> {
  const file = path.join(tmp, `${name}.json`);
  await writeFile(file, JSON.stringify({ name, ...body }));
  return file;
}

describe("sumnet run --runs", { timeout: 120_000 }, () => {
  it("reports 3/3 for a passing scenario and exits 0", async () => {
    const file = await scenarioFile("small-line", {
      topology: { type: "line", nodes: 3 },
      steps: [{ inject: { at: "n1", random: { count: 3, min: -9, max: 9 } } }, { expect: {} }],
    });
    const r = await runSumnet(["run", file, "--runs", "3", "--results", path.join(tmp, "pass")]);
    expect(r.stderr).not.toContain("Error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("small-line: 3/3 passed");
    expect(r.stdout.match(/small-line .* seed \d/g)).toEqual([
      expect.stringContaining("seed 1"),
      expect.stringContaining("seed 2"),
      expect.stringContaining("seed 3"),
    ]);
  });

  it("reports 0/3 with the failed seeds for a peer that counts twice, keeps each run and shrinks the first", async () => {
    const file = await scenarioFile("two-paths", {
      seed: 20,
      topology: { type: "ring", nodes: 3 },
      defaults: { expectTimeout: "2s" },
      steps: [{ inject: { at: "n1", values: [5] } }, { sleep: "200ms" }, { expect: {} }],
    });
    const results = path.join(tmp, "double");
    const junit = path.join(tmp, "double.xml");
    const r = await runSumnet([
      "run", file, "--runs", "3", "--peer-command", fixture("double-count"), "--late-grace", "1s",
      "--reporter", "junit", "--out", junit, "--results", results, "--shrink", "--shrink-budget", "40s",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("two-paths: 0/3 passed; failed seeds 20, 21, 22");
    expect(await readFile(junit, "utf8")).toContain('<failure message="two-paths: 0/3 passed; failed seeds 20, 21, 22"');
    for (const seed of [20, 21, 22]) {
      const dir = path.join(results, `seed-${seed}`, "two-paths");
      expect(await readdir(dir)).toEqual(expect.arrayContaining(["result.json", "replay.yaml", "n1.log"]));
      expect(parse(await readFile(path.join(dir, "replay.yaml"), "utf8"))).toMatchObject({ name: expect.stringContaining("two-paths"), seed });
    }
    // Only the first failure is shrunk: the sleep goes, the ring of three stays (a number needs two paths).
    const minimal = path.join(results, "seed-20", "two-paths", "minimal.yaml");
    expect(existsSync(path.join(results, "seed-21", "two-paths", "minimal.yaml"))).toBe(false);
    expect(r.stderr).toContain(`replay: sumnet run ${minimal} --peer-command 'node test/fixtures/faulty-peers/double-count.mjs'`);
    const text = await readFile(minimal, "utf8");
    expect(text).toMatch(/^# Minimal counterexample of two-paths: surplus at /);
    const scenario = validateScenario(parse(text));
    expect(scenario.steps.map((s) => Object.keys(s)[0])).toEqual(["inject", "expect"]);
    expect(scenario.topology).toMatchObject({ type: "explicit", nodes: ["n1", "n2", "n3"] });
    // The replay command works as printed (from the repository root) and fails the same way.
    const replay = await runSumnet(["run", minimal, "--peer-command", fixture("double-count"), "--late-grace", "0"]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain("counted twice?");
  });
});

describe("shrinking a long failing scenario", { timeout: 240_000 }, () => {
  it("takes 22 steps on 8 nodes down to at most 6 steps that still lose the same numbers", async () => {
    const long = validateScenario({
      name: "long-line",
      topology: { type: "line", nodes: 8 },
      defaults: { expectTimeout: "2s" },
      steps: [
        { inject: { at: "n1", values: [1, 2] } },
        { sleep: "300ms" },
        { inject: { at: "n8", values: [3] } },
        { expect: {} },
        { latency: { delay: "20ms" } },
        { inject: { at: "n4", values: [4, 5] } },
        { sleep: "200ms" },
        { inject: { at: "n5", values: [6] } },
        { expect: {} },
        { latency: { clear: true } },
        { inject: { at: "n2", values: [7] } },
        { sleep: "300ms" },
        { expect: {} },
        { inject: { at: "n6", values: [8, 9, 10] } },
        { sleep: "200ms" },
        { inject: { at: "n7", values: [11] } },
        { expect: {} },
        { partition: { groups: [["n1", "n2", "n3", "n4"]] } },
        { inject: { at: "n8", values: [100] } },
        { sleep: "300ms" },
        { heal: null },
        { expect: {} },
      ],
    });
    const runtime = new LocalRuntime({ peerCommand: fixture("no-resync") });
    const result = await runScenario(long, { runtime, keepLogs: "never", lateGraceMs: 1000 });
    expect(result.status).toBe("failed");
    expect(result.failingNodes[0]?.kind).toBe("lost");
    const lines: string[] = [];
    const outcome = await shrinkFailure({ scenario: long, result }, { runtime, attempts: 1, budgetMs: 150_000, log: (l) => lines.push(l) });
    expect(outcome.reproduced).toBe(true);
    // It starts from the replay of the failed run: its 22 steps, as they ran (with the waits and the expects).
    expect(outcome.from.nodes).toBe(8);
    expect(outcome.from.steps).toBeGreaterThanOrEqual(22);
    expect(outcome.to.steps).toBeLessThanOrEqual(6);
    expect(outcome.signature.kind).toBe("lost");
    expect(outcome.result?.failingNodes.some((n) => n.kind === "lost")).toBe(true);
    // The minimal scenario is a valid scenario file that names the command replaying it.
    const { file, command } = await writeMinimal(tmp, outcome, "long-line", { peerCommand: fixture("no-resync") });
    expect(command).toBe(`sumnet run ${file} --peer-command 'node test/fixtures/faulty-peers/no-resync.mjs'`);
    const text = await readFile(file, "utf8");
    expect(text).toContain(`# shrunk ${outcome.from.steps} steps and 8 nodes to ${outcome.to.steps} step`);
    expect(validateScenario(parse(text)).steps).toHaveLength(outcome.to.steps);
  });
});

describe("shrinking a race", { timeout: 240_000 }, () => {
  it("shrinks a loss that needs concurrent POSTs from the scenario as written, its load aimed at the node that lost", async () => {
    // The load spreads its POSTs over all four nodes: a rerun as written may lose at other nodes than the first run.
    const racy = validateScenario({
      name: "racy",
      seed: 3,
      topology: { type: "line", nodes: 4 },
      defaults: { expectTimeout: "2s" },
      steps: [
        { inject: { at: "n3", values: [5] } },
        { load: { rate: 300, duration: "1s", concurrency: 8 } },
        { sleep: "300ms" },
        { expect: {} },
      ],
    });
    const runtime = new LocalRuntime({ peerCommand: fixture("lost-concurrent") });
    const result = await runScenario(racy, { runtime, keepLogs: "never", lateGraceMs: 1000 });
    expect(result.status).toBe("failed");
    const lost = result.failingNodes.filter((n) => n.kind === "lost").map((n) => n.node).sort();
    expect(lost.length).toBeGreaterThan(0);
    const target = lost[0] as string;
    const lines: string[] = [];
    const outcome = await shrinkFailure({ scenario: racy, result }, { runtime, attempts: 2, budgetMs: 150_000, log: (l) => lines.push(l) });
    expect(lines).toContain("  the replay did not fail again (it plays a load's POSTs one at a time); shrinking the scenario as written");
    expect(lines).toContain(`  the scenario as written failed again: its load aimed at ${target}`);
    expect(outcome.reproduced).toBe(true);
    // What is left is the concurrent load at that node and the expect: the other nodes and steps are gone.
    const kinds = outcome.scenario.steps.map((s) => Object.keys(s)[0]);
    expect(kinds).toContain("load");
    expect(kinds.at(-1)).toBe("expect");
    const load = outcome.scenario.steps.find((s) => "load" in s) as { load: { at?: unknown } };
    expect(load.load.at).toBe(target);
    expect(outcome.to.steps).toBeLessThan(outcome.from.steps);
    expect(outcome.to.nodes).toBeLessThan(outcome.from.nodes);
  });
});
