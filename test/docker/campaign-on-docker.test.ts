/**
 * Campaigns on the docker runtime, through the CLI: `sumnet explore` runs generated scenarios (pauses as `docker
 * pause`, kills, restarts, partitions, loads) against the reference image and finds nothing; `sumnet run --runs
 * --shrink` against an image of a faulty fixture reports the pass rate, shrinks the first failure and prints a replay
 * command that names the image. Needs a Docker engine: skipped with a printed reason without one, failing instead
 * when REQUIRE_DOCKER=1.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dockerClient } from "../../harness/runtime/docker/engine.js";
import { findLeftovers } from "../../harness/runtime/docker/leftovers.js";
import { ensureReferenceImage, nodeImageFromEnvironment } from "../../harness/runtime/docker/reference-image.js";
import { validateScenario } from "../../harness/scenario/load.js";
import { assertBuilt, REPO_ROOT, runSumnet } from "../support/sumnet-cli.js";
import { blameworthy, dockerGate } from "./docker-gate.js";

const exec = promisify(execFile);
const gate = await dockerGate("campaigns on the docker runtime");
const FAULTY_IMAGE = "sumnet-test/faulty-double-count:latest";

describe.skipIf(!gate.available)("campaigns on the docker runtime", () => {
  let tmp: string;
  let before: Set<string>;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-docker-campaign-"));
    await ensureReferenceImage({ log: (line) => console.log(line) });
    await exec(
      "docker",
      ["build", "-q", "--build-arg", `NODE_IMAGE=${nodeImageFromEnvironment()}`, "--build-arg", "FIXTURE=double-count.mjs",
        "-t", FAULTY_IMAGE, path.join(REPO_ROOT, "test/fixtures/faulty-peers")],
      { timeout: 300_000 },
    );
    before = new Set((await findLeftovers(await dockerClient())).map((l) => l.id));
  }, 900_000);

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("explore finds nothing in the reference image in 2 generated scenarios, and leaves nothing behind", async () => {
    const r = await runSumnet([
      "explore", "--runtime", "docker", "--runs", "2", "--seed", "3", "--expect-timeout", "30s", "--results", path.join(tmp, "explore"),
    ]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/run 1 seed 3: .*: pass/);
    expect(r.stderr).toMatch(/run 2 seed 4: .*: pass/);
    const docker = await dockerClient();
    expect(await blameworthy(docker, (await findLeftovers(docker)).filter((l) => !before.has(l.id) && !l.ownerAlive))).toEqual([]);
  }, 600_000);

  it("run --runs 2 --shrink reports 0/2 for an image that counts twice and shrinks the first failure", async () => {
    const file = path.join(tmp, "two-paths.json");
    await writeFile(file, JSON.stringify({
      name: "two-paths",
      seed: 20,
      topology: { type: "ring", nodes: 3 },
      defaults: { expectTimeout: "5s" },
      steps: [{ inject: { at: "n1", values: [5] } }, { sleep: "200ms" }, { expect: {} }],
    }));
    const results = path.join(tmp, "double");
    const r = await runSumnet([
      "run", file, "--runtime", "docker", "--image", FAULTY_IMAGE, "--runs", "2", "--late-grace", "2s",
      "--results", results, "--shrink", "--shrink-budget", "150s",
    ]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toContain("two-paths: 0/2 passed; failed seeds 20, 21");
    const minimal = path.join(results, "seed-20", "two-paths", "minimal.yaml");
    expect(r.stderr).toContain(`replay: sumnet run ${minimal} --runtime docker --image ${FAULTY_IMAGE}`);
    const scenario = validateScenario(parse(await readFile(minimal, "utf8")));
    expect(scenario.steps.length).toBeLessThanOrEqual(3);
    expect(scenario.steps.at(-1)).toHaveProperty("expect");
    const docker = await dockerClient();
    expect(await blameworthy(docker, (await findLeftovers(docker)).filter((l) => !before.has(l.id) && !l.ownerAlive))).toEqual([]);
  }, 600_000);
});
