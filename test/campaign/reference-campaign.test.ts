/**
 * A small campaign of the reference peer on every change (issue 14): the same nemesis scenario with load under ten
 * seeds (ten topologies, value sets and fault schedules). Every run must pass: no number lost, none counted twice.
 * A failing seed is printed with its replay, which reproduces it: `sumnet run <results>/replay.yaml`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../../harness/runner/run-scenario.js";

const SCENARIO = path.join(path.dirname(fileURLToPath(import.meta.url)), "small-nemesis.yaml");
const SEEDS = Array.from({ length: 10 }, (_, i) => 1000 + i);
let results: string;

beforeAll(async () => {
  results = await mkdtemp(path.join(os.tmpdir(), "sumnet-campaign-"));
});
afterAll(async () => {
  await rm(results, { recursive: true, force: true });
});

describe("campaign: the reference peer under load and a nemesis", () => {
  it(`passes ${SEEDS.length} seeds`, { timeout: 600_000 }, async () => {
    const failed: string[] = [];
    let acknowledged = 0;
    for (const seed of SEEDS) {
      const r = await runScenario(SCENARIO, { seed, resultsDir: path.join(results, String(seed)), lateGraceMs: 5000 });
      acknowledged += (r.loads ?? []).reduce((n, l) => n + l.acknowledged, 0);
      if (r.status !== "passed") failed.push(`seed ${seed}: ${r.failure} (replay: ${r.logsDir}/replay.yaml)`);
    }
    expect(failed, failed.join("\n")).toEqual([]);
    // The load really ran: every seed acknowledged numbers while faults were drawn.
    expect(acknowledged).toBeGreaterThan(SEEDS.length * 100);
  });
});
