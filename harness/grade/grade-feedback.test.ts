/**
 * Feedback a student can act on: a failed scenario comes with the command that replays it and, when it blames a node,
 * the minimal scenario shrinking found (minimal.yaml in the scenario's result folder, its text in report.md,
 * report.json and Gradescope's results.json). The peer counts a number that arrives by two paths twice
 * (test/fixtures/faulty-peers/double-count.mjs), which a 4-node ring shows. Real processes on the local runtime.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateScenario } from "../scenario/index.js";
import { gradescopeResultsSchema } from "./autograder-formats.js";
import { grade } from "./grade.js";
import { boundedText } from "./minimal-scenario.js";
import { gradeReportSchema } from "./report.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ring = path.join(root, "test/fixtures/grading/scenarios/ring-paths.yaml");
const doubleCount = `node ${path.join(root, "test/fixtures/faulty-peers/double-count.mjs")}`;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-grade-feedback-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("grade feedback: replay command and minimal scenario", () => {
  it("shrinks a double count into minimal.yaml and shows it with the commands in every report", async () => {
    const out = path.join(tmp, "shrunk");
    const { report } = await grade({
      implementation: { kind: "command", command: doubleCount },
      scenarios: [ring],
      outDir: out,
      lateGraceMs: 500,
      shrinkBudgetMs: 30_000,
      format: "gradescope",
    });
    const [s] = report.scenarios;
    expect(s?.status).toBe("fail");
    expect(s?.failingNodes.some((n) => n.kind === "surplus")).toBe(true);
    const replay = `npx sumnet run test/fixtures/grading/scenarios/ring-paths.yaml --seed 1 --peer-command '${doubleCount}'`;
    expect(s?.replayCommand).toBe(replay);

    const minimal = s?.minimal;
    // When it did not show again, the summary says how many runs it took and what stopped them.
    expect(minimal?.reproduced, minimal?.summary).toBe(true);
    expect(minimal?.file).toBe(path.join(out, "scenarios", "ring-paths", "minimal.yaml"));
    expect(minimal?.command).toBe(`npx sumnet run minimal.yaml --peer-command '${doubleCount}'`);
    const text = await readFile(minimal?.file as string, "utf8");
    expect(minimal?.yaml).toBe(text);
    expect(text).toMatch(/^# Minimal counterexample of ring-paths: surplus at /);
    // A valid scenario, no bigger than the run it came from (4 nodes, 4 steps).
    const scenario = validateScenario(parse(text));
    expect(scenario.name).toBe("ring-paths-minimal");
    expect(scenario.steps.length).toBeLessThanOrEqual(4);

    const json = gradeReportSchema.parse(JSON.parse(await readFile(path.join(out, "report.json"), "utf8")));
    expect(json.scenarios[0]?.minimal?.yaml).toBe(text);
    expect(json.scenarios[0]?.replayCommand).toBe(replay);
    const markdown = await readFile(path.join(out, "report.md"), "utf8");
    expect(markdown).toContain("Replay it:\n\n```sh\n" + replay + "\n```");
    expect(markdown).toContain("```yaml\n# Minimal counterexample of ring-paths");

    const results = gradescopeResultsSchema.parse(JSON.parse(await readFile(path.join(out, "results.json"), "utf8")));
    const output = results.tests.find((t) => t.name === "scenario: ring-paths")?.output ?? "";
    expect(output).toContain("```sh\n" + replay + "\n```");
    expect(output).toMatch(/Minimal scenario \(shrunk \d+ steps and 4 nodes to \d+ steps? and \d+ nodes? in \d+ runs?, [^)]*\); save it as `minimal.yaml`:/);
    expect(output).toContain("```yaml\n# Minimal counterexample of ring-paths: surplus at ");
    expect(output).toContain("name: ring-paths-minimal");
    expect(output).toContain("and run it:\n\n```sh\n" + `npx sumnet run minimal.yaml --peer-command '${doubleCount}'`);
  }, 120_000);

  it("does not shrink with a budget of 0, and still gives the replay command", async () => {
    const out = path.join(tmp, "off");
    const { report } = await grade({
      implementation: { kind: "command", command: doubleCount },
      scenarios: [ring],
      outDir: out,
      lateGraceMs: 500,
      shrinkBudgetMs: 0,
      format: "gradescope",
    });
    const [s] = report.scenarios;
    expect(s?.status).toBe("fail");
    expect(s?.minimal).toBeUndefined();
    expect(s?.replayCommand).toMatch(/^npx sumnet run test\/fixtures\/grading\/scenarios\/ring-paths\.yaml --seed 1 /);
    const results = await readFile(path.join(out, "results.json"), "utf8");
    expect(results).not.toContain("Minimal scenario");
  }, 60_000);

  it("bounds the text of a long minimal scenario and says where the whole file is", () => {
    const long = Array.from({ length: 100 }, (_, i) => `  - inject: {at: n1, values: [${i}]}`).join("\n") + "\n";
    const bounded = boundedText(long, 500, "/grading/minimal.yaml");
    expect(bounded.length).toBeLessThan(600);
    expect(bounded).toMatch(/\n# \.\.\. \d+ more characters: the whole file is \/grading\/minimal\.yaml\n$/);
    expect(long.startsWith(bounded.split("\n# ...")[0] as string)).toBe(true);
    expect(boundedText("short\n", 500, "x")).toBe("short\n");
  });
});
