/**
 * Course files: the JSON Schema for editors is generated from the zod schema (and kept in sync here), the example
 * course loads, mistakes are named with their line, and a grade follows a course's points, runs and visibility.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradescopeResultsSchema } from "./autograder-formats.js";
import { courseJsonSchema, CourseError, loadCourseFile, parseCourseText } from "./course.js";
import { grade } from "./grade.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-course-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("course files", () => {
  it("examples/course.schema.json is generated from the zod schema (run `sumnet schema --course > examples/course.schema.json`)", async () => {
    const committed = JSON.parse(await readFile(path.join(root, "examples/course.schema.json"), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(courseJsonSchema())));
  });

  it("loads examples/course.yaml: every scenario file exists, with its points, runs, limits and visibility", async () => {
    const loaded = await loadCourseFile(path.join(root, "examples/course.yaml"));
    for (const file of loaded.scenarioFiles) expect(existsSync(file), file).toBe(true);
    expect(loaded.formatOptions.conformancePoints).toBe(2);
    expect(loaded.settings.get(path.join(root, "scenarios/04-full-random-values.yaml"))).toEqual({
      points: 2,
      runs: 3,
      timeoutMs: undefined,
      visibility: "visible",
    });
    expect(loaded.settings.get(path.join(root, "scenarios/07-random-50.yaml"))).toEqual({
      points: 4,
      runs: 1,
      timeoutMs: 180_000,
      visibility: "after_due_date",
    });
  });

  it("loads the Gradescope example's course, whose scenarios are the library's (sumnet/ is this clone in the zip)", async () => {
    const file = path.join(root, "examples/gradescope/course.yaml");
    const loaded = await loadCourseFile(file);
    const inZip = path.join(root, "examples/gradescope/sumnet");
    for (const scenario of loaded.scenarioFiles) {
      expect(scenario.startsWith(inZip + path.sep), scenario).toBe(true);
      expect(existsSync(path.join(root, path.relative(inZip, scenario))), scenario).toBe(true);
    }
  });

  it("names each mistake with its line and what was expected", () => {
    const text = "name: lab\nscenarios:\n  - file: a.yaml\n    points: -1\n    visibility: secret\nrun: 3\n";
    let error: unknown;
    try {
      parseCourseText(text, "course.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CourseError);
    const message = (error as Error).message;
    expect(message).toMatch(/^course\.yaml:4:13 scenarios\[0\]\.points: Too small: expected number to be >0/m);
    expect(message).toMatch(/^course\.yaml:5:17 scenarios\[0\]\.visibility: Invalid option: expected one of "visible"\|"hidden"\|"after_due_date"\|"after_published"/m);
    expect(message).toMatch(/^course\.yaml:1:1 \(top level\): Unrecognized key: "run"/m);
  });

  it("grades by the course: its points, runs and visibility reach report.json and Gradescope's results.json", async () => {
    const scenario = path.join(root, "test/fixtures/grading/scenarios/line-hops.yaml");
    const courseFile = path.join(tmp, "course.yaml");
    await writeFile(
      courseFile,
      `name: lab\nconformance: {points: 2, visibility: visible}\nscenarios:\n` +
        `  - {file: ${JSON.stringify(path.relative(tmp, scenario))}, points: 3, runs: 2, visibility: hidden}\n`,
    );
    const course = await loadCourseFile(courseFile);
    const out = path.join(tmp, "out");
    const { report } = await grade({
      implementation: { kind: "command", command: `node ${path.join(root, "test/fixtures/grading/escaped-bugs.mjs")}` },
      scenarios: course.scenarioFiles,
      scenarioSettings: course.settings,
      formatOptions: course.formatOptions,
      format: "gradescope",
      outDir: out,
    });
    expect(report.scenarios.map((s) => [s.name, s.weight, s.status, s.runs?.length])).toEqual([["line-hops", 3, "pass", 2]]);
    const results = gradescopeResultsSchema.parse(JSON.parse(await readFile(path.join(out, "results.json"), "utf8")));
    expect(results.tests.map((t) => [t.name, t.score, t.max_score, t.visibility])).toEqual([
      ["conformance: the peer contract on one node", 2, 2, "visible"],
      ["scenario: line-hops", 3, 3, "hidden"],
    ]);
    expect(results.score).toBe(5);
    // The report's own score (report.md, the class summary) counts the conformance check's points too.
    expect(report.score).toEqual({ earned: 5, possible: 5, percent: 100 });
  });

  it("leaves the conformance check's points out of the score when it fails (the class benchmark found them counted in full)", async () => {
    const scenario = path.join(root, "test/fixtures/grading/scenarios/line-hops.yaml");
    const courseFile = path.join(tmp, "course-conformance.yaml");
    await writeFile(courseFile, `name: lab\nconformance: {points: 2}\nscenarios:\n  - {file: ${JSON.stringify(path.relative(tmp, scenario))}, points: 3}\n`);
    const course = await loadCourseFile(courseFile);
    const { report } = await grade({
      // Loses numbers of concurrent POSTs: conformance's "8 concurrent POSTs all count" fails; a line of one-at-a-time
      // injections passes.
      implementation: { kind: "command", command: `node ${path.join(root, "test/fixtures/faulty-peers/lost-concurrent.mjs")}` },
      scenarios: course.scenarioFiles,
      scenarioSettings: course.settings,
      formatOptions: course.formatOptions,
      outDir: path.join(tmp, "out-conformance"),
    });
    expect(report.conformance.passed).toBe(false);
    expect(report.scenarios.map((s) => s.status)).toEqual(["pass"]);
    expect(report.score).toEqual({ earned: 3, possible: 5, percent: 60 });
    expect(await readFile(path.join(tmp, "out-conformance", "report.md"), "utf8")).toContain("score **3/5 (60%)**");
  });
});
