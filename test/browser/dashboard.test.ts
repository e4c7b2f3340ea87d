/**
 * The dashboard in a real browser: five reference peers in a line on 127.0.0.1, numbers injected at both ends, the page
 * must show five nodes with the right totals; then the middle peer is killed and its two links must be drawn cut.
 * Screenshots go to results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startDashboard, type StartedDashboard } from "../../harness/watch/dashboard-server.js";
import { nodeListSource } from "../../harness/watch/watch-source.js";
import { launchChromium, SCREENSHOTS, skipBrowserTests, type Browser } from "./browser.js";
import { inject, startLocalPeers, type LocalPeers } from "./local-peers.js";

describe.skipIf(skipBrowserTests)("web dashboard in Chromium", () => {
  let network: LocalPeers | undefined;
  let dashboard: StartedDashboard | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    network = await startLocalPeers(5, "line");
    dashboard = await startDashboard({ port: 0, source: nodeListSource(network.peers.map((p) => p.url), "five peers in a line") });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(dashboard.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
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
    await expect.poll(() => page.$$eval("#edges line", (lines) => lines.map((l) => l.getAttribute("data-state"))), { timeout: 5_000 }).toEqual(["up", "up", "up", "up"]);
    // The node table shows the long total shortened, with the whole number in its tooltip.
    const cellTitle = await page.getAttribute('#node-table tr[data-node="n3"] td.total', "title");
    expect(cellTitle).toBe(expected);
    await page.screenshot({ path: `${SCREENSHOTS}dashboard-line-converged.png` });
  });

  it("draws the links of a killed peer as cut and says it does not answer", async () => {
    await network!.peers[2]!.kill();
    const edgeStates = () =>
      page.$$eval("#edges line", (lines) => Object.fromEntries(lines.map((l) => [l.getAttribute("data-edge"), l.getAttribute("data-state")])));
    await expect.poll(edgeStates, { timeout: 15_000, interval: 250 }).toEqual({ "n1-n2": "up", "n2-n3": "down", "n3-n4": "down", "n4-n5": "up" });
    expect(await page.getAttribute('#nodes [data-node="n3"]', "data-status")).toBe("unreachable");
    expect(await page.getAttribute("#agreement", "data-agree")).toBe("no");
    expect(await page.textContent("#agreement")).toContain("1 not answering");
    // Cut links are labelled on the drawing, not only coloured.
    expect(await page.$$eval('#edge-labels text[data-state="down"]', (labels) => labels.map((l) => l.textContent))).toEqual(["✂ down", "✂ down"]);
    await page.screenshot({ path: `${SCREENSHOTS}dashboard-line-peer-killed.png` });
  });
});
