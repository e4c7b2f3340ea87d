/**
 * The dashboard in a real browser (headless Chromium driven by playwright-core). Screenshots go to results/screenshots/.
 * - five reference peers in a line on 127.0.0.1: numbers injected at both ends, the page must show five nodes with the
 *   right totals; then the middle peer is killed and its two links must be drawn cut;
 * - `sumnet run --watch`: a partition made by the harness's relays is drawn as a cut link, with the current step;
 * - 100 scripted nodes (a ring with chords; one lagging; five without GET /state): all drawn, none overlapping.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { runScenario } from "../../harness/runner/run-scenario.js";
import { startDashboard, type StartedDashboard } from "../../harness/watch/dashboard-server.js";
import { startRunDashboard } from "../../harness/watch/run-watch.js";
import { nodeListSource } from "../../harness/watch/watch-source.js";
import type { LinkReport } from "../../harness/watch/node-reading.js";
import { launchChromium, SCREENSHOTS, skipBrowserTests, type Browser } from "./browser.js";
import { inject, startLocalPeers, type LocalPeers } from "./local-peers.js";
import { startScriptedPeers, type ScriptedState } from "./scripted-peers.js";

const edgeStates = (page: Page) =>
  page.$$eval("#edges line", (lines) => Object.fromEntries(lines.map((l) => [l.getAttribute("data-edge"), l.getAttribute("data-state")])));

describe.skipIf(skipBrowserTests)("web dashboard in Chromium", () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  describe("five reference peers in a line", () => {
    let network: LocalPeers | undefined;
    let dashboard: StartedDashboard | undefined;
    let page: Page;

    beforeAll(async () => {
      network = await startLocalPeers(5, "line");
      dashboard = await startDashboard({ port: 0, source: nodeListSource(network.peers.map((p) => p.url), "five peers in a line") });
      page = await browser!.context.newPage();
      await page.goto(dashboard.url);
    });
    afterAll(async () => {
      await page?.close();
      await dashboard?.close();
      await network?.[Symbol.asyncDispose]();
    });

    const nodeTotals = () =>
      page.$$eval("#nodes [data-node]", (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute("data-node"), n.getAttribute("data-total")])));

    it("shows five nodes converging to the right total after injections", async () => {
      const big = "-1234567890123456789012345";
      await inject(network!.peers[0]!.url, [1, 2, 3]);
      await inject(network!.peers[4]!.url, [40, big]);
      const expected = String(1n + 2n + 3n + 40n + BigInt(big));

      await expect.poll(nodeTotals, { timeout: 20_000, interval: 250 }).toEqual({ n1: expected, n2: expected, n3: expected, n4: expected, n5: expected });
      await expect.poll(() => page.textContent("#agreement"), { timeout: 5_000 }).toContain("all 5 nodes agree");
      expect(await page.getAttribute("#agreement", "data-agree")).toBe("yes");
      expect(await page.$$eval("#node-table tbody tr", (rows) => rows.length)).toBe(5);
      // A line of five has four links, all up.
      await expect.poll(() => edgeStates(page), { timeout: 5_000 }).toEqual({ "n1-n2": "up", "n2-n3": "up", "n3-n4": "up", "n4-n5": "up" });
      // The node table shows the long total shortened, with the whole number in its tooltip.
      expect(await page.getAttribute('#node-table tr[data-node="n3"] td.total', "title")).toBe(expected);
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-line-converged.png` });
    });

    it("draws the links of a killed peer as cut and says it does not answer", async () => {
      await network!.peers[2]!.kill();
      await expect.poll(() => edgeStates(page), { timeout: 15_000, interval: 250 }).toEqual({ "n1-n2": "up", "n2-n3": "down", "n3-n4": "down", "n4-n5": "up" });
      expect(await page.getAttribute('#nodes [data-node="n3"]', "data-status")).toBe("unreachable");
      expect(await page.getAttribute("#agreement", "data-agree")).toBe("no");
      expect(await page.textContent("#agreement")).toContain("1 not answering");
      // Cut links are labelled on the drawing, not only coloured.
      expect(await page.$$eval('#edge-labels text[data-state="down"]', (labels) => labels.map((l) => l.textContent))).toEqual(["✂ down", "✂ down"]);
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-line-peer-killed.png` });
    });
  });

  it("sumnet run --watch: draws the link the harness cut, with the current step", async () => {
    await using watch = await startRunDashboard({ port: 0, intervalMs: 250 });
    const page = await browser!.context.newPage();
    try {
      await page.goto(watch.url);
      const run = runScenario(
        {
          name: "partition watched in a browser",
          topology: { type: "ring", nodes: 6 },
          steps: [
            { inject: { at: "n1", values: [5] } },
            { expect: {} },
            { partition: { groups: [["n1", "n2", "n3"], ["n4", "n5", "n6"]] } },
            { inject: { at: "n5", values: [7] } },
            { sleep: "4s" },
            { heal: true },
            { expect: {} },
          ],
        },
        { observer: watch.observer },
      );
      // In a ring of six, splitting n1-n3 from n4-n6 cuts n3-n4 and n6-n1.
      await expect
        .poll(() => page.$$eval('#edges line[data-cut="yes"]', (lines) => lines.map((l) => `${l.getAttribute("data-edge")} ${l.getAttribute("data-state")}`).sort()), { timeout: 20_000, interval: 250 })
        .toEqual(["n1-n6 down", "n3-n4 down"]);
      await expect.poll(() => page.textContent("#step"), { timeout: 5_000 }).toMatch(/^step 5 of 7: sleep/);
      expect(await page.$$eval("#edge-labels text", (labels) => labels.filter((l) => l.textContent === "✂ cut").length)).toBe(2);
      await expect.poll(() => page.$$eval("#nodes [data-node]", (nodes) => nodes.map((n) => n.getAttribute("data-total")).join(",")), { timeout: 10_000 }).toBe("5,5,5,12,12,12");
      await expect.poll(() => page.textContent("#agreement"), { timeout: 10_000 }).toBe("partitioned into 2 sides · each side agrees within itself");
      await page.screenshot({ path: `${SCREENSHOTS}run-watch-partition.png` });
      expect((await run).status).toBe("passed");
    } finally {
      await page.close();
    }
  });

  it("draws 100 nodes without overlap, marks the lagging one and those without /state", async () => {
    const n = 100;
    const id = (i: number) => `n${((i % n) + n) % n + 1}`;
    // Ring plus chords i -> i+7: every node dials two others and is dialled by two.
    const dials = (i: number) => [i + 1, i + 7].map((j) => ((j % n) + n) % n);
    const links: LinkReport[][] = Array.from({ length: n }, () => []);
    for (let i = 0; i < n; i++) {
      for (const j of dials(i)) {
        links[i]!.push({ peer: id(j), address: `127.0.0.1:${7000 + j}`, direction: "out", state: "up", framesSent: 0, framesReceived: 0 });
        links[j]!.push({ peer: id(i), address: `127.0.0.1:${40000 + i}`, direction: "in", state: "up", framesSent: 0, framesReceived: 0 });
      }
    }
    const states: ScriptedState[] = Array.from({ length: n }, (_, i) => ({
      node: id(i),
      total: i === 16 ? "90" : "100",
      count: i === 16 ? 9 : 10,
      links: i >= 89 && i < 94 ? null : links[i]!,
    }));
    await using peers = await startScriptedPeers(states);
    await using dashboard = await startDashboard({ port: 0, source: nodeListSource(peers.urls, "100 scripted nodes") });
    const page = await browser!.context.newPage();
    try {
      await page.goto(dashboard.url);
      await expect.poll(() => page.$$eval("#nodes [data-node]", (nodes) => nodes.length), { timeout: 10_000 }).toBe(n);
      // Links with one end that has no /state are drawn (the other end reports them); the four ring links between two
      // such nodes (n90-n91 ... n93-n94) cannot be known.
      await expect.poll(() => page.$$eval("#edges line", (lines) => lines.length), { timeout: 5_000 }).toBe(2 * n - 4);
      const circles = await page.$$eval("#nodes circle", (cs) => cs.map((c) => ({ x: Number(c.getAttribute("cx")), y: Number(c.getAttribute("cy")), r: Number(c.getAttribute("r")) })));
      let closest = Infinity;
      for (let i = 0; i < circles.length; i++)
        for (let j = i + 1; j < circles.length; j++) closest = Math.min(closest, Math.hypot(circles[i]!.x - circles[j]!.x, circles[i]!.y - circles[j]!.y));
      expect(closest).toBeGreaterThan(2 * circles[0]!.r);
      // Polled, not read once: on a loaded machine one of 100 answers may come late for one poll.
      await expect.poll(() => page.getAttribute('#nodes [data-node="n17"]', "data-status"), { timeout: 10_000 }).toBe("lag");
      await expect.poll(() => page.textContent('#node-table tr[data-node="n17"]'), { timeout: 10_000 }).toContain("lags: 1 missing");
      await expect
        .poll(() => page.$$eval("#node-table tbody tr", (rows) => rows.filter((r) => r.children[3]!.textContent === "–").map((r) => r.getAttribute("data-node"))), { timeout: 10_000 })
        .toEqual(["n90", "n91", "n92", "n93", "n94"]);
      await expect.poll(() => page.textContent("#agreement"), { timeout: 10_000 }).toContain("99 of 100 nodes agree on total 100 (10 numbers) · 1 lagging");
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-100-nodes.png` });
    } finally {
      await page.close();
    }
  });
});
