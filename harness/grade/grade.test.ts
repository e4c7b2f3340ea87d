/**
 * `sumnet grade` as users run it (the built CLI, real peer processes on the local runtime): the Python example
 * passes, alone and mixed with reference peers; each deliberately faulty peer fails the scenario that exposes its
 * bug, with a message that says what is wrong; batch grading writes a summary. Scenarios are the small grading set
 * in test/fixtures/grading (expect timeouts of 10 s: a faulty peer costs about that per scenario).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradeReportSchema, type GradeReport } from "./report.js";
import { REPO_ROOT, assertBuilt, runSumnet } from "../../test/support/sumnet-cli.js";

const root = REPO_ROOT;
const sumnet = runSumnet;
const scenarios = path.join(root, "test/fixtures/grading/scenarios");
const pythonPeer = `python3 ${path.join(root, "examples/python-peer/peer.py")}`;
const faulty = (name: string): string => `node ${path.join(root, "test/fixtures/faulty-peers", `${name}.mjs`)}`;
let tmp: string;
/**
 * A faulty peer's grade waits out each failing expect, then the checker's late-or-lost grace (30 s), and conformance's
 * restart checks wait up to 10 s each for two linked nodes that never agree.
 */
const FAULTY_PEER_TIMEOUT_MS = 180_000;
// Grades of faulty peers here pass --shrink-budget 0: shrinking has its own tests (grade-feedback.test.ts).


async function readReport(dir: string): Promise<GradeReport> {
  return gradeReportSchema.parse(JSON.parse(await readFile(path.join(dir, "report.json"), "utf8")));
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-grade-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("sumnet grade --peer-command", () => {
  it("passes the Python example: conformance, every scenario, full score, reports in Markdown and JSON", async () => {
    const out = path.join(tmp, "python");
    const run = await sumnet(["grade", "--peer-command", pythonPeer, "--scenarios", scenarios, "--out", out]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("PASSED");
    const report = await readReport(out);
    expect(report.passed).toBe(true);
    expect(report.conformance.passed).toBe(true);
    expect(report.scenarios.map((s) => [s.name, s.status, s.weight])).toEqual([
      ["kill-restart", "pass", 1],
      ["line-hops", "pass", 1],
      ["partition-heal", "pass", 2],
      ["restart-datadir", "pass", 1],
      ["ring-paths", "pass", 1],
    ]);
    expect(report.score).toEqual({ earned: 6, possible: 6, percent: 100 });
    for (const s of report.scenarios) expect(s.convergenceMs).not.toBeNull();
    const markdown = await readFile(path.join(out, "report.md"), "utf8");
    expect(markdown).toContain("**PASSED**, score **6/6 (100%)**");
    expect(markdown).toContain("| partition-heal | 2 | PASS |");
  });

  it("passes the Python example mixed with reference peers (it speaks sumnet/1)", async () => {
    const out = path.join(tmp, "python-mix");
    const run = await sumnet([
      "grade",
      "--peer-command",
      pythonPeer,
      "--scenarios",
      path.join(scenarios, "line-hops.yaml"),
      "--scenarios",
      path.join(scenarios, "partition-heal.yaml"),
      "--mix",
      "reference",
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = await readReport(out);
    expect(report.mix).toBe("reference");
    expect(report.scenarios.map((s) => [s.name, s.status, s.referenceNodes])).toEqual([
      ["line-hops", "pass", ["n2", "n4"]],
      ["partition-heal", "pass", ["n2", "n4"]],
    ]);
  });

  it("fails a peer that does not speak sumnet/1 in a mixed network, and says which nodes lack what", async () => {
    // The faulty fixtures speak their own line protocol: next to reference peers nothing crosses a link.
    const out = path.join(tmp, "fixture-mix");
    const run = await sumnet([
      "grade",
      "--shrink-budget",
      "0",
      "--peer-command",
      faulty("no-resync"),
      "--scenarios",
      path.join(scenarios, "line-hops.yaml"),
      "--mix",
      "reference",
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const [scenario] = (await readReport(out)).scenarios;
    expect(scenario?.status).toBe("fail");
    expect(scenario?.message).toMatch(/n1 reports 3, expected -99999999999999999999999999997 .*missing 1 number injected at n4/);
  }, FAULTY_PEER_TIMEOUT_MS);

  it("fails the neighbours-only peer: numbers do not travel more than one hop", async () => {
    const out = path.join(tmp, "neighbours-only");
    const run = await sumnet([
      "grade",
      "--shrink-budget",
      "0",
      "--peer-command",
      faulty("neighbours-only"),
      "--scenarios",
      path.join(scenarios, "line-hops.yaml"),
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const report = await readReport(out);
    expect(report.passed).toBe(false);
    const [scenario] = report.scenarios;
    expect(scenario?.status).toBe("fail");
    // n2 hears n1 directly but not n4, two hops away.
    expect(scenario?.message).toMatch(/n2 reports 3, expected .*missing 1 number injected at n4/);
    const n2 = scenario?.failingNodes.find((n) => n.node === "n2");
    expect(n2?.reason).toMatch(/^reports 3, expected/);
    expect(n2?.logTail).toContain("n2 started");
    expect(await readFile(path.join(out, "report.md"), "utf8")).toMatch(/#### n2: reports 3, expected/);
    expect(report.score).toEqual({ earned: 0, possible: 1, percent: 0 });
  }, FAULTY_PEER_TIMEOUT_MS);

  it("fails the double-count peer: a number that arrives by two paths is counted twice", async () => {
    const out = path.join(tmp, "double-count");
    const run = await sumnet([
      "grade",
      "--shrink-budget",
      "0",
      "--peer-command",
      faulty("double-count"),
      "--scenarios",
      path.join(scenarios, "ring-paths.yaml"),
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const [scenario] = (await readReport(out)).scenarios;
    expect(scenario?.status).toBe("fail");
    expect(scenario?.message).toMatch(/reports 24, expected 12 .*counted twice\?/);
  }, FAULTY_PEER_TIMEOUT_MS);

  it("fails a peer without DATA_DIR support: after a kill it comes back empty", async () => {
    const out = path.join(tmp, "no-data-dir");
    const run = await sumnet([
      "grade",
      "--shrink-budget",
      "0",
      "--peer-command",
      faulty("no-resync"),
      "--scenarios",
      path.join(scenarios, "restart-datadir.yaml"),
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const [scenario] = (await readReport(out)).scenarios;
    expect(scenario?.message).toMatch(/^step 6 \(expect n2 to agree\): 1 of 1 node did not report the expected total/);
    expect(scenario?.message).toMatch(/n2 reports 0, expected 12345678901234567890123456794 .*missing 2 numbers injected at n1 in step \d+ and at n2 in step \d+/);
  }, FAULTY_PEER_TIMEOUT_MS);

  it("fails the no-resync peer: after a partition heals the sides never catch up", async () => {
    const out = path.join(tmp, "no-resync");
    const run = await sumnet([
      "grade",
      "--shrink-budget",
      "0",
      "--peer-command",
      faulty("no-resync"),
      "--scenarios",
      path.join(scenarios, "partition-heal.yaml"),
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const [scenario] = (await readReport(out)).scenarios;
    expect(scenario?.status).toBe("fail");
    // The first two expects pass; the one after the heal fails.
    expect(scenario?.message).toMatch(/^step 8 \(.*\): 4 of 4 nodes did not report the expected total/);
    expect(scenario?.message).toMatch(/n1 reports 11, expected 31 .*missing 1 number injected at n4/);
  }, FAULTY_PEER_TIMEOUT_MS);

  it("explains usage errors with exit 2", async () => {
    const none = await sumnet(["grade"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("give exactly one of --peer-command CMD, --image IMG or --submissions DIR");
    const two = await sumnet(["grade", "--peer-command", "x", "--image", "y"]);
    expect(two.code).toBe(2);
    const mix = await sumnet(["grade", "--peer-command", "x", "--mix", "everything"]);
    expect(mix.code).toBe(2);
    expect(mix.stderr).toContain('--mix accepts only "reference"');
    const help = await sumnet(["grade", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: sumnet grade");
  });
});

describe("sumnet grade --submissions", () => {
  it("grades every folder submission into a summary table (Markdown and CSV) and a report each", async () => {
    const dir = path.join(tmp, "submissions");
    await mkdir(path.join(dir, "alice"), { recursive: true });
    await mkdir(path.join(dir, "bob"), { recursive: true });
    // alice submits the Python example, run inside her folder; bob submits the neighbours-only peer.
    await writeFile(path.join(dir, "alice", "peer.py"), await readFile(path.join(root, "examples/python-peer/peer.py")));
    await writeFile(path.join(dir, "alice", "command"), "python3 peer.py\n");
    await writeFile(path.join(dir, "bob", "command"), `${faulty("neighbours-only")}\n`);
    const out = path.join(tmp, "batch");
    const run = await sumnet([
      "grade",
      "--submissions",
      dir,
      "--scenarios",
      path.join(scenarios, "line-hops.yaml"),
      "--shrink-budget",
      "0",
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain("1 of 2 submissions pass everything.");
    const csv = (await readFile(path.join(out, "summary.csv"), "utf8")).trim().split("\n");
    expect(csv[0]).toBe(
      "submission,implementation,passed,earned,possible,percent,conformance,scenarios_passed,scenarios,notes,failed_scenarios,bug_classes,report",
    );
    expect(csv[1]).toBe("alice,alice/command: python3 peer.py,true,1,1,100,pass,1,1,,,,alice/report.md");
    // Notes list failed conformance checks (if any) and failed scenarios; CSV quotes fields with commas.
    expect(csv[2]).toMatch(/^bob,bob\/command: node .*neighbours-only\.mjs,false,0,1,0,(pass|fail),0,1,"?[^"]*line-hops \(fail\)"?,line-hops,[^,]+,bob\/report\.md$/);
    const markdown = await readFile(path.join(out, "summary.md"), "utf8");
    expect(markdown).toContain("| alice | PASS | 1/1 (100%) | PASS | 1/1 |");
    expect((await readReport(path.join(out, "bob"))).scenarios[0]?.status).toBe("fail");
  }, FAULTY_PEER_TIMEOUT_MS);
});
