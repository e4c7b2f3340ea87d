/**
 * `docker compose up` and the dashboard at http://localhost:8080: the compose project of the repository (six peers and
 * the driver playing scenarios/demo-living-network.yaml in a loop and serving the dashboard) is built and started
 * under its own project name. Chromium must see the six peers agree on 316 at the start of a round (and `sumnet watch
 * --compose` must find them), the demo's partition drawn as one cut link, its kill of n3 as n3's three links cut, and
 * a number added with a click counted by the driver.
 * Needs a Docker engine (skipped without one unless REQUIRE_DOCKER=1) and Chromium (unless REQUIRE_BROWSER=1).
 * Uses the compose file's fixed host ports 8080-8086.
 */
import { performance } from "node:perf_hooks";
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose as composeTool, composeDown } from "../docker/compose-cli.js";
import { dockerGate } from "../docker/docker-gate.js";
import { launchChromium, SCREENSHOTS, skipBrowserTests, type Browser } from "./browser.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROJECT = "sumnet-dashboard-test";
const DASHBOARD = "http://127.0.0.1:8080";
const gate = await dockerGate("compose dashboard");

function compose(args: string[], timeoutMs: number): Promise<string> {
  return composeTool(PROJECT, args, { cwd: ROOT, timeoutMs });
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe.skipIf(!gate.available || skipBrowserTests)("docker compose up: the dashboard service", () => {
  let browser: Browser | undefined;
  let page: Page;
  let started = false;

  beforeAll(async () => {
    const taken = [];
    for (let port = 8080; port <= 8086; port++) if (await portTaken(port)) taken.push(port);
    if (taken.length > 0) throw new Error(`host ports ${taken.join(", ")} are in use; the compose file publishes 8080-8086`);
    started = true;
    await compose(["up", "-d", "--build"], 900_000);
    const deadline = performance.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${DASHBOARD}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (performance.now() > deadline) throw new Error(`the dashboard did not answer ${DASHBOARD}/health within 60 s:\n${await compose(["logs", "--tail", "20", "driver"], 30_000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(`${DASHBOARD}/`);
  }, 1_000_000);

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    if (started) await composeDown(PROJECT, [], { cwd: ROOT, timeoutMs: 120_000 });
  }, 180_000);

  const totals = () => page.$$eval("#nodes [data-node]", (nodes) => nodes.map((n) => `${n.getAttribute("data-node")}=${n.getAttribute("data-total")}`).join(" "));
  const downEdges = () => page.$$eval('#edges line[data-state="down"]', (lines) => lines.map((l) => l.getAttribute("data-edge")).sort().join(" "));
  // One round of the demo lasts about a minute; a loaded machine may need two.
  const ROUND_MS = 180_000;

  it("shows the six peers agreeing on 316 over a line with a branch when a round starts", async () => {
    await expect.poll(totals, { timeout: ROUND_MS, interval: 250 }).toBe("n1=316 n2=316 n3=316 n4=316 n5=316 n6=316");
    const edges = () => page.$$eval("#edges line", (lines) => lines.map((l) => `${l.getAttribute("data-edge")}:${l.getAttribute("data-state")}`).sort());
    await expect.poll(edges, { timeout: 10_000 }).toEqual(["n1-n2:up", "n2-n3:up", "n3-n4:up", "n3-n6:up", "n4-n5:up"]);
    await page.screenshot({ path: `${SCREENSHOTS}compose-dashboard.png` });
  }, ROUND_MS + 20_000);

  it("sumnet watch --compose finds the project's peers by their published ports (not the dashboard, not the driver)", async () => {
    const main = fileURLToPath(new URL("../../dist/harness/watch/main.js", import.meta.url));
    const once = () =>
      run(process.execPath, [main, "--compose", "--project", PROJECT, "--once"], { env: { PATH: process.env.PATH }, timeout: 30_000 }).then(
        (r) => r.stdout,
        (error: { stdout: string }) => error.stdout,
      );
    // The demo keeps changing the totals (and cuts links): ask until a moment when all six agree.
    let stdout = await once();
    for (let i = 0; i < 60 && !/all 6 nodes agree/.test(stdout); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      stdout = await once();
    }
    expect(stdout).toMatch(/all 6 nodes agree: total -?\d+, \d+ numbers/);
    expect(stdout.match(/^n\d /gm)).toEqual(["n1 ", "n2 ", "n3 ", "n4 ", "n5 ", "n6 "]);
  }, 120_000);

  it("draws the demo's partition as the one cut link n2-n3", async () => {
    await expect.poll(downEdges, { timeout: ROUND_MS, interval: 250 }).toBe("n2-n3");
    await page.screenshot({ path: `${SCREENSHOTS}compose-dashboard-partition.png` });
  }, ROUND_MS + 10_000);

  it("adds a number with a click on n6: the driver carries it out as a step", async () => {
    await expect.poll(() => page.isVisible("#hold"), { timeout: 10_000 }).toBe(true);
    await page.click('#nodes [data-node="n6"]');
    await expect.poll(() => page.textContent("#action-target")).toBe("node n6");
    await page.fill("#add-value", "1000000");
    await page.click("#add-button");
    await expect.poll(() => page.textContent("#action-status"), { timeout: 90_000 }).toBe("done: add 1000000 at n6");
    await page.screenshot({ path: `${SCREENSHOTS}compose-dashboard-driven.png` });
    await page.click("#close-panel");
  }, 120_000);

  it("draws n3's links cut while the driver has n3 killed", async () => {
    const picture = async () => `${await downEdges()} / n3 ${await page.getAttribute('#nodes [data-node="n3"]', "data-status")}`;
    await expect.poll(picture, { timeout: ROUND_MS, interval: 250 }).toBe("n2-n3 n3-n4 n3-n6 / n3 unreachable");
    await page.screenshot({ path: `${SCREENSHOTS}compose-dashboard-n3-killed.png` });
  }, ROUND_MS + 10_000);
});
