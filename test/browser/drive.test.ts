/**
 * Driving a run from the dashboard in a real browser (headless Chromium, playwright-core): a click on a node adds a
 * number that reaches every node's total on the page; a click on a link cuts it, its traffic stops and the totals
 * split; restoring it joins them; the hold button holds the scenario and lets it go on; the session is saved as a
 * scenario file. Screenshots go to results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { parse } from "yaml";
import { runScenario } from "../../harness/runner/run-scenario.js";
import { startRunDashboard } from "../../harness/watch/run-watch.js";
import { launchChromium, SCREENSHOTS, skipBrowserTests, type Browser } from "./browser.js";

const totals = (page: Page) => page.$$eval("#nodes [data-node]", (nodes) => nodes.map((n) => n.getAttribute("data-total")).join(","));

describe.skipIf(skipBrowserTests)("driving a run from the page in Chromium", () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  it("adds a number with a click, cuts and restores a link, holds and goes on, and saves the session", { timeout: 120_000 }, async () => {
    await using watch = await startRunDashboard({ port: 0, intervalMs: 250 });
    const page = await browser!.context.newPage();
    try {
      await page.goto(watch.url);
      // Held before its first step, so every click below lands while the network is up and the scenario waits.
      await watch.live.submit({ kind: "hold" });
      const run = runScenario(
        {
          name: "driven from a browser",
          topology: { type: "line", nodes: 4 },
          steps: [{ inject: { at: "n1", values: [1] } }, { expect: {} }],
        },
        { observer: watch.observer, live: watch.live, lateGraceMs: 0 },
      );
      await expect.poll(() => totals(page), { timeout: 30_000, interval: 250 }).toBe("0,0,0,0");
      await expect.poll(() => page.textContent("#hold"), { timeout: 5_000 }).toBe("go on");

      // Click n3, type 7, add: every node's total on the page becomes 7, and the page judges them as the checker does.
      await page.click('#nodes [data-node="n3"]');
      await expect.poll(() => page.textContent("#action-target")).toBe("node n3");
      expect(await page.$$eval("#action-buttons button", (b) => b.map((x) => x.textContent))).toEqual(["stop", "restart", "pause", "kill"]);
      await page.fill("#add-value", "7");
      await page.click("#add-button");
      await expect.poll(() => page.textContent("#action-status"), { timeout: 20_000 }).toBe("done: add 7 at n3");
      await expect.poll(() => totals(page), { timeout: 20_000, interval: 250 }).toBe("7,7,7,7");
      await expect.poll(() => page.textContent("#agreement"), { timeout: 10_000 }).toBe("all 4 nodes agree · total 7 · 1 number");
      // Traffic flows on every link: a dot on each.
      await expect.poll(() => page.$$eval("#traffic circle", (c) => c.map((d) => d.getAttribute("data-edge")).sort()), { timeout: 10_000 }).toEqual(["n1-n2", "n2-n3", "n3-n4"]);

      // Click the n2-n3 link and cut it: it is drawn cut, its traffic stops, and numbers added at n1 stay on n1's side.
      await page.click('#edge-hits line[data-edge="n2-n3"]');
      await expect.poll(() => page.textContent("#action-target")).toBe("link n2 ↔ n3");
      await page.click('#action-buttons button[data-action="cut"]');
      await expect.poll(() => page.textContent("#action-status"), { timeout: 20_000 }).toBe("done: cut n2-n3");
      await expect.poll(() => page.$$eval('#edges line[data-cut="yes"]', (l) => l.map((x) => `${x.getAttribute("data-edge")} ${x.getAttribute("data-state")}`)), { timeout: 10_000 }).toEqual(["n2-n3 down"]);
      await expect.poll(() => page.$$eval("#traffic circle", (c) => c.map((d) => d.getAttribute("data-edge")).sort()), { timeout: 10_000 }).toEqual(["n1-n2", "n3-n4"]);
      await page.click('#nodes [data-node="n1"]');
      await page.fill("#add-value", "-12345678901234567890");
      await page.click("#add-button");
      await expect.poll(() => page.textContent("#action-status"), { timeout: 20_000 }).toBe("done: add -12345678901234567890 at n1");
      await expect.poll(() => totals(page), { timeout: 20_000, interval: 250 }).toBe("-12345678901234567883,-12345678901234567883,7,7");
      await expect.poll(() => page.textContent("#agreement"), { timeout: 10_000 }).toBe("partitioned into 2 sides · each side agrees within itself");
      await page.screenshot({ path: `${SCREENSHOTS}drive-partition.png` });

      // The panel offers what fits the node's state: a killed node can only be started.
      await page.click('#nodes [data-node="n2"]');
      await page.click('#action-buttons button[data-action="kill"]');
      await expect.poll(() => page.textContent("#action-status"), { timeout: 20_000 }).toBe("done: kill n2");
      await expect.poll(() => page.$$eval("#action-buttons button", (b) => b.map((x) => x.textContent)), { timeout: 10_000 }).toEqual(["start"]);
      await page.click('#action-buttons button[data-action="start"]');
      await expect.poll(() => page.textContent("#action-status"), { timeout: 30_000 }).toBe("done: start n2");

      // Restore the link from the page: the sides join.
      await page.click('#edge-hits line[data-edge="n2-n3"]');
      await page.click('#action-buttons button[data-action="restore"]');
      await expect.poll(() => page.textContent("#action-status"), { timeout: 20_000 }).toBe("done: restore n2-n3");
      await expect.poll(() => totals(page), { timeout: 20_000, interval: 250 }).toBe("-12345678901234567883,-12345678901234567883,-12345678901234567883,-12345678901234567883");

      // Go on: the scenario adds 1 at n1 and its expect wants what the page added too.
      await page.click("#hold");
      const result = await run;
      expect(result.failure).toBeUndefined();
      expect(result.steps.find((s) => s.kind === "expect")?.checks?.map((c) => c.reported)).toEqual(Array(4).fill("-12345678901234567882"));

      // Saved from the page: the session as a scenario, with what was done by hand.
      await expect.poll(() => page.isVisible("#save-session"), { timeout: 5_000 }).toBe(true);
      const href = await page.getAttribute("#save-session", "href");
      const saved = await (await fetch(new URL(href ?? "", watch.url))).text();
      const steps = (parse(saved) as { steps: Record<string, unknown>[] }).steps.filter((s) => !("sleep" in s));
      // (n3 dials n2 in a line: the link is recorded as its spec has it.)
      expect(steps.slice(0, 3)).toEqual([{ inject: { at: "n3", values: ["7"] } }, { partition: { links: [["n3", "n2"]] } }, { inject: { at: "n1", values: ["-12345678901234567890"] } }]);
    } finally {
      await page.close();
    }
  });
});
