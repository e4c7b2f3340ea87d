import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, inject, startLocalPeers, type LocalPeers } from "../../test/browser/local-peers.js";
import { NetworkWatch } from "./network-view.js";
import { renderTerminalTable, shortenTotal } from "./terminal-table.js";

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL("../../dist/harness/watch/main.js", import.meta.url));

/** Runs the built `sumnet watch` entry with output to a pipe (not a terminal). */
async function watch(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("sumnet watch in a terminal", () => {
  let network: LocalPeers | undefined;
  beforeAll(async () => {
    network = await startLocalPeers(3, "line");
  });
  afterAll(async () => {
    await network?.[Symbol.asyncDispose]();
  });
  const urls = () => network!.peers.map((p) => p.url).join(",");

  it("--once prints one table and exits 0 once all nodes agree", async () => {
    await inject(network!.peers[0]!.url, [5, -2]);
    let result = await watch(["--once", "--nodes", urls()]);
    for (let i = 0; i < 40 && result.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      result = await watch(["--once", "--nodes", urls()]);
    }
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("all 3 nodes agree: total 3, 2 numbers");
    expect(result.stdout).toMatch(/^n2\s+3\s+2\s+2\/2\s+agree$/m);
    // Not a terminal: no colour, no cursor movement.
    expect(result.stdout).not.toContain("\x1b");
  });

  it("--once exits 1 and names the node that does not answer", async () => {
    const port = await freePort(); // nothing listens there
    const dead = `http://127.0.0.1:${port}`;
    const result = await watch(["--once", "--nodes", `${urls()},${dead}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("3 of 4 nodes agree");
    expect(result.stdout).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} .*no answer: ${dead} did not answer GET /state \\(ECONNREFUSED\\)$`, "m"));
  });

  it("prints a snapshot per interval when the output is not a terminal", async () => {
    const child = execFile(process.execPath, [MAIN, "--interval", "200", "--nodes", urls()], { env: { PATH: process.env.PATH } });
    let out = "";
    child.stdout!.on("data", (chunk: string) => (out += chunk));
    try {
      await expect.poll(() => out.split("\n--- ").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
    expect(out).toMatch(/^--- \d{4}-\d\d-\d\dT/m);
  });

  it("rejects bad usage with exit status 2 and says what is expected", async () => {
    expect(await watch([])).toMatchObject({ code: 2, stderr: expect.stringContaining("give --nodes URL,URL... or --compose") });
    expect(await watch(["--nodes", "http://ok:1,ftp://x"])).toMatchObject({ code: 2, stderr: expect.stringContaining('entry 2 "ftp://x" is not an http URL') });
    expect(await watch(["--nodes", "a:1", "--port", "http"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--port: expected an integer") });
    expect(await watch(["--bogus"])).toMatchObject({ code: 2 });
    const help = await watch(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: sumnet watch");
  });
});

describe("renderTerminalTable", () => {
  const view = new NetworkWatch().observe(
    { nodes: [{ url: "http://a:1" }, { url: "http://b:1" }] },
    [
      { url: "http://a:1", reachable: true, node: "a", total: "9".repeat(60), count: 4, links: [] },
      { url: "http://b:1", reachable: true, node: "b", total: "1", count: 1, links: [] },
    ],
    0,
  );

  it("colours lagging nodes only when asked", () => {
    expect(renderTerminalTable(view, { color: false })).not.toContain("\x1b");
    expect(renderTerminalTable(view, { color: true })).toContain("\x1b[33m");
    expect(renderTerminalTable(view, { color: false })).toMatch(/^b\s+1\s+1\s+0\/0\s+lag \(3 missing\)$/m);
  });

  it("shortens huge totals in the middle", () => {
    expect(shortenTotal("-" + "1234567890".repeat(5), 13)).toBe("-12345…567890");
    expect(renderTerminalTable(view, { color: false })).toContain("99999999999…99999999999");
  });
});
