/**
 * The space-time diagram of a simulated run, from a real run on the simulator: every message a line between its
 * nodes' columns at the right heights, lost ones crossed out, operations marked; and the results page carries it.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../runner/run-scenario.js";
import { SimRuntime } from "../runtime/sim/sim-runtime.js";
import { renderMessageDiagram } from "./message-diagram.js";
import { renderResultsPage } from "./results-page.js";

describe("message diagram", () => {
  it("draws every message of a simulated run between its nodes, lost ones and the operations included", async () => {
    const result = await runScenario(
      {
        name: "diagram",
        topology: { type: "line", nodes: 3 },
        steps: [
          { latency: { delay: 50 } },
          { inject: { at: "n1", values: [5] } },
          { expect: {} },
          { inject: { at: "n3", values: [7] } },
          { sleep: 20 },
          { kill: "n2" },
          { restart: "n2" },
          { expect: {} },
        ],
      },
      { runtime: new SimRuntime(), keepLogs: "never" },
    );
    expect(result.status, result.failure).toBe("passed");
    const d = result.messages;
    expect(d).toBeDefined();
    if (!d) return;
    expect(d.nodes).toEqual(["n1", "n2", "n3"]);
    // The 5 crossed both links, n1 -> n2 -> n3, each hop at least the link's 50 ms after it was sent.
    const carried = d.messages.filter((m) => m.type === "numbers" && m.at !== undefined);
    expect(carried.some((m) => m.from === "n1" && m.to === "n2")).toBe(true);
    expect(carried.some((m) => m.from === "n2" && m.to === "n3")).toBe(true);
    for (const m of carried) expect((m.at as number) - m.sentAt).toBeGreaterThanOrEqual(50);
    // The 7 was on its way from n3 to n2 when n2 was killed 20 ms later: lost with the connection.
    expect(d.messages.some((m) => m.from === "n3" && m.to === "n2" && m.type === "numbers" && m.at === undefined)).toBe(true);
    expect(d.marks.map((m) => m.label)).toEqual(["shape n2-n1, n3-n2", "kill n2", "restart n2"]);

    const svg = renderMessageDiagram(d);
    expect(svg.match(/<line class="m (numbers|sync|tree|link)"/g)?.length).toBe(d.messages.filter((m) => m.at !== undefined).length);
    expect(svg.match(/<line class="m lost"/g)?.length).toBe(d.messages.filter((m) => m.at === undefined).length);
    expect(svg).toContain("kill n2");
    expect(svg).toMatch(/n3 → n2: numbers \(1 number\), sent [\d.]+ s, lost when its connection broke/);
    expect(renderResultsPage(result)).toContain('<svg class="messages"');
  });

  it("is absent where no runtime traces messages", () => {
    expect(renderResultsPage({ ...fakeResult(), messages: undefined })).not.toContain('class="messages"');
  });
});

function fakeResult(): Parameters<typeof renderResultsPage>[0] & object {
  return { name: "x", status: "passed", runtime: "local", seed: 1, weight: 1, nodes: 1, links: 0, durationMs: 1, failingNodes: [], steps: [] } as never;
}
