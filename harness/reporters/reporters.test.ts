import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConsoleReporter, wantsColor } from "./console-reporter.js";
import { junitXml, xmlEscape } from "./junit-reporter.js";
import { resultsDocument } from "./json-reporter.js";
import { summarize } from "./reporter.js";
import type { ScenarioResult } from "../runner/result.js";

const passed: ScenarioResult = {
  name: "line-basic",
  file: "scenarios/01-line-basic.yaml",
  status: "passed",
  runtime: "local",
  seed: 1,
  weight: 1,
  nodes: 5,
  links: 4,
  durationMs: 1800,
  failingNodes: [],
  steps: [
    { index: -1, kind: "start", label: "start 5 nodes, 4 links (local)", status: "passed", durationMs: 1400, waitedMs: 1400 },
    { index: 0, kind: "inject", label: "inject 3 numbers at n1", status: "passed", durationMs: 24, waitedMs: 20 },
  ],
};
const failed: ScenarioResult = {
  ...passed,
  name: 'bad <"peer"> & co',
  status: "failed",
  failure: "step 1 (expect every node to agree): 1 of 5 nodes did not report the expected total within 10.0 s:\nn5 reports 0, expected 6 (waited 10.0 s; missing 3 numbers injected at n1)",
  steps: [
    passed.steps[0] as ScenarioResult["steps"][number],
    {
      index: 0,
      kind: "expect",
      label: "expect every node to agree",
      status: "failed",
      durationMs: 10_020,
      waitedMs: 10_000,
      message: "1 of 5 nodes did not report the expected total within 10.0 s:\nn5 reports 0, expected 6 (waited 10.0 s; missing 3 numbers injected at n1)",
    },
    { index: 1, kind: "heal", label: "heal all (1 link)", status: "skipped", durationMs: 0, waitedMs: 0 },
  ],
  logsDir: "/tmp/results/bad",
};

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c) => (text += c));
  return { stream, text: () => text };
}

describe("console reporter", () => {
  it("colour only on a TTY without NO_COLOR; FORCE_COLOR forces it", () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    expect(wantsColor(tty, {})).toBe(true);
    expect(wantsColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColor(new PassThrough(), {})).toBe(false);
    expect(wantsColor(new PassThrough(), { FORCE_COLOR: "1" })).toBe(true);
  });

  it("prints a line per step with its duration, failures with the explanation, and a summary table", async () => {
    const out = capture();
    const r = new ConsoleReporter({ stream: out.stream, color: false });
    for (const res of [passed, failed]) {
      for (const s of res.steps) r.stepEnd(s);
      r.scenarioEnd(res);
    }
    await r.suiteEnd([passed, failed], summarize([passed, failed], 12_000));
    const text = out.text();
    expect(text).not.toMatch(/\u001b\[/); // no colour codes
    expect(text).toContain("  ✓ 1. inject 3 numbers at n1");
    expect(text).toMatch(/✓ 1\. inject 3 numbers at n1 +24 ms/);
    expect(text).toMatch(/✗ 1\. expect every node to agree +10\.0 s/);
    expect(text).toContain("      n5 reports 0, expected 6 (waited 10.0 s; missing 3 numbers injected at n1)");
    expect(text).toMatch(/- 2\. heal all \(1 link\) +skipped/);
    expect(text).toMatch(/scenario +result +steps +nodes +time/);
    expect(text).toMatch(/line-basic +pass +1\/1 +5 +1\.8 s/);
    expect(text).toContain("1 failed, 1 passed (2 scenarios, 12.0 s)");
    expect(text).toContain("logs: /tmp/results/bad");
  });
});

/** A run whose load ran out of time with POSTs in flight: 7 numbers never sent. */
const lateLoad: ScenarioResult = {
  ...passed,
  name: "late-load",
  loads: [{ step: 0, posts: 93, acknowledged: 90, indeterminate: 3, refused: 0, skipped: 0, late: 7, durationMs: 9_000 }],
};

describe("a load's figures", () => {
  it("the console names numbers not sent for lack of time, and only when there are some", async () => {
    const out = capture();
    const r = new ConsoleReporter({ stream: out.stream, color: false });
    r.scenarioEnd(lateLoad);
    r.scenarioEnd({ ...lateLoad, name: "on-time", loads: [{ ...(lateLoad.loads?.[0] as NonNullable<ScenarioResult["loads"]>[number]), late: 0 }] });
    const text = out.text();
    expect(text).toContain("load of step 1: 93 POSTs in 9.0 s; numbers acknowledged 90, indeterminate 3, refused 0, not sent (time up, POSTs still in flight) 7");
    expect(text.match(/not sent \(time up/g)).toHaveLength(1);
  });

  it("the JSON document carries them", () => {
    const doc = JSON.parse(JSON.stringify(resultsDocument([lateLoad], summarize([lateLoad], 5)))) as { scenarios: { loads: { late: number }[] }[] };
    expect(doc.scenarios[0]?.loads[0]?.late).toBe(7);
  });
});

describe("JUnit and JSON reports", () => {
  it("JUnit XML: one testcase per scenario, failures escaped, counts in the suite", () => {
    const xml = junitXml([passed, failed], summarize([passed, failed], 12_000), new Date("2026-11-25T12:00:00Z"));
    expect(xml).toContain('<testsuites name="sumnet" tests="2" failures="1" errors="0" time="12.000">');
    expect(xml).toContain('timestamp="2026-11-25T12:00:00"');
    expect(xml).toContain('<testcase classname="sumnet.01-line-basic" name="line-basic" time="1.800">');
    expect(xml).toContain('name="bad &lt;&quot;peer&quot;&gt; &amp; co"');
    expect(xml).toContain(
      '<failure message="step 1 (expect every node to agree): 1 of 5 nodes did not report the expected total within 10.0 s:" type="ScenarioFailure">',
    );
    expect(xml).toContain("n5 reports 0, expected 6 (waited 10.0 s; missing 3 numbers injected at n1)</failure>");
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xmlEscape("a\u0001b<")).toBe("ab&lt;");
  });

  it("JSON document carries the summary and every result", () => {
    const doc = JSON.parse(JSON.stringify(resultsDocument([passed, failed], summarize([passed, failed], 5)))) as {
      summary: unknown;
      scenarios: { name: string }[];
    };
    expect(doc.summary).toEqual({ total: 2, passed: 1, failed: 1, durationMs: 5 });
    expect(doc.scenarios.map((s) => s.name)).toEqual(["line-basic", 'bad <"peer"> & co']);
  });
});
