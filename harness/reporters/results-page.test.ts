import { describe, expect, it } from "vitest";
import type { ScenarioResult, StepResult } from "../runner/result.js";
import { renderResultsPage, renderTimeline } from "./results-page.js";

const expectStep = (index: number, over: Partial<StepResult> = {}): StepResult => ({
  index,
  kind: "expect",
  label: "expect every node to agree",
  status: "passed",
  durationMs: 400,
  waitedMs: 390,
  timeline: [
    { atMs: 100, agreeing: 1, of: 4 },
    { atMs: 200, agreeing: 3, of: 4 },
    { atMs: 400, agreeing: 4, of: 4 },
  ],
  ...over,
});

const scenario = (over: Partial<ScenarioResult> = {}): ScenarioResult => ({
  name: "ring of four",
  status: "passed",
  failingNodes: [],
  runtime: "local",
  seed: 7,
  weight: 1,
  nodes: 4,
  links: 4,
  durationMs: 2500,
  steps: [
    { index: -1, kind: "start", label: "start 4 nodes, 4 links (local)", status: "passed", durationMs: 1500, waitedMs: 1490 },
    { index: 0, kind: "inject", label: "inject 3 numbers at n1", status: "passed", durationMs: 20, waitedMs: 15 },
    expectStep(1),
  ],
  ...over,
});

describe("renderTimeline", () => {
  it("draws agreeing nodes over time as a step line up to the end of the step", () => {
    const svg = renderTimeline(expectStep(1));
    // x: 48 + ms/400 * 576; y: 14 + (1 - n/4) * 152
    expect(svg).toContain('d="M192.0,128.0 H336.0 V52.0 H624.0 V14.0 H624.0"');
    expect(svg).toContain("all 4 nodes as expected after 0.40 s");
    expect(svg.match(/<circle/g)).toHaveLength(3);
  });

  it("says how far it got when the nodes never all agreed", () => {
    const svg = renderTimeline(expectStep(2, { status: "failed", durationMs: 10_000, timeline: [{ atMs: 500, agreeing: 2, of: 5 }] }));
    expect(svg).toContain("2 of 5 nodes as expected when it stopped waiting (10.0 s)");
    expect(svg).toContain('class="agreeing failed"');
  });
});

describe("renderResultsPage", () => {
  it("shows the verdict, the step log and one timeline per expect step", () => {
    const html = renderResultsPage([scenario(), scenario({ name: "line", steps: [expectStep(0), expectStep(1)] })], { generatedAt: new Date(0) });
    expect(html).toContain("2 scenarios: 2 passed, 0 failed");
    expect(html).toContain("<td>inject 3 numbers at n1</td>");
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(3);
    expect(html).toContain("generated 1970-01-01T00:00:00.000Z");
  });

  it("lists the nodes that failed an expect step with the checker's explanation", () => {
    const failing = expectStep(1, {
      status: "failed",
      message: "1 node off",
      checks: [
        { node: "n1", expected: "15", expectedCount: 3, uncertain: 0, reported: "15", reportedCount: 3, ok: true },
        { node: "n4", expected: "15", expectedCount: 3, uncertain: 0, reported: "12", reportedCount: 2, ok: false, message: "n4 reports 12, expected 15 (waited 10.0 s; missing 1 number injected at n1)" },
      ],
    });
    const html = renderResultsPage(scenario({ status: "failed", failure: "step 2: n4 reports 12, expected 15", steps: [failing] }));
    expect(html).toContain("1 scenario: 0 passed, 1 failed");
    expect(html).toContain('<p class="failure">step 2: n4 reports 12, expected 15</p>');
    expect(html).toContain("<td>n4 reports 12, expected 15 (waited 10.0 s; missing 1 number injected at n1)</td>");
    expect(html).not.toContain("<td>n1</td>");
  });

  it("escapes what scenarios and peers wrote, and loads nothing from elsewhere", () => {
    const html = renderResultsPage(scenario({ name: '<script>alert("x")</script>', failure: "a & b <i>" }));
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("a &amp; b &lt;i&gt;");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
