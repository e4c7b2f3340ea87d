/**
 * Seeds that the simulator's campaigns (`sumnet explore --runtime sim --nemesis-under-load`) found failing, replayed on
 * the simulator on every change: each generated scenario must pass, at a cost per number of its kind.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateScenario } from "../../harness/campaign/generate.js";
import { runScenario } from "../../harness/runner/run-scenario.js";
import { SimRuntime } from "../../harness/runtime/sim/sim-runtime.js";

let results: string;
beforeAll(async () => {
  results = await mkdtemp(path.join(os.tmpdir(), "sumnet-sim-seeds-"));
});
afterAll(async () => {
  await rm(results, { recursive: true, force: true });
});

describe("seeds the simulator's campaigns found", () => {
  it("93998: depths that chase each other round a cycle of eager links are paced, not sent as fast as they change", { timeout: 120_000 }, async () => {
    // A full mesh of 6 under four nemeses and three loads: with the links' few ms, depth/1's `depth` messages went round
    // a cycle of eager links (16, 18, 21, 16, ...), 3.6 million within 5 ms of virtual time, until the simulator ran out
    // of memory (the code before 2026-12-06 20:40 UTC does that here, and takes the test's worker down with it).
    const scenario = generateScenario(93998, { nemesisUnderLoad: true });
    const r = await runScenario(scenario, { runtime: new SimRuntime(), resultsDir: path.join(results, "93998"), seed: 93998 });
    expect(r.status, r.failure).toBe("passed");
    expect(r.efficiency?.numbers).toBeGreaterThan(600);
    // 4.2 frames per number when the depths are paced.
    expect(r.efficiency?.framesPerNumber).toBeLessThan(20);
  });

  it("113397: what a node sent as it left, late on a slow and lossy link, may still be counted after an expect", { timeout: 120_000 }, async () => {
    // A ring of 7 under load and nemeses; shrunk: n3 adds 110, links get 88 ms of delay and 8% loss, n3 leaves, and an
    // expect sees n2 at 0; n3's push then arrives, and the checker (before 2026-12-06 23:40 UTC) held n2 to 0 ever after.
    const scenario = generateScenario(113397, { nemesisUnderLoad: true });
    const r = await runScenario(scenario, { runtime: new SimRuntime(), resultsDir: path.join(results, "113397"), seed: 113397 });
    expect(r.status, r.failure).toBe("passed");
  });

  it("116565: a load's POST answered by a node that is joining counts as the joined node's", { timeout: 120_000 }, async () => {
    // j1 joins under a load; the load sent it POSTs as soon as the network ran it, before the model knew j1, and the
    // model took the three numbers j1 acknowledged then for numbers of a node that does not exist: j1 "held numbers that
    // cannot be in its part of the network" (the runner before 2026-12-07 01:05 UTC).
    const scenario = generateScenario(116565, { nemesisUnderLoad: true });
    const r = await runScenario(scenario, { runtime: new SimRuntime(), resultsDir: path.join(results, "116565"), seed: 116565 });
    expect(r.status, r.failure).toBe("passed");
  });
});
