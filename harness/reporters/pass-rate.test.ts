import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "../runner/result.js";
import { ConsoleReporter } from "./console-reporter.js";
import { resultsDocument } from "./json-reporter.js";
import { junitXml } from "./junit-reporter.js";
import { formatPassRate, passRates, ranSeveralSeeds } from "./pass-rate.js";
import { summarize } from "./reporter.js";
import { renderResultsPage } from "./results-page.js";

const run = (name: string, seed: number, status: "passed" | "failed"): ScenarioResult => ({
  name,
  status,
  runtime: "local",
  seed,
  weight: 1,
  nodes: 3,
  links: 2,
  durationMs: 1000,
  failingNodes: status === "failed" ? [{ node: "n2", kind: "surplus", reason: "counted twice" }] : [],
  failure: status === "failed" ? `step 2 (expect every node to agree): n2 reports 10, expected 5 (seed ${seed})` : undefined,
  steps: [],
});

const results = [
  run("random-nemesis", 12, "failed"),
  run("random-nemesis", 13, "passed"),
  run("random-nemesis", 14, "failed"),
  run("line", 1, "passed"),
  run("line", 2, "passed"),
];

describe("pass rates of several seeds", () => {
  it("group runs by scenario with the failed seeds", () => {
    expect(ranSeveralSeeds(results)).toBe(true);
    expect(ranSeveralSeeds([run("a", 1, "passed"), run("b", 1, "passed")])).toBe(false);
    expect(passRates(results).map(formatPassRate)).toEqual(["random-nemesis: 1/3 passed; failed seeds 12, 14", "line: 2/2 passed"]);
  });

  it("appear in the console summary, the JSON document, JUnit (one testcase per scenario) and the results page", async () => {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (c) => (text += c));
    await new ConsoleReporter({ stream, color: false }).suiteEnd(results, summarize(results, 5000));
    expect(text).toContain("random-nemesis: 1/3 passed; failed seeds 12, 14\nline: 2/2 passed");
    expect(text).toContain("2 runs failed, 3 passed (2 scenarios, 5 runs, 5.0 s)");
    expect(text).toContain("✗ random-nemesis seed 14: step 2");

    const doc = resultsDocument(results, summarize(results, 5000)) as { passRates: { name: string; failedSeeds: number[] }[] };
    expect(doc.passRates.map((r) => [r.name, r.failedSeeds])).toEqual([["random-nemesis", [12, 14]], ["line", []]]);

    const xml = junitXml(results, summarize(results, 5000), new Date(0));
    expect(xml).toContain('tests="2" failures="1"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain('<failure message="random-nemesis: 1/3 passed; failed seeds 12, 14"');
    expect(xml).toContain("seed 14: step 2");

    const html = renderResultsPage(results);
    expect(html).toContain("<h2>Pass rates</h2>");
    expect(html).toContain('1/3 passed</span></td><td><a href="#scenario-1">12</a>, <a href="#scenario-3">14</a>');
  });
});
