/**
 * A run driven from the page (real peers on the local runtime): the page's actions are carried out as steps, so the
 * checker counts the numbers added by hand, refuses what the network's history does not allow, and the session
 * replays as an ordinary scenario.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../index.js";
import { referencePeerScript } from "../runtime/local/reference-peer.js";
import { validateScenario } from "../scenario/load.js";
import { LiveControl, type LiveAction } from "./live.js";

let results: string;
beforeAll(async () => {
  if (!existsSync(referencePeerScript())) throw new Error(`${referencePeerScript()} is missing: run npm run build`);
  results = await mkdtemp(path.join(os.tmpdir(), "sumnet-live-"));
});
afterAll(async () => {
  await rm(results, { recursive: true, force: true });
});

const scenario = {
  name: "driven",
  topology: { type: "line", nodes: 3 },
  steps: [{ inject: { at: "n1", values: [1] } }, { expect: { timeout: "20s" } }],
};

async function until(condition: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 30_000;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a run driven from the page", { timeout: 120_000 }, () => {
  it("counts numbers added by hand, follows kills, restarts and cuts, refuses what cannot be done, and replays", async () => {
    const live = new LiveControl();
    await live.submit({ kind: "hold" });
    const run = runScenario(scenario, { live, resultsDir: results, lateGraceMs: 0 });
    await until(() => live.isAttached, "the network to start");

    const outcomes = [];
    for (const action of [
      { kind: "inject", node: "n3", values: [5] },
      { kind: "kill", node: "n2" },
      { kind: "inject", node: "n1", values: ["7"] },
      { kind: "start", node: "n3" },
      { kind: "cut", a: "n1", b: "n3" },
      { kind: "start", node: "n2" },
      { kind: "cut", a: "n1", b: "n2" },
      { kind: "inject", node: "n1", values: [100, -50] },
      { kind: "restore", a: "n1", b: "n2" },
      { kind: "pause", node: "n3" },
      { kind: "inject", node: "n3", values: [1] },
      { kind: "resume", node: "n3" },
    ] satisfies LiveAction[]) {
      outcomes.push(await live.submit(action));
    }
    expect(outcomes).toEqual([
      { ok: true, message: "add 5 at n3" },
      { ok: true, message: "kill n2" },
      { ok: true, message: "add 7 at n1" },
      { ok: false, message: "start n3: n3 is running: it can be inject, kill, stop, restart, pause" },
      { ok: false, message: "cut n1-n3: there is no link between n1 and n3" },
      { ok: true, message: "start n2" },
      { ok: true, message: "cut n1-n2" },
      { ok: true, message: "add 100, -50 at n1" },
      { ok: true, message: "restore n1-n2" },
      { ok: true, message: "pause n3" },
      { ok: false, message: "add 1 at n3: n3 is paused: it can be kill, stop, restart, resume" },
      { ok: true, message: "resume n3" },
    ]);
    await live.submit({ kind: "go" });
    const result = await run;

    // The final expect wants 1 + 5 + 7 + 100 - 50 at every node: the checker knew the numbers added by hand.
    expect(result.failure).toBeUndefined();
    expect(result.status).toBe("passed");
    const checks = result.steps.find((s) => s.kind === "expect")?.checks ?? [];
    expect(checks.map((c) => [c.node, c.reported])).toEqual([["n1", "63"], ["n2", "63"], ["n3", "63"]]);
    expect(live.isAttached).toBe(false);
    expect(await live.submit({ kind: "kill", node: "n1" })).toEqual({ ok: false, message: "no scenario is running: there is no network to act on" });

    // The session is the run's replay: every action as a step, and it plays again.
    const session = validateScenario(live.sessionScenario()!);
    const kinds = session.steps.map((s) => Object.keys(s).find((k) => k !== "name")).filter((k) => k !== "sleep");
    expect(kinds).toEqual(["inject", "kill", "inject", "restart", "partition", "inject", "heal", "pause", "resume", "inject", "expect"]);
    expect(result.replay).toEqual(live.sessionScenario());
    const again = await runScenario(session, { resultsDir: results, lateGraceMs: 0 });
    expect(again.failure).toBeUndefined();
  });

  it("after an action from the page, an expect checks the nodes that run now against the model, not the stated total", async () => {
    const live = new LiveControl();
    await live.submit({ kind: "hold" });
    const run = runScenario(
      { name: "stated", topology: { type: "ring", nodes: 3 }, steps: [{ inject: { at: "n1", values: [1] } }, { expect: { total: 1, timeout: "20s" } }] },
      { live, resultsDir: results, lateGraceMs: 0 },
    );
    await until(() => live.isAttached, "the network to start");
    expect(await live.submit({ kind: "stop", node: "n3" })).toEqual({ ok: true, message: "stop n3" });
    expect(await live.submit({ kind: "inject", node: "n2", values: [10] })).toEqual({ ok: true, message: "add 10 at n2" });
    await live.submit({ kind: "go" });
    const result = await run;
    expect(result.failure).toBeUndefined();
    expect(result.steps.find((s) => s.kind === "expect")?.checks?.map((c) => [c.node, c.reported])).toEqual([["n1", "11"], ["n2", "11"]]);
  });
});
