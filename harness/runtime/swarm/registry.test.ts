/**
 * Images on every machine: names in a registry, a machine that cannot get an image (said plainly), and a real push to
 * a registry and pull by the swarm (`--registry`), against a local registry (Debian's docker-registry, which
 * `.ci/run` installs). The real parts need a swarm: skipped with a printed reason without one, failing when
 * REQUIRE_DOCKER=1; the registry part also skips (with its reason) when no registry binary is installed, outside CI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allAgreeOn, eventually, swarmGate, testNode as node } from "../../../test/docker/docker-gate.js";
import { dockerClient } from "../docker/engine.js";
import { LABEL_RUN } from "../docker/labels.js";
import { findLeftovers } from "../docker/leftovers.js";
import { ensureReferenceImage } from "../docker/reference-image.js";
import { freePort } from "../local/free-port.js";
import { registryName } from "./registry.js";
import { taskProblem } from "./swarm-host.js";
import { SwarmRuntime } from "./swarm-runtime.js";

describe("image names for a registry", () => {
  it("puts a local image under the registry, keeps its tag, and leaves one already there alone", () => {
    expect(registryName("sumnet/peer:src-abc", "10.0.0.5:5000")).toBe("10.0.0.5:5000/sumnet/peer:src-abc");
    expect(registryName("my-peer", "reg:5000")).toBe("reg:5000/my-peer:latest");
    expect(registryName("reg:5000/my-peer:1", "reg:5000")).toBe("reg:5000/my-peer:1");
  });

  it("says plainly when a machine cannot get an image, and what to do", () => {
    const task = { ID: "t123456789012345", ServiceID: "s", CreatedAt: "", DesiredState: "running", Status: { State: "rejected", Err: "No such image: my-peer:latest" } };
    const machine = { id: "m", hostname: "worker-2", addr: "10.0.0.7" };
    expect(taskProblem(task, machine)).toBe(
      "task t12345678901 is rejected on worker-2: No such image: my-peer:latest. The machine cannot get the image: on a swarm of several machines, pass --registry HOST:PORT so that every machine pulls it",
    );
  });
});

const gate = await swarmGate("swarm registry tests");
const REGISTRY_BINARY = "/usr/bin/docker-registry";
const required = process.env.REQUIRE_DOCKER === "1";
if (gate.available && !existsSync(REGISTRY_BINARY) && !required) {
  console.warn(`skipping the --registry push test: no ${REGISTRY_BINARY} (apt-get install docker-registry; .ci/run installs it)`);
}

describe.skipIf(!gate.available)("images on a swarm", () => {
  it("an image this machine does not have fails the start before anything runs, naming it and the way out", async () => {
    const runtime = new SwarmRuntime({ image: "sumnet-test/no-such-image:never" });
    await expect(runtime.start({ name: "swarm missing image", nodes: [node("m1", ["1"])], links: [] }, { healthTimeoutMs: 30_000 })).rejects.toThrow(
      "swarm runtime: image sumnet-test/no-such-image:never is not on this machine: build or pull it first, or pass --registry HOST:PORT with a registry that has it",
    );
    const docker = await dockerClient();
    expect((await findLeftovers(docker)).filter((l) => l.network === "swarm missing image")).toEqual([]);
  }, 180_000);

  describe.skipIf(!existsSync(REGISTRY_BINARY) && !required)("--registry", () => {
    let registry: ChildProcess | undefined;
    let dir: string;
    let address: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-registry-"));
      const port = await freePort();
      address = `127.0.0.1:${port}`;
      const config = path.join(dir, "config.yml");
      await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${address}\n`);
      registry = spawn(REGISTRY_BINARY, ["serve", config], { stdio: "ignore" });
      await eventually("the registry to answer", async () => ((await fetch(`http://${address}/v2/`)).status === 200 ? true : undefined));
    }, 60_000);

    afterAll(async () => {
      registry?.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    });

    it("pushes the images a run uses (peer and link agent) and the services pull them from there", async () => {
      const image = await ensureReferenceImage();
      const network = await new SwarmRuntime({ image, registry: address }).start(
        { name: "swarm registry test", nodes: [node("r1", ["1"]), node("r2", ["2"])], links: [{ from: "r2", to: "r1" }] },
        { healthTimeoutMs: 60_000 },
      );
      try {
        await allAgreeOn(network, ["r1", "r2"], "3");
        const docker = await dockerClient();
        const services = (await docker.listServices({ filters: { label: [`${LABEL_RUN}=${network.runId}`] } })) as unknown as {
          Spec: { TaskTemplate: { ContainerSpec: { Image: string } } };
        }[];
        expect(services.length).toBe(3);
        for (const s of services) expect(s.Spec.TaskTemplate.ContainerSpec.Image.startsWith(`${address}/`)).toBe(true);
        const catalog = (await (await fetch(`http://${address}/v2/_catalog`)).json()) as { repositories: string[] };
        expect(catalog.repositories.sort()).toEqual(["sumnet/agent", "sumnet/peer"]);
      } finally {
        await network[Symbol.asyncDispose]();
      }
    }, 300_000);
  });
});
