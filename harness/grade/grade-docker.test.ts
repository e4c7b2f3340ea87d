/**
 * `sumnet grade --image` on the docker runtime, every container sandboxed: the Python example's image passes (alone
 * and mixed with reference peers); hostile images (memory hog, process ignoring SIGTERM, log flood, fork bomb, a
 * peer that hangs) are contained, the grader survives each and reports it as a failure with the reason; nothing is
 * left behind. Small scenario (two nodes) and small limits keep it cheap on 2 cores.
 * Needs a Docker engine: skipped with a printed reason without one, unless REQUIRE_DOCKER=1.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate } from "../../test/docker/docker-gate.js";
import { buildHostileImages, buildPythonPeerImage, type HostileBehaviour } from "../../test/fixtures/hostile/images.js";
import { cannotMount } from "../runtime/docker/data-dir.js";
import { LABEL_PID } from "../runtime/docker/index.js";
import { gradeReportSchema, type GradeReport } from "./report.js";
import { REPO_ROOT, assertBuilt, runSumnet } from "../../test/support/sumnet-cli.js";

const gate = await dockerGate("grading on docker");

const root = REPO_ROOT;
const sumnet = runSumnet;
const pair = path.join(root, "test/fixtures/grading/pair/pair.yaml");
const killRestart = path.join(root, "test/fixtures/grading/scenarios/kill-restart.yaml");
const restartDataDir = path.join(root, "test/fixtures/grading/scenarios/restart-datadir.yaml");


async function readReport(dir: string): Promise<GradeReport> {
  return gradeReportSchema.parse(JSON.parse(await readFile(path.join(dir, "report.json"), "utf8")));
}

describe.skipIf(!gate.available)("sumnet grade --image (sandboxed docker runtime)", () => {
  const docker = new Docker();
  let tmp: string;
  let pythonImage: string;
  let hostile: Record<HostileBehaviour, string>;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-grade-docker-"));
    pythonImage = await buildPythonPeerImage();
    hostile = await buildHostileImages();
  }, 300_000);

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** Containers (of any image) that a grading run started and left behind: labelled with its process id. */
  async function leftoversOf(pid: number | undefined): Promise<number> {
    if (pid === undefined) throw new Error("the sumnet process did not start");
    return (await docker.listContainers({ all: true, filters: { label: [`${LABEL_PID}=${pid}`] } })).length;
  }

  it("passes the Python example's image", async () => {
    const out = path.join(tmp, "python");
    const run = await sumnet(["grade", "--image", pythonImage, "--scenarios", pair, "--scenarios", killRestart, "--out", out, "--health-timeout", "30"]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = await readReport(out);
    expect(report.runtime).toBe("docker");
    expect(report.sandbox).toMatch(/^capabilities dropped, no-new-privileges, read-only root filesystem/);
    expect(report.conformance.passed).toBe(true);
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
      ["pair", "pass"],
      ["kill-restart", "pass"],
    ]);
    expect(await leftoversOf(run.pid)).toBe(0);
  }, 240_000);

  it("passes the Python example's image mixed with the reference image", async () => {
    const out = path.join(tmp, "python-mix");
    const run = await sumnet(["grade", "--image", pythonImage, "--scenarios", pair, "--mix", "reference", "--out", out]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [scenario] = (await readReport(out)).scenarios;
    expect(scenario?.status).toBe("pass");
    expect(scenario?.referenceNodes).toEqual(["n2"]);
  }, 300_000);

  it("grades submissions named in images.txt into a summary", async () => {
    const dir = path.join(tmp, "image-submissions");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "images.txt"), `# name image\npy ${pythonImage}\nghost no-such/peer-image:1\n`);
    const out = path.join(tmp, "image-batch");
    const run = await sumnet(["grade", "--submissions", dir, "--scenarios", pair, "--out", out]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const csv = (await readFile(path.join(out, "summary.csv"), "utf8")).trim().split("\n");
    expect(csv[1]).toBe(`py,${pythonImage},true,1,1,100,pass,1,1,,,,py/report.md`);
    expect(csv[2]).toMatch(/^ghost,no-such\/peer-image:1,false,0,1,0,fail,0,1,conformance: health; pair \(skipped\),pair,conformance: starts and answers GET \/health,ghost\/report\.md$/);
    const ghost = await readReport(path.join(out, "ghost"));
    expect(ghost.conformance.checks[0]?.message).toMatch(/^the peer could not start/);
  }, 300_000);

  async function gradeHostile(behaviour: HostileBehaviour, extra: string[] = [], scenario = pair): Promise<GradeReport> {
    const out = path.join(tmp, behaviour);
    // A quarter of a core each: hostile containers must not starve the rest of a shared 2-core machine.
    // No shrinking: a crash of a hostile image shrinks to "start it", at the price of more containers.
    const run = await sumnet(["grade", "--image", hostile[behaviour], "--scenarios", scenario, "--out", out, "--cpus", "0.25", "--health-timeout", "30", "--shrink-budget", "0", ...extra]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain("FAILED");
    const report = await readReport(out);
    expect(report.passed).toBe(false);
    expect(await leftoversOf(run.pid)).toBe(0);
    return report;
  }

  it("reports a memory hog killed at the memory limit", async () => {
    const report = await gradeHostile("memory-hog", ["--memory", "64"]);
    const [scenario] = report.scenarios;
    expect(scenario?.status).toBe("fail");
    // From the engine's State.OOMKilled flag, not from exit code 137.
    expect(scenario?.failingNodes[0]?.exit).toEqual({ code: 137, signal: "SIGKILL", oomKilled: true });
    expect(scenario?.failingNodes[0]?.reason).toMatch(
      /^is not running: it exited on its own \(code 137, signal SIGKILL\): killed at the sandbox's memory limit of 64 MiB \(the container engine reported it out of memory\)/,
    );
    expect(scenario?.message).toMatch(/killed for exceeding its memory limit \(the container engine reported it out of memory\)[^]*The sandbox's memory limit is 64 MiB per container\./);
    expect(scenario?.failingNodes[0]?.logTail).toContain("memory hog: allocating without end");
  }, 240_000);

  it.skipIf(cannotMount() !== undefined)(`limits DATA_DIR: a disk filler gets ENOSPC at the limit, and the tmpfs goes away (${cannotMount() ?? "root on Linux"})`, async () => {
    // The runtime's DATA_DIR folders go under TMPDIR: a folder of this test's own, to see they are all gone after.
    const dataParent = path.join(tmp, "data-dirs");
    await mkdir(dataParent, { recursive: true });
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = dataParent;
    let report: GradeReport;
    try {
      report = await gradeHostile("disk-filler", ["--data-dir-size", "8"], restartDataDir);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    expect(report.sandbox).toContain("DATA_DIR 8 MiB, ");
    const [scenario] = report.scenarios;
    const n2 = scenario?.failingNodes.find((n) => n.node === "n2");
    expect(n2?.logTail, JSON.stringify(scenario)).toMatch(/disk filler: No space left on device \(errno 28\) after [0-8] MiB/);
    // Unmounted and removed: no tmpfs left under the test's folder.
    const mounts = await readFile("/proc/mounts", "utf8");
    expect(mounts).not.toContain(dataParent);
    expect((await readdir(dataParent)).filter((f) => f.startsWith("sumnet-"))).toEqual([]);
  }, 240_000);

  it("reports a peer that ignores SIGTERM", async () => {
    const report = await gradeHostile("ignore-signals");
    const sigterm = report.conformance.checks.find((c) => c.id === "sigterm");
    expect(sigterm?.status, JSON.stringify(report.conformance.checks)).toBe("fail");
    expect(sigterm?.message).toMatch(/^the peer did not exit within 3 s of SIGTERM and was killed/);
  }, 240_000);

  it("survives a log flood: bounded logs on disk and in the report", async () => {
    const report = await gradeHostile("log-flood");
    const [scenario] = report.scenarios;
    expect(scenario?.status).toBe("fail");
    for (const node of scenario?.failingNodes ?? []) {
      const lines = node.logTail.split("\n");
      expect(lines.length).toBeLessThanOrEqual(31);
      for (const line of lines) expect(line.length).toBeLessThan(400);
    }
    // The engine keeps at most the sandbox's log size (8 MiB) per container; the kept copies are no bigger.
    const logs = path.join(tmp, "log-flood", "scenarios", "pair");
    for (const file of (await readdir(logs)).filter((f) => f.endsWith(".log"))) {
      expect((await stat(path.join(logs, file))).size).toBeLessThanOrEqual(9 * 1024 * 1024);
    }
  }, 240_000);

  it("survives a fork bomb and removes its containers", async () => {
    const report = await gradeHostile("fork-bomb", ["--pids", "32"]);
    expect(report.scenarios[0]?.status).toMatch(/^(fail|timeout)$/);
  }, 240_000);

  it("reports a peer that stops answering", async () => {
    const report = await gradeHostile("hang");
    const failed = report.conformance.checks.filter((c) => c.status === "fail");
    expect(failed.map((c) => c.id)).toContain("total-initial");
    expect(failed.find((c) => c.id === "total-initial")?.message).toBe("GET /total failed: no answer within 5 s.");
    // Unusable peer: scenarios are not run, and say why.
    expect(report.scenarios[0]?.status).toBe("skipped");
    expect(report.scenarios[0]?.message).toMatch(/conformance check could not start the peer or read GET \/total/);
  }, 240_000);
});
