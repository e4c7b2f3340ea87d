/**
 * `grade({ runs })`: each scenario runs with seeds seed, seed + 1, ...; a peer that fails only some seeds is FLAKY, earns
 * its pass rate, and the report names the failing seeds. The peer takes equal values for one number
 * (escaped-bugs.mjs, BUG=value-dedup), and the scenario draws two values from {1, 2} by the seed, so the failing
 * seeds are exactly those that draw equal values (worked out here from the plan, not assumed). Real processes.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenarioFile, planScenario } from "../scenario/index.js";
import { grade } from "./grade.js";
import { gradeReportSchema } from "./report.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const scenario = path.join(root, "test/fixtures/grading/runs/value-collision.yaml");
const peer = (bug: string): string =>
  `${bug ? `env BUG=${bug} ` : ""}node ${path.join(root, "test/fixtures/grading/escaped-bugs.mjs")}`;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-grade-runs-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The seeds among 1..n whose two injected values are equal. */
async function collidingSeeds(n: number): Promise<number[]> {
  const { scenario: s } = await loadScenarioFile(scenario);
  const seeds: number[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const values = planScenario(s, { seed }).steps.flatMap((step) =>
      step.action.kind === "inject" ? step.action.injections.flatMap((i) => i.values) : [],
    );
    if (values[0] === values[1]) seeds.push(seed);
  }
  return seeds;
}

describe("sumnet grade --runs", () => {
  it("marks a peer that passes some seeds as flaky, with its pass rate as points and the failing seeds", async () => {
    const failing = await collidingSeeds(4);
    // The check is only meaningful when some seeds pass and some fail.
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(4);
    const out = path.join(tmp, "flaky");
    const { report } = await grade({
      implementation: { kind: "command", command: peer("value-dedup") },
      scenarios: [scenario],
      outDir: out,
      runs: 4,
      lateGraceMs: 500,
      shrinkBudgetMs: 0,
    });
    const [s] = report.scenarios;
    expect(s?.status).toBe("flaky");
    expect(s?.runs?.map((r) => r.seed)).toEqual([1, 2, 3, 4]);
    expect(s?.runs?.filter((r) => r.status !== "pass").map((r) => r.seed)).toEqual(failing);
    expect(s?.earned).toBe((4 - failing.length) / 4);
    expect(report.score.earned).toBe((4 - failing.length) / 4);
    expect(report.passed).toBe(false);
    expect(s?.message).toMatch(new RegExp(`^seed ${failing[0]}: step \\d`));
    const markdown = await readFile(path.join(out, "report.md"), "utf8");
    const summary = `passed ${4 - failing.length} of 4 runs; failed seeds ${failing.join(", ")}`;
    expect(markdown).toContain(`| value-collision | 1 | FLAKY | `);
    expect(markdown).toContain(`${summary}; ${(4 - failing.length) / 4} of 1 points: seed ${failing[0]}: step`);
    expect(markdown).toContain(`Flaky: ${summary}`);
    const json = gradeReportSchema.parse(JSON.parse(await readFile(path.join(out, "report.json"), "utf8")));
    expect(json.scenarios[0]?.runs).toHaveLength(4);
  });

  it("gives a correct peer every run and full points", async () => {
    const { report } = await grade({
      implementation: { kind: "command", command: peer("") },
      scenarios: [scenario],
      outDir: path.join(tmp, "correct"),
      runs: 3,
      seed: 10,
    });
    const [s] = report.scenarios;
    expect(s?.status).toBe("pass");
    expect(s?.runs?.map((r) => [r.seed, r.status])).toEqual([
      [10, "pass"],
      [11, "pass"],
      [12, "pass"],
    ]);
    expect(report.score).toEqual({ earned: 1, possible: 1, percent: 100 });
  });
});
