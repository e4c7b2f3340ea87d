/**
 * `sumnet compose` end to end: the compose project of a small scenario (3 peers, one with DATA_DIR; inject,
 * partition, heal, kill, restart, pause, resume, expect) is started with the compose tool, and its driver service must log every
 * step passed: injections through the peers' control APIs by service name, the partition cut in the driver's relays,
 * the kill, restart, pause and resume through the Docker socket, and every expect judged by the checker.
 * Needs a Docker engine (skipped without one unless REQUIRE_DOCKER=1). Builds the images from this checkout.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runSumnet } from "../support/sumnet-cli.js";
import { compose, composeDown } from "./compose-cli.js";
import { dockerGate, eventually } from "./docker-gate.js";

const gate = await dockerGate("sumnet compose and its driver");

const SCENARIO = `name: compose-small
topology: {type: line, nodes: 3}
nodes:
  n1: {numbers: [1, 2]}
  n2: {numbers: [40], dataDir: true}
steps:
  - expect: {total: 43}
  - inject: {at: n3, values: [100]}
  - expect: {total: 143}
  - partition: {groups: [[n1]]}
  - inject: {at: n1, values: [5]}
  - inject: {at: n2, values: [7]}
  - expect: {nodes: n1, total: 148}
  - expect: {nodes: [n2, n3], total: 150}
  - heal:
  - expect: {total: 155}
  - kill: n2
  - inject: {at: n3, values: [-5]}
  - restart: n2
  - expect: {total: 150}
  - pause: n3
  - inject: {at: n1, values: [10]}
  - resume: n3
  - expect: {total: 160}
`;

describe.skipIf(!gate.available)("sumnet compose: the driver plays the scenario against the project", () => {
  const project = `sumnet-compose-test-${randomBytes(3).toString("hex")}`;
  let dir: string;
  let file: string;
  let started = false;
  const driverLog = () => compose(project, ["-f", file, "--project-directory", REPO_ROOT, "logs", "--no-color", "driver"], { cwd: REPO_ROOT, timeoutMs: 30_000 });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-compose-"));
    await writeFile(path.join(dir, "small.yaml"), SCENARIO);
    file = path.join(dir, "compose.yml");
    // Host ports away from the repository's compose file (8080-8086), which another suite may have up.
    const base = 18_000 + Math.floor(Math.random() * 1000) * 10;
    const generated = await runSumnet(["compose", path.join(dir, "small.yaml"), "--ports", String(base), "-o", file]);
    expect(generated.stderr).toBe("");
    expect(generated.code).toBe(0);
    started = true;
    await compose(project, ["-f", file, "--project-directory", REPO_ROOT, "up", "-d", "--build"], { cwd: REPO_ROOT, timeoutMs: 900_000 });
  }, 1_000_000);

  afterAll(async () => {
    if (started) await composeDown(project, ["-f", file, "--project-directory", REPO_ROOT], { cwd: REPO_ROOT, timeoutMs: 120_000 });
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it("logs every step with its verdict, and every step passed", async () => {
    const log = await eventually(
      "the driver's log to say how the scenario ended",
      async () => {
        const text = await driverLog();
        return /scenario "compose-small" (passed|failed)/.test(text) ? text : undefined;
      },
      240_000,
    );
    expect(log).not.toContain("FAILED");
    expect(log).toContain('scenario "compose-small" passed: every step passed (18/18)');
    for (const line of [
      "step 4/18 partition into [n1]: passed",
      "step 9/18 heal all (1 link): passed",
      "step 11/18 kill n2: passed",
      "step 13/18 restart n2: passed",
      "step 14/18 expect every node to agree on 150: passed",
      "step 15/18 pause n3: passed",
      "step 17/18 resume n3: passed",
      "step 18/18 expect every node to agree on 160: passed",
    ]) {
      expect(log).toContain(line);
    }
    // Without --loop the links stay up after the steps.
    await eventually("the driver to hold the links", async () => ((await driverLog()).includes("holding the links open") ? true : undefined), 60_000);
  }, 300_000);
});
