/**
 * `sumnet grade --image ... --runtime swarm`: the Python example's image passes mixed with reference peers (both
 * images run as swarm services), and a memory hog is held to the sandbox's memory limit by the swarm task's limits;
 * the grader reports it, and nothing is left behind. Needs a Docker engine in a swarm: skipped with a printed reason
 * without one, failing when REQUIRE_DOCKER=1.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { swarmGate } from "../../test/docker/docker-gate.js";
import { buildHostileImages, buildPythonPeerImage, type HostileBehaviour } from "../../test/fixtures/hostile/images.js";
import { REPO_ROOT, assertBuilt, runSumnet } from "../../test/support/sumnet-cli.js";
import { dockerClient } from "../runtime/docker/engine.js";
import { findLeftovers } from "../runtime/docker/leftovers.js";
import { gradeReportSchema, type GradeReport } from "./report.js";

const gate = await swarmGate("grading on swarm");
const pair = path.join(REPO_ROOT, "test/fixtures/grading/pair/pair.yaml");
const killRestart = path.join(REPO_ROOT, "test/fixtures/grading/scenarios/kill-restart.yaml");

async function readReport(dir: string): Promise<GradeReport> {
  return gradeReportSchema.parse(JSON.parse(await readFile(path.join(dir, "report.json"), "utf8")));
}

describe.skipIf(!gate.available)("sumnet grade --image --runtime swarm", () => {
  let tmp: string;
  let pythonImage: string;
  let hostile: Record<HostileBehaviour, string>;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-grade-swarm-"));
    pythonImage = await buildPythonPeerImage();
    hostile = await buildHostileImages();
  }, 300_000);

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("passes the Python example's image, mixed with the reference image, as swarm services", async () => {
    const out = path.join(tmp, "python-mix");
    const run = await runSumnet(["grade", "--image", pythonImage, "--runtime", "swarm", "--scenarios", pair, "--scenarios", killRestart, "--mix", "reference", "--out", out, "--health-timeout", "30"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // What the sandbox asks and a swarm task cannot take is named, not dropped in silence.
    expect(run.stdout).toMatch(/warning: a swarm task cannot take security options \(no-new-privileges\), a swap limit/);
    const report = await readReport(out);
    expect(report.runtime).toBe("swarm");
    expect(report.conformance.passed).toBe(true);
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
      ["pair", "pass"],
      ["kill-restart", "pass"],
    ]);
    expect(report.scenarios[0]?.referenceNodes).toEqual(["n2"]);
    expect((await findLeftovers(await dockerClient())).filter((l) => !l.ownerAlive && (l.network === "pair" || l.network === "kill-restart"))).toEqual([]);
  }, 420_000);

  it("holds a memory hog to the sandbox's memory limit: the grader reports it killed and goes on", async () => {
    const out = path.join(tmp, "memory-hog");
    const run = await runSumnet(["grade", "--image", hostile["memory-hog"], "--runtime", "swarm", "--scenarios", pair, "--out", out, "--memory", "64", "--cpus", "0.25", "--health-timeout", "30", "--shrink-budget", "0"]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const report = await readReport(out);
    const [scenario] = report.scenarios;
    expect(scenario?.status).toBe("fail");
    expect(scenario?.failingNodes[0]?.exit).toMatchObject({ code: 137, signal: "SIGKILL" });
    expect(scenario?.failingNodes[0]?.logTail).toContain("memory hog: allocating without end");
    expect((await findLeftovers(await dockerClient())).filter((l) => !l.ownerAlive && l.network === "pair")).toEqual([]);
  }, 420_000);
});
