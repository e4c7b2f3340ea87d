/**
 * runScenario as a library: the example for users who put sumnet scenarios into their own vitest suites.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../index.js";
import { referencePeerScript } from "../runtime/local/reference-peer.js";
import { ScenarioError } from "../scenario/load.js";
import type { RunObserver } from "./result.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let results: string;

beforeAll(async () => {
  if (!existsSync(referencePeerScript())) throw new Error(`${referencePeerScript()} is missing: run npm run build`);
  results = await mkdtemp(path.join(os.tmpdir(), "sumnet-results-"));
});
afterAll(async () => {
  await rm(results, { recursive: true, force: true });
});

describe("runScenario", () => {
  it("refuses a network bigger than its runtime takes, before starting anything, and names the runtime that does", async () => {
    const result = await runScenario({ name: "too big", topology: { type: "ring", nodes: 501 }, steps: [{ expect: {} }] });
    expect(result.status).toBe("failed");
    expect(result.failure).toBe(
      "the network did not start: the scenario has 501 nodes, and the local runtime runs at most 500; --runtime sim simulates up to 100,000 reference peers",
    );
    expect(result.steps.map((s) => s.status)).toEqual(["failed", "skipped"]);
  });

  it("runs a scenario file from the library and reports every step (example for your own suites)", async () => {
    const result = await runScenario(path.join(root, "scenarios/01-line-basic.yaml"));
    expect(result.failure).toBeUndefined();
    expect(result.status).toBe("passed");
    expect(result.steps.map((s) => [s.kind, s.status])).toEqual([
      ["start", "passed"],
      ["inject", "passed"],
      ["inject", "passed"],
      ["expect", "passed"],
      ["inject", "passed"],
      ["expect", "passed"],
    ]);
    const expectStep = result.steps[3];
    expect(expectStep?.checks?.every((c) => c.ok && c.reported === "16" && c.reportedCount === 4)).toBe(true);
    expect(expectStep?.timeline?.at(-1)).toMatchObject({ agreeing: 5, of: 5 });
    expect(result.logsDir).toBeUndefined(); // logs are kept for failures only
  });

  it("runs a scenario object, tells observers about each step, and keeps logs and result.json of a failure", async () => {
    const events: string[] = [];
    const observer: RunObserver = {
      networkStarted: (net) => events.push(`network ${net.snapshot().nodes.length}`),
      stepEnd: (s) => events.push(`${s.kind} ${s.status}`),
      scenarioEnd: (r) => events.push(`end ${r.status}`),
    };
    const result = await runScenario(
      {
        name: "neighbours-only-fails",
        topology: { type: "line", nodes: 3 },
        defaults: { expectTimeout: "1s" },
        steps: [{ inject: { at: "n1", values: [2] } }, { expect: { nodes: ["n1", "n2"] } }, { expect: {} }, { sleep: 10 }],
      },
      {
        observer,
        resultsDir: results,
        lateGraceMs: 1000,
        peerCommand: `${process.execPath} ${path.join(root, "test/fixtures/faulty-peers/neighbours-only.mjs")}`,
      },
    );
    expect(result.status).toBe("failed");
    expect(result.failure).toMatch(
      /^step 3 \(expect every node to agree\): 1 of 3 nodes did not report the expected total within 1\.0 s:\nn3 reports 0, expected 2 \(waited 1\.\d s; missing 1 number injected at n1 in step 1\); 1 s later it still did not$/,
    );
    expect(events).toEqual([
      "start passed",
      "network 3",
      "inject passed",
      "expect passed",
      "expect failed",
      "sleep skipped",
      "end failed",
    ]);
    expect(result.logsDir).toBe(path.join(results, "neighbours-only-fails"));
    expect((await readdir(result.logsDir as string)).sort()).toEqual(["n1.log", "n2.log", "n3.log", "replay.yaml", "result.json"]);
    expect(await readFile(path.join(result.logsDir as string, "n2.log"), "utf8")).toMatch(/link up peer=n1/);
    const saved = JSON.parse(await readFile(path.join(result.logsDir as string, "result.json"), "utf8"));
    expect(saved).toMatchObject({ name: "neighbours-only-fails", status: "failed" });
    expect(result.failingNodes).toEqual([expect.objectContaining({ node: "n3", kind: "lost", expected: "2", reported: "0" })]);
    // What happened, as a plain scenario: it plays again and fails the same way.
    const again = await runScenario(path.join(result.logsDir as string, "replay.yaml"), {
      keepLogs: "never",
      lateGraceMs: 0,
      peerCommand: `${process.execPath} ${path.join(root, "test/fixtures/faulty-peers/neighbours-only.mjs")}`,
    });
    expect(again.failingNodes).toEqual([expect.objectContaining({ node: "n3", kind: "lost" })]);
  });

  it("rejects invalid scenarios with located problems instead of running them", async () => {
    await expect(runScenario({ name: "bad", topology: { type: "line", nodes: 2 }, steps: [{ kill: "n9" }] })).rejects.toThrow(
      ScenarioError,
    );
    await expect(
      runScenario({ name: "bad-sum", topology: { type: "line", nodes: 2 }, steps: [{ inject: { at: "n1", values: [2] } }, { expect: { total: 3 } }] }),
    ).rejects.toThrow("<object> steps[1].expect.total: expected 2 here (what the scenario injected reaches n1 as 2), got 3");
  });

  it("fails cleanly when the peer command cannot start", async () => {
    const result = await runScenario(
      { name: "no-peer", topology: { type: "line", nodes: 1 }, steps: [{ expect: {} }] },
      { peerCommand: "/nonexistent/peer", keepLogs: "never" },
    );
    expect(result.status).toBe("failed");
    expect(result.failure).toMatch(/^the network did not start: n1 exited before it was healthy/);
    expect(result.steps.map((s) => s.status)).toEqual(["failed", "skipped"]);
  });
});
