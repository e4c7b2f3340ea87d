/** The sumnet CLI as users run it: the built bin, real processes, exit codes 0/1/2. */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../runtime/local/local-runtime.js";
import type { StartedNetwork } from "../runtime/runtime.js";
import { REPO_ROOT, assertBuilt, runSumnet } from "../../test/support/sumnet-cli.js";

const root = REPO_ROOT;
const sumnet = runSumnet;
let tmp: string;


beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-cli-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("sumnet CLI", { timeout: 180_000 }, () => {
  it("--help on every command, exit 0; unknown command exit 2", async () => {
    const main = await sumnet(["--help"]);
    expect(main.code).toBe(0);
    for (const c of ["run", "validate", "schema", "add", "total", "console", "peer"]) {
      expect(main.stdout).toContain(`  ${c} `);
      const r = await sumnet([c, "--help"]);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: sumnet ${c}`));
      expect(r.stdout).toContain("Exit codes:");
    }
    const bad = await sumnet(["frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });

  it("validate: 0 for the library, 2 with file:line and field for a broken file", async () => {
    const ok = await sumnet(["validate", "scenarios"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("ok  scenarios/01-line-basic.yaml: line-basic (5 nodes, 4 links, 5 steps)");
    const file = path.join(tmp, "broken.yaml");
    await writeFile(file, "name: broken\ntopology: {type: ring, nodes: 3}\nsteps:\n  - kill: n4\n");
    const bad = await sumnet(["validate", file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${file}:4:11 steps[0].kill: unknown node "n4"`);
  });

  it("schema prints the committed JSON Schema", async () => {
    const r = await sumnet(["schema"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(await readFile(path.join(root, "scenarios/scenario.schema.json"), "utf8")));
  });

  it("run: usage errors exit 2", async () => {
    expect((await sumnet(["run", "--bogus"])).code).toBe(2);
    expect((await sumnet(["run", "--runtime", "vm"])).code).toBe(2);
    expect((await sumnet(["run", "--seed", "x"])).code).toBe(2);
    expect((await sumnet(["run", "no/such/file.yaml"])).code).toBe(2);
    const none = await sumnet(["run", "scenarios", "--filter", "no-scenario-has-this-name"]);
    expect(none.code).toBe(2);
    const watchSim = await sumnet(["run", "--runtime", "sim", "--watch", "scenarios/01-line-basic.yaml"]);
    expect(watchSim.code).toBe(2);
    expect(watchSim.stderr).toContain("--watch needs a network on the machine's clock: --runtime local or docker, not sim");
    const simPeer = await sumnet(["run", "--runtime", "sim", "--peer-command", "python3 peer.py", "scenarios/01-line-basic.yaml"]);
    expect(simPeer.code).toBe(2);
    expect(simPeer.stderr).toContain("--runtime sim simulates the reference peer only");
  });

  it("run: 0 and a JSON report when scenarios pass, 1 and a JUnit failure when a peer is wrong", async () => {
    const json = path.join(tmp, "report.json");
    const pass = await sumnet(["run", "scenarios/01-line-basic.yaml", "--reporter", "json", "--out", json]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain("1 passed");
    const doc = JSON.parse(await readFile(json, "utf8"));
    expect(doc.summary).toMatchObject({ total: 1, passed: 1, failed: 0 });
    expect(doc.scenarios[0]).toMatchObject({ name: "line-basic", status: "passed" });

    const xml = path.join(tmp, "junit.xml");
    const fail = await sumnet([
      "run",
      "scenarios/01-line-basic.yaml",
      "--peer-command",
      `node ${path.join(root, "test/fixtures/faulty-peers/neighbours-only.mjs")}`,
      "--reporter",
      "junit",
      "--out",
      xml,
      "--results",
      path.join(tmp, "results"),
      "--timeout-scale",
      "0.3",
    ]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/✗ 3\. expect every node to agree on 16/);
    const report = await readFile(xml, "utf8");
    expect(report).toContain('<testsuites name="sumnet" tests="1" failures="1"');
    expect(report).toMatch(/<failure message="step 3 \(expect every node to agree on 16\): \d of 5 nodes did not report/);
    expect(report).toContain("missing");
    expect(existsSync(path.join(tmp, "results/line-basic/n5.log"))).toBe(true);
  });

  describe("against a running peer", () => {
    let net: StartedNetwork;
    beforeAll(async () => {
      net = await new LocalRuntime().start({
        name: "cli",
        nodes: [{ id: "c1", env: {}, dataDir: false, numbers: ["5"] }],
        links: [],
      });
    });
    afterAll(async () => {
      await net?.[Symbol.asyncDispose]();
    });

    it("add, total, and the console menu with piped input", async () => {
      const url = net.controlUrl("c1");
      expect(await sumnet(["add", "37", "--node", url])).toMatchObject({ code: 0, stdout: "added 37 at c1\n" });
      expect((await sumnet(["add", "-100000000000000000000", "--node", url])).code).toBe(0);
      expect(await sumnet(["add", "1.5", "--node", url])).toMatchObject({ code: 2 });
      expect(await sumnet(["add", "5"])).toMatchObject({ code: 2 });
      const total = await sumnet(["total", "--node", url, "--json"]);
      expect(JSON.parse(total.stdout)).toEqual({ node: "c1", total: "-99999999999999999958", count: 3 });

      const session = await sumnet(["console", "--node", url], "2\n1\nabc\n1\n58\n9\n2\n3\n");
      expect(session.code).toBe(0);
      expect(session.stdout).toContain("1) add a number\n2) show the network's total\n3) quit");
      expect(session.stdout).toContain("the network's total is -99999999999999999958 (3 numbers)");
      expect(session.stdout).toContain('"abc" is not an integer');
      expect(session.stdout).toContain("added 58");
      expect(session.stdout).toContain('"9" is not a choice: type 1, 2 or 3');
      expect(session.stdout).toContain("the network's total is -99999999999999999900 (4 numbers)");
      expect(session.stdout.trimEnd().endsWith("bye")).toBe(true);

      const unreachable = await sumnet(["total", "--node", "http://127.0.0.1:9"]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain("did not answer GET /total");
    });
  });
});
