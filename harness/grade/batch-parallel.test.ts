/**
 * A class graded two submissions at once (`--jobs 2`): a correct peer and a faulty one, side by side on this machine,
 * each in its own networks, ports and folders. Neither leaks into the other's report, and the class summary
 * (Markdown, CSV, HTML) names the scenario the class failed and the bug class. Real processes.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradeSubmissions, writeSummary } from "./batch.js";
import { gradeReportSchema, type GradeReport } from "./report.js";
import { readSubmissions } from "./submissions.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-batch-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function report(dir: string): Promise<GradeReport> {
  return gradeReportSchema.parse(JSON.parse(await readFile(path.join(dir, "report.json"), "utf8")));
}

describe("grading submissions in parallel", () => {
  it("grades a correct and a faulty submission at once with no cross-talk, and summarises the class", async () => {
    const dir = path.join(tmp, "submissions");
    for (const [name, command] of [
      ["alice", "node peer.mjs"],
      ["bob", "env BUG=value-dedup node peer.mjs"],
    ] as const) {
      await mkdir(path.join(dir, name), { recursive: true });
      await copyFile(path.join(root, "test/fixtures/grading/escaped-bugs.mjs"), path.join(dir, name, "peer.mjs"));
      await writeFile(path.join(dir, name, "command"), `${command}\n`);
    }
    const out = path.join(tmp, "class");
    const lines: string[] = [];
    const rows = await gradeSubmissions(await readSubmissions(dir), {
      // Seed 2 draws equal values at both nodes: a peer that identifies numbers by value fails it.
      grade: { scenarios: [path.join(root, "test/fixtures/grading/runs/value-collision.yaml")], seed: 2, lateGraceMs: 500, shrinkBudgetMs: 0 },
      outDir: out,
      jobs: 2,
      log: (line) => lines.push(line),
    });
    // Both started before either finished: they ran at the same time.
    const firstVerdict = lines.findIndex((l) => /\] (PASSED|FAILED) /.test(l));
    expect(lines.slice(0, firstVerdict)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[alice\] == alice/), expect.stringMatching(/^\[bob\] == bob/)]));

    expect(rows.map((r) => [r.name, r.passed, r.failedScenarios, r.bugClasses])).toEqual([
      ["alice", true, [], []],
      // Identifying numbers by value also loses concurrent POSTs whose values were posted before.
      [
        "bob",
        false,
        ["value-collision"],
        ["conformance: the same value posted twice counts twice", "conformance: 8 concurrent POSTs all count", "loses numbers"],
      ],
    ]);
    const alice = await report(path.join(out, "alice"));
    const bob = await report(path.join(out, "bob"));
    expect(alice.implementation.value).toMatch(/alice'? && exec node peer\.mjs/);
    expect(bob.implementation.value).toMatch(/bob'? && exec env BUG=value-dedup node peer\.mjs/);
    expect(alice.scenarios[0]?.status).toBe("pass");
    // Every log in bob's report is from bob's own peers.
    const logs = bob.scenarios[0]?.failingNodes.map((n) => n.logTail) ?? [];
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) {
      expect(log).toContain("started bug=value-dedup");
      expect(log).not.toContain("bug=(none)");
      expect(log).not.toContain("/alice");
    }

    const summary = await writeSummary(out, rows);
    const markdown = await readFile(summary.markdown, "utf8");
    expect(markdown).toContain("| value-collision | 1 of 2 |");
    expect(markdown).toContain("| loses numbers | 1 of 2 |");
    const csv = (await readFile(summary.csv, "utf8")).trim().split("\n");
    expect(csv[2]).toMatch(/,value-collision,conformance: the same value posted twice counts twice; conformance: 8 concurrent POSTs all count; loses numbers,bob\/report\.md$/);
    const html = await readFile(summary.html, "utf8");
    expect(html).toContain('<a href="alice/report.md">alice</a>');
    expect(html).toContain("<td>loses numbers</td><td>1 of 2</td>");
  });
});
