/**
 * The Gradescope example as Gradescope runs it, against a fake /autograder tree (AUTOGRADER_ROOT): a student's
 * submission folder with a peer and its `command`, a small course, and run_autograder writing results.json, which
 * must be valid by Gradescope's format and carry the course's points. Uses the built CLI (dist/).
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradescopeResultsSchema } from "../../harness/grade/autograder-formats.js";
import { REPO_ROOT, SUMNET_BIN, assertBuilt } from "../../test/support/sumnet-cli.js";

const runAutograder = path.join(REPO_ROOT, "examples/gradescope/run_autograder");
let tmp: string;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-gradescope-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fake /autograder: source/course.yaml, submission/ with the given files, results/ empty. */
async function fakeAutograder(name: string, submission: Record<string, string>): Promise<string> {
  const root = path.join(tmp, name);
  await mkdir(path.join(root, "source"), { recursive: true });
  await mkdir(path.join(root, "submission"), { recursive: true });
  const scenario = path.join(REPO_ROOT, "test/fixtures/grading/scenarios/line-hops.yaml");
  await writeFile(
    path.join(root, "source/course.yaml"),
    `name: lab\nconformance: {points: 2}\nscenarios:\n  - {file: ${JSON.stringify(scenario)}, points: 3, visibility: after_due_date}\n`,
  );
  for (const [file, text] of Object.entries(submission)) await writeFile(path.join(root, "submission", file), text);
  return root;
}

function run(root: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [runAutograder], {
      env: { ...process.env, AUTOGRADER_ROOT: root, SUMNET_BIN, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("examples/gradescope/run_autograder", () => {
  it("grades a student's peer from its submission folder and writes a valid results.json", async () => {
    const root = await fakeAutograder("correct", { command: "node peer.mjs\n" });
    await copyFile(path.join(REPO_ROOT, "test/fixtures/grading/escaped-bugs.mjs"), path.join(root, "submission/peer.mjs"));
    const { code, output } = await run(root);
    expect(code, output).toBe(0);
    const results = gradescopeResultsSchema.parse(JSON.parse(await readFile(path.join(root, "results/results.json"), "utf8")));
    expect(results.tests.map((t) => [t.name, t.score, t.max_score, t.status, t.visibility])).toEqual([
      ["conformance: the peer contract on one node", 2, 2, "passed", "visible"],
      ["scenario: line-hops", 3, 3, "passed", "after_due_date"],
    ]);
    expect(results.score).toBe(5);
  });

  it("gives 0 with what to do when the submission has no command file", async () => {
    const root = await fakeAutograder("no-command", { "peer.py": "print('hi')\n" });
    const { code } = await run(root);
    expect(code).toBe(0);
    const results = JSON.parse(await readFile(path.join(root, "results/results.json"), "utf8")) as { score: number; output: string };
    expect(results.score).toBe(0);
    expect(results.output).toMatch(/No file named `command` in your submission/);
  });
});
