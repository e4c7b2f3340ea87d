import { afterEach, describe, expect, it } from "vitest";
import { runScenario } from "../runner/run-scenario.js";
import type { NetworkView } from "./network-view.js";
import { renderResultsPage } from "../reporters/results-page.js";
import { startRunDashboard, type RunDashboard } from "./run-watch.js";

describe("sumnet run --watch", () => {
  let watch: RunDashboard | undefined;
  afterEach(async () => {
    await watch?.close();
  });

  it("shows the scenario's network, its current step and the links the harness cut; then renders the results page", async () => {
    watch = await startRunDashboard({ port: 0, intervalMs: 250 });
    const seen: NetworkView[] = [];
    watch.dashboard.poller.subscribe((view) => seen.push(view));
    const result = await runScenario(
      {
        name: "watched partition",
        topology: { type: "line", nodes: 4 },
        steps: [
          { inject: { at: "n1", values: [1, 2, 3] } },
          { expect: {} },
          { partition: { groups: [["n1", "n2"], ["n3", "n4"]] } },
          { inject: { at: "n4", values: [100] } },
          // Each side converges first, so every view during the sleep shows settled totals whatever the machine's load.
          { expect: {} },
          { sleep: "2s" },
          { heal: true },
          { expect: {} },
        ],
      },
      { observer: watch.observer },
    );
    expect(result.status).toBe("passed");

    // While partitioned: four nodes by id, the n2-n3 link drawn cut by the harness, the sleep step named.
    const partitioned = seen.find((v) => v.edges.some((e) => e.cut && e.state === "down") && v.step?.label.startsWith("sleep"));
    expect(partitioned, "a view during the sleep after the partition").toBeDefined();
    expect(partitioned!.title).toBe("scenario watched partition");
    expect(partitioned!.step).toMatchObject({ index: 5, count: 8 });
    expect(partitioned!.nodes.map((n) => n.id)).toEqual(["n1", "n2", "n3", "n4"]);
    expect(partitioned!.edges.map((e) => `${e.a}-${e.b}:${e.state}${e.cut ? ":cut" : ""}`)).toEqual(["n1-n2:up", "n2-n3:down:cut", "n3-n4:up"]);
    // Each side holds its own total, and each node is judged as the run's checker judges it (what it must report on
    // its side of the partition): so the page is green exactly when the run is.
    expect(Object.fromEntries(partitioned!.nodes.map((n) => [n.id, n.total]))).toEqual({ n1: "6", n2: "6", n3: "106", n4: "106" });
    expect(partitioned!.agreement).toMatchObject({ agree: true, sides: 2, sidesAgree: true });
    expect(partitioned!.nodes.map((n) => n.status)).toEqual(["agree", "agree", "agree", "agree"]);

    // After the run the dashboard says which scenario ended how, and shows no network.
    await expect.poll(() => watch!.dashboard.poller.latest?.title, { timeout: 5000 }).toMatch(/^last: watched partition passed in/);

    const html = renderResultsPage(result);
    // One convergence timeline per expect step (the efficiency charts are drawn apart, class "timeline efficiency").
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(3);
    expect(html).toContain("all 4 nodes as expected after");
  });
});
