/**
 * The simulator's promise: the same scenario and seed give byte-identical results and node logs, a nemesis under
 * load included; another seed gives another run. Through the runner, as `sumnet run --runtime sim` plays it.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../../runner/run-scenario.js";
import type { ScenarioResult } from "../../runner/result.js";
import { SimRuntime } from "./sim-runtime.js";

const scenario = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../scenarios/19-nemesis-load-a.yaml");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-determinism-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One run, with its result as JSON (the folder it wrote left out) and every node log, by file name. */
async function play(name: string, seed?: number): Promise<{ result: ScenarioResult; json: string; logs: Map<string, string> }> {
  const resultsDir = path.join(dir, name);
  const result = await runScenario(scenario, { runtime: new SimRuntime(), resultsDir, keepLogs: "always", seed });
  const logsDir = result.logsDir as string;
  const logs = new Map<string, string>();
  for (const file of (await readdir(logsDir)).sort()) {
    if (file.endsWith(".log")) logs.set(file, await readFile(path.join(logsDir, file), "utf8"));
  }
  const json = JSON.stringify({ ...result, logsDir: undefined }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return { result, json, logs };
}

describe("simulator determinism", () => {
  it("replays a nemesis under load byte for byte from its seed, and another seed is another run", async () => {
    const first = await play("first");
    const second = await play("second");
    expect(first.result.status, first.result.failure).toBe("passed");
    // The run was not trivial: a load, a nemesis that broke things, and numbers everywhere.
    expect(first.result.loads?.[0]?.acknowledged).toBeGreaterThan(100);
    expect(first.result.steps.find((s) => s.kind === "nemesis")?.notes?.length).toBeGreaterThan(5);
    expect(first.logs.size).toBe(8);
    expect(second.json).toBe(first.json);
    expect([...second.logs.keys()]).toEqual([...first.logs.keys()]);
    for (const [file, text] of first.logs) expect(second.logs.get(file), file).toBe(text);

    const other = await play("other", 12);
    expect(other.result.status, other.result.failure).toBe("passed");
    expect(other.json).not.toBe(first.json);
  });
});
