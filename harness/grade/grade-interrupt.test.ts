/**
 * Ctrl-C during `sumnet grade` (the built CLI, real processes): the scenario that was running is marked not run (no
 * blame), the reports and results.json keep every scenario that finished, and the exit code is 130. The slow
 * scenario sleeps 10 minutes: Ctrl-C must cut its wait short, not wait it out.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradescopeResultsSchema } from "./autograder-formats.js";
import { gradeReportSchema } from "./report.js";
import { REPO_ROOT, SUMNET_BIN, assertBuilt } from "../../test/support/sumnet-cli.js";

let tmp: string;
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-interrupt-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("sumnet grade interrupted", () => {
  it("writes the partial report on Ctrl-C and exits 130", async () => {
    const slow = path.join(tmp, "slow.yaml");
    await writeFile(slow, "name: slow\ntopology: {type: line, nodes: 2}\nsteps:\n  - sleep: 10m\n  - expect: {}\n");
    const out = path.join(tmp, "out");
    const child = spawn(
      process.execPath,
      [
        SUMNET_BIN,
        "grade",
        "--peer-command",
        `node ${path.join(REPO_ROOT, "test/fixtures/grading/escaped-bugs.mjs")}`,
        "--scenarios",
        path.join(REPO_ROOT, "test/fixtures/grading/scenarios/line-hops.yaml"),
        "--scenarios",
        slow,
        "--format",
        "gradescope",
        "--out",
        out,
      ],
      { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    let interrupted = false;
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk;
          // line-hops has finished: interrupt during the slow scenario's sleep.
          if (!interrupted && /PASS\s+line-hops/.test(output)) {
            interrupted = true;
            setTimeout(() => child.kill("SIGINT"), 500);
            resolve();
          }
        });
        child.stderr.on("data", (chunk: Buffer) => (output += chunk));
        void exited.then(() => reject(new Error(`grade ended before line-hops passed:\n${output}`)));
      });
      expect(await exited, output).toBe(130);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect(output).toContain("interrupted: the report has every scenario that finished");
    const report = gradeReportSchema.parse(JSON.parse(await readFile(path.join(out, "report.json"), "utf8")));
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
      ["line-hops", "pass"],
      ["slow", "skipped"],
    ]);
    expect(report.scenarios[1]?.message).toBe("not run: grading was interrupted (Ctrl-C) before this scenario finished");
    const results = gradescopeResultsSchema.parse(JSON.parse(await readFile(path.join(out, "results.json"), "utf8")));
    expect(results.tests.slice(1).map((t) => [t.name, t.score, t.max_score])).toEqual([
      ["scenario: line-hops", 1, 1],
      ["scenario: slow", 0, 1],
    ]);
  });
});
