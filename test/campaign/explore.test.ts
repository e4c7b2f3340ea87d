/**
 * `sumnet explore` with real processes: it finds the bug of a deliberately faulty peer and shrinks it to a handful
 * of steps, and finds nothing in the reference peer.
 */
import { readFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateScenario } from "../../harness/scenario/load.js";
import { assertBuilt, runSumnet } from "../support/sumnet-cli.js";

let tmp: string;
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-explore-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("sumnet explore", { timeout: 200_000 }, () => {
  it("finds the missing resync of no-resync.mjs and shrinks it to a handful of steps", async () => {
    const results = path.join(tmp, "no-resync");
    const r = await runSumnet([
      "explore", "--peer-command", "node test/fixtures/faulty-peers/no-resync.mjs", "--runs", "4", "--budget", "60s",
      "--expect-timeout", "3s", "--shrink-budget", "100s", "--shrink-attempts", "1", "--results", results,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^run 1 seed 1: \w+ of \d+ nodes, \d+ steps(, load and nemesis|, load|, nemesis)?: (pass|FAIL)/m);
    expect(r.stderr).toMatch(/shrunk \d+ steps and \d+ nodes to \d+ steps? and \d+ nodes? in \d+ runs/);
    const file = /^minimal scenario: (.+)$/m.exec(r.stdout)?.[1] as string;
    expect(file.startsWith(results)).toBe(true);
    expect(r.stdout).toContain(`replay: sumnet run ${file} --peer-command 'node test/fixtures/faulty-peers/no-resync.mjs'`);
    const minimal = validateScenario(parse(await readFile(file, "utf8")));
    expect(minimal.steps.length).toBeLessThanOrEqual(6);
    expect(await readFile(file, "utf8")).toMatch(/^# Minimal counterexample of explore-\d+: lost at /);
  });

  it("finds nothing in the reference peer in 4 runs, each with a nemesis under load, and exits 0", async () => {
    const r = await runSumnet(["explore", "--runs", "4", "--seed", "100", "--nemesis-under-load", "--results", path.join(tmp, "reference")]);
    expect(r.stderr.match(/^run \d seed \d+: .*, load and nemesis: pass/gm), r.stderr).toHaveLength(4);
    expect(r.stdout).toMatch(/^no failure in 4 runs/);
    expect(r.code).toBe(0);
  });

  it("rejects bad usage with exit 2", async () => {
    for (const args of [["--budget", "soon"], ["--runs", "0"], ["--runtime", "vm"], ["--image", "x", "--runtime", "local"], ["extra"]]) {
      const r = await runSumnet(["explore", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
    const help = await runSumnet(["explore", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes: 0 no failure found");
  });
});
