/**
 * `docker compose up` and the dashboard at http://localhost:8080: the compose project of the repository (six peers and
 * the dashboard service) is built and started under its own project name, and Chromium must see the six peers agree
 * on 316 (and `sumnet watch --compose` must find them); then n3 is stopped and its three links must be drawn cut.
 * Needs a Docker engine (skipped without one unless REQUIRE_DOCKER=1) and Chromium (unless REQUIRE_BROWSER=1).
 * Uses the compose file's fixed host ports 8080-8086.
 */
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose as composeTool } from "../docker/compose-cli.js";
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
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${DASHBOARD}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the dashboard did not answer ${DASHBOARD}/health within 60 s:\n${await compose(["logs", "--tail", "20", "dashboard"], 30_000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(`${DASHBOARD}/`);
  }, 1_000_000);

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    if (started) await compose(["down", "-v", "-t", "2"], 120_000);
  }, 180_000);

  it("shows the six peers converging to 316 over a line with a branch", async () => {
    const totals = () => page.$$eval("#nodes [data-node]", (nodes) => nodes.map((n) => `${n.getAttribute("data-node")}=${n.getAttribute("data-total")}`).join(" "));
    await expect.poll(totals, { timeout: 60_000, interval: 500 }).toBe("n1=316 n2=316 n3=316 n4=316 n5=316 n6=316");
    await expect.poll(() => page.getAttribute("#agreement", "data-agree"), { timeout: 5_000 }).toBe("yes");
    const edges = () => page.$$eval("#edges line", (lines) => lines.map((l) => `${l.getAttribute("data-edge")}:${l.getAttribute("data-state")}`).sort());
    await expect.poll(edges, { timeout: 10_000 }).toEqual(["n1-n2:up", "n2-n3:up", "n3-n4:up", "n3-n6:up", "n4-n5:up"]);
    await page.screenshot({ path: `${SCREENSHOTS}compose-dashboard.png` });
  });

  it("sumnet watch --compose finds the project's peers by their published ports (not the dashboard)", async () => {
    const main = fileURLToPath(new URL("../../dist/harness/watch/main.js", import.meta.url));
    const once = () =>
      run(process.execPath, [main, "--compose", "--project", PROJECT, "--once"], { env: { PATH: process.env.PATH }, timeout: 30_000 }).then(
        (r) => r.stdout,
        (error: { stdout: string }) => error.stdout,
      );
    // Exit status 1 (and a table saying so) when a peer answered too late on a loaded machine: ask again.
    let stdout = await once();
    for (let i = 0; i < 5 && !stdout.includes("all 6 nodes agree"); i++) stdout = await once();
    expect(stdout).toContain("all 6 nodes agree: total 316, 14 numbers");
    expect(stdout.match(/^n\d /gm)).toEqual(["n1 ", "n2 ", "n3 ", "n4 ", "n5 ", "n6 "]);
  });

  it("draws n3's links cut when n3 stops", async () => {
    await compose(["stop", "-t", "2", "n3"], 60_000);
    const down = () => page.$$eval('#edges line[data-state="down"]', (lines) => lines.map((l) => l.getAttribute("data-edge")).sort());
    await expect.poll(down, { timeout: 30_000, interval: 500 }).toEqual(["n2-n3", "n3-n4", "n3-n6"]);
    expect(await page.getAttribute('#nodes [data-node="n3"]', "data-status")).toBe("unreachable");
    await page.screenshot({ path: `${SCREENSHOTS}compose-dashboard-n3-stopped.png` });
  });
});
