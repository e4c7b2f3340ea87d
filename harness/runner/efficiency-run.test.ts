/**
 * Efficiency figures of real runs: exact for peers that name identities and expose digests (the reference peer, the
 * Python example), approximate for a correct peer that does neither; shown by every reporter; switched off on request.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScenario } from "../index.js";
import { ConsoleReporter } from "../reporters/console-reporter.js";
import { junitXml } from "../reporters/junit-reporter.js";
import { renderResultsPage } from "../reporters/results-page.js";
import { quoteWord } from "../runtime/local/command-line.js";
import { referencePeerScript } from "../runtime/local/reference-peer.js";
import type { ScenarioResult } from "./result.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const countingPeer = `${quoteWord(process.execPath)} ${quoteWord(path.join(root, "test/fixtures/efficiency/counting-peer.mjs"))}`;
const pythonPeer = `python3 ${quoteWord(path.join(root, "examples/python-peer/peer.py"))}`;
const hasPython = ((): boolean => {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const scenario = {
  name: "efficiency-under-load",
  topology: { type: "line", nodes: 4 },
  steps: [
    { load: { rate: 150, duration: "1s", concurrency: 2 } },
    { expect: { timeout: "15s" } },
    { inject: { at: "n1", values: [1, 2, 3] } },
    { expect: {} },
  ],
};

function checkFigures(r: ScenarioResult): void {
  expect(r.failure).toBeUndefined();
  const e = r.efficiency;
  expect(e).toBeDefined();
  if (!e) return;
  const loaded = r.loads?.[0]?.acknowledged ?? 0;
  expect(loaded).toBeGreaterThan(0);
  expect(e.numbers).toBe(loaded + 3);
  expect(e.bytes).toBeGreaterThan(0);
  expect(e.bytesPerNumber).toBeGreaterThan(0);
  expect(e.latency?.measured).toBe(e.numbers);
  expect(e.latency?.notStable).toBe(0);
  const l = e.latency!;
  expect(l.p50Ms).toBeGreaterThanOrEqual(0);
  expect(l.p50Ms).toBeLessThanOrEqual(l.p95Ms);
  expect(l.p95Ms).toBeLessThanOrEqual(l.maxMs);
  expect(e.samples).toBeGreaterThan(0);
  expect(e.latencyHistogram.reduce((n, b) => n + b.count, 0)).toBe(e.numbers);
  // Per window: the load's numbers, then the expect windows that split the run.
  expect(r.steps[1]?.efficiency).toMatchObject({ kind: "load", numbers: loaded });
  expect(r.steps[2]?.efficiency).toMatchObject({ kind: "expect", numbers: loaded });
  expect(r.steps[4]?.efficiency).toMatchObject({ kind: "expect", numbers: 3 });
  expect(r.steps[4]?.efficiency?.latency?.measured).toBe(3);
}

describe("efficiency of a run", () => {
  it("is exact for the reference peer, frames included, and every reporter shows it", async () => {
    expect(existsSync(referencePeerScript()), "run npm run build first").toBe(true);
    const r = await runScenario(scenario, { keepLogs: "never" });
    checkFigures(r);
    const e = r.efficiency!;
    expect(e.precision).toBe("exact");
    expect(e.approximateBecause).toBeUndefined();
    expect(e.frames).toBeGreaterThan(0);
    expect(e.framesPerNumber).toBeGreaterThan(0);
    expect(r.steps.filter((s) => s.efficiency).every((s) => s.efficiency?.precision === "exact")).toBe(true);

    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    new ConsoleReporter({ stream: out, color: false }).scenarioEnd(r);
    expect(text).toMatch(new RegExp(`efficiency: ${e.numbers.toLocaleString("en-US")} numbers, [0-9.]+ frames/number \\(0x04-framed\\), .*stable latency p50 [\\d,]+ / p95 [\\d,]+ / max [\\d,]+ ms \\(exact\\)`));
    const xml = junitXml([r], { total: 1, passed: 1, failed: 0, durationMs: r.durationMs });
    expect(xml).toContain('<property name="efficiency.precision" value="exact"/>');
    expect(xml).toContain(`<property name="efficiency.numbers" value="${e.numbers}"/>`);
    const page = renderResultsPage(r);
    expect(page).toContain("<h3>Efficiency</h3>");
    expect(page).toContain('class="bar"');
    expect(page).toMatch(/traffic over every link: [0-9,]+ bytes/);
    expect(JSON.parse(JSON.stringify(r)).efficiency.latency.p95Ms).toBe(e.latency?.p95Ms);
  }, 60_000);

  it("is approximate, by counts, for a correct peer without GET /state and without identities", async () => {
    const r = await runScenario(scenario, { keepLogs: "never", peerCommand: countingPeer });
    checkFigures(r);
    expect(r.efficiency?.precision).toBe("approximate");
    expect(r.efficiency?.approximateBecause).toMatch(/had no identity in the POST answer.*gave no digest/);
    expect(r.steps[4]?.efficiency?.precision).toBe("approximate");
  }, 60_000);

  it.skipIf(!hasPython)("is exact for the Python example peer, which names identities and gives digests", async () => {
    const r = await runScenario(scenario, { keepLogs: "never", peerCommand: pythonPeer });
    checkFigures(r);
    expect(r.efficiency?.precision).toBe("exact");
  }, 60_000);

  it("can be switched off", async () => {
    const r = await runScenario(
      { name: "no-sampler", topology: { type: "line", nodes: 2 }, steps: [{ inject: { at: "n1", values: [5] } }, { expect: { total: "5" } }] },
      { keepLogs: "never", efficiency: false },
    );
    expect(r.failure).toBeUndefined();
    expect(r.efficiency).toBeUndefined();
    expect(r.steps.some((s) => s.efficiency)).toBe(false);
  }, 60_000);
});
