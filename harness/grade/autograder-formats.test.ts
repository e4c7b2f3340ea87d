/**
 * `grade({ format })`: Gradescope's and PrairieLearn's results.json, valid by their schemas, with partial credit, the
 * checker's message, the replay command and the end of the failing node's log; results.json is rewritten as each
 * scenario finishes (a grade killed midway keeps the points of the scenarios that finished). Real processes.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradescopeResultsSchema, prairielearnResultsSchema, type GradescopeResults } from "./autograder-formats.js";
import { grade } from "./grade.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const collision = path.join(root, "test/fixtures/grading/runs/value-collision.yaml");
const lineHops = path.join(root, "test/fixtures/grading/scenarios/line-hops.yaml");
const fixture = path.join(root, "test/fixtures/grading/escaped-bugs.mjs");
const peer = (bug = ""): string => `${bug ? `env BUG=${bug} ` : ""}node ${fixture}`;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-formats-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("grade --format", () => {
  it("writes Gradescope's results.json as each scenario finishes, with feedback a student can replay", async () => {
    const out = path.join(tmp, "gradescope");
    const results = path.join(out, "results.json");
    // Snapshots of results.json while the grade runs.
    const seen: GradescopeResults[] = [];
    const poll = setInterval(() => {
      if (!existsSync(results)) return;
      try {
        seen.push(gradescopeResultsSchema.parse(JSON.parse(readFileSync(results, "utf8"))));
      } catch (error) {
        seen.push({ invalid: String(error) } as unknown as GradescopeResults);
      }
    }, 50);
    try {
      await grade({
        implementation: { kind: "command", command: peer("value-dedup") },
        scenarios: [lineHops, collision],
        outDir: out,
        runs: 2,
        seed: 2,
        lateGraceMs: 500,
        shrinkBudgetMs: 0,
        format: "gradescope",
        formatOptions: { conformancePoints: 2, visibilityOf: (s) => (s.name === "value-collision" ? "after_due_date" : "visible") },
      });
    } finally {
      clearInterval(poll);
    }
    // Never half a file; once line-hops finished, its points were there before value-collision ran.
    expect(seen.every((r) => Array.isArray(r.tests))).toBe(true);
    expect(
      seen.some((r) => r.tests[1]?.status === "passed" && r.tests[2]?.output.startsWith("Not run: grading stopped")),
    ).toBe(true);

    const final = gradescopeResultsSchema.parse(JSON.parse(await readFile(results, "utf8")));
    expect(final.tests.map((t) => [t.name, t.score, t.max_score, t.status, t.visibility])).toEqual([
      ["conformance: the peer contract on one node", 0, 2, "failed", "visible"],
      ["scenario: line-hops", 1, 1, "passed", "visible"],
      // Seeds 2 and 3: 2 draws equal values (fails), 3 does not (passes).
      ["scenario: value-collision", 0.5, 1, "failed", "after_due_date"],
    ]);
    expect(final.score).toBe(1.5);
    const collisionOutput = final.tests[2]?.output ?? "";
    expect(collisionOutput).toContain("**Flaky**: passed 1 of 2 runs; failed seeds 2.");
    expect(collisionOutput).toMatch(/seed 2: step 4 \(expect every node to agree\): 2 of 2 nodes did not report the expected total/);
    expect(collisionOutput).toContain(`npx sumnet run test/fixtures/grading/runs/value-collision.yaml --seed 2 --peer-command 'env BUG=value-dedup node ${fixture}'`);
    expect(collisionOutput).toMatch(/End of its log:\n\n```text\n[^]*started bug=value-dedup/);
    expect(final.tests[0]?.output).toContain("FAIL the same value posted twice counts twice");
  });

  it("writes PrairieLearn's results.json with a score from 0 to 1", async () => {
    const out = path.join(tmp, "prairielearn");
    await grade({
      implementation: { kind: "command", command: peer() },
      scenarios: [lineHops],
      outDir: out,
      format: "prairielearn",
      formatOptions: { conformancePoints: 1 },
    });
    const results = prairielearnResultsSchema.parse(JSON.parse(await readFile(path.join(out, "results.json"), "utf8")));
    expect(results.gradable).toBe(true);
    expect(results.score).toBe(1);
    expect(results.tests.map((t) => [t.name, t.points, t.max_points, t.message])).toEqual([
      ["conformance", 1, 1, "passed"],
      ["line-hops", 1, 1, "passed"],
    ]);
  });
});
