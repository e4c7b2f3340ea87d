/**
 * The docker runtime against a real engine and the reference image: wiring, real partitions, link shaping outside
 * the containers, kill/stop/restart with DATA_DIR, join/leave, crash detection, logs, and that nothing is left behind.
 * Needs a Docker engine: skipped with a printed reason without one, failing instead when REQUIRE_DOCKER=1.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allAgreeOn, dockerGate, testNode as node } from "../../../test/docker/docker-gate.js";
import {
  delaysOutsideTheContainers,
  lineNetwork,
  keepsDataDirAcrossKillAndRestart,
  partitionsAndHeals,
  reportsACrashBehindItsBack,
} from "../../../test/docker/container-runtime-behaviour.js";
import type { NetworkEvent } from "../runtime.js";
import type { StartedDockerNetwork } from "./docker-runtime.js";
import { DockerRuntime } from "./docker-runtime.js";
import { dockerClient } from "./engine.js";
import { LABEL_RUN } from "./labels.js";
import { findLeftovers } from "./leftovers.js";
import { ensureReferenceImage } from "./reference-image.js";

const gate = await dockerGate("docker runtime tests");

describe.skipIf(!gate.available)("docker runtime", () => {
  let image: string;
  let runtime: DockerRuntime;
  let network: StartedDockerNetwork | undefined;
  const events: NetworkEvent[] = [];
  let logDir: string;

  beforeAll(async () => {
    image = await ensureReferenceImage({ log: (line) => console.log(line) });
    runtime = new DockerRuntime({ image });
    logDir = await mkdtemp(path.join(os.tmpdir(), "sumnet-docker-test-logs-"));
  }, 900_000);

  afterAll(async () => {
    await network?.[Symbol.asyncDispose]().catch(() => undefined);
    await rm(logDir, { recursive: true, force: true });
  }, 120_000);

  // a <- b <- c <- d : b dials a, c dials b, d dials c. b keeps a DATA_DIR.
  const ids = ["a", "b", "c", "d"];

  it("starts every node as a container on one private network only, labelled, and they converge", async () => {
    network = await runtime.start(
      lineNetwork("docker runtime test"),
      { healthTimeoutMs: 60_000 },
    );
    network.subscribe((event) => events.push(event));
    await allAgreeOn(network, ids, "-90");

    const docker = await dockerClient();
    const containers = await docker.listContainers({ filters: { label: [`${LABEL_RUN}=${network.runId}`] } });
    expect(containers.map((c) => c.Labels["sumnet.node"]).sort()).toEqual(ids);
    for (const container of containers) {
      // Only the scenario network: not the default bridge, where peers could reach each other around the relays.
      expect(Object.keys(container.NetworkSettings.Networks)).toEqual([`sumnet-${network.runId}`]);
    }
    const net = await docker.getNetwork(`sumnet-${network.runId}`).inspect();
    expect(net.Internal).toBe(true);
    expect(net.Options?.["com.docker.network.bridge.enable_icc"]).toBe("false");
  });

  it("cutting a link partitions the network for real; restoring it heals", async () => {
    await partitionsAndHeals(network as StartedDockerNetwork);
  });

  it("delays a link outside the containers (no tc, no netem in the image)", async () => {
    await delaysOutsideTheContainers(network as StartedDockerNetwork);
  });

  it("kill and restart keep a DATA_DIR node's numbers; exits are reported", async () => {
    await keepsDataDirAcrossKillAndRestart(network as StartedDockerNetwork);
  });

  it("reports a container that dies behind the harness's back as exited", async () => {
    const net = network as StartedDockerNetwork;
    await reportsACrashBehindItsBack(net, net.runId, events);
  });

  it("joins a node and lets one leave", async () => {
    const net = network as StartedDockerNetwork;
    await expect(net.addNode(node("x", []), [{ from: "a", to: "x" }])).rejects.toThrow(/cannot be made to dial a joining node/);
    await net.addNode(node("e", ["68"]), [{ from: "e", to: "d" }], { healthTimeoutMs: 60_000 });
    await allAgreeOn(net, [...ids, "e"], "1000");
    await net.removeNode("e");
    expect(net.snapshot().nodes.find((n) => n.id === "e")?.status).toBe("removed");
    expect(net.snapshot().links.some((l) => l.from === "e")).toBe(false);
    expect(events.some((e) => e.type === "link-removed" && e.link.from === "e")).toBe(true);
    expect(await net.readLog("e")).toContain("started");
  });

  it("saves every node's log, then removes every container, the network and the DATA_DIR folders", async () => {
    const net = network as StartedDockerNetwork;
    const files = await net.collectLogs(logDir);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(["a.log", "b.log", "c.log", "d.log", "e.log"]);
    const bLog = await readFile(path.join(logDir, "b.log"), "utf8");
    // Two starts of b in one log, in order.
    expect(bLog.match(/ started /g)?.length).toBe(2);

    const docker = await dockerClient();
    const dataDirs = (await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${net.runId}`] } }))
      .flatMap((c) => c.Mounts.map((m) => m.Source))
      .filter((source) => source.includes("sumnet-"));
    expect(dataDirs.length).toBe(1);
    await net[Symbol.asyncDispose]();
    await net[Symbol.asyncDispose](); // idempotent
    expect(await findLeftovers(docker, { run: net.runId })).toEqual([]);
    expect(dataDirs.filter((dir) => existsSync(dir))).toEqual([]);
    network = undefined;
  });

  it("a node that cannot start makes start() fail naming it, with its log, and leaves nothing behind", async () => {
    const failing = runtime.start(
      {
        name: "docker runtime failing start",
        nodes: [node("ok1", ["1"]), node("bad", ["2"], { env: { BATCH_MS: "not-a-number" } })],
        links: [{ from: "bad", to: "ok1" }],
      },
      { healthTimeoutMs: 60_000 },
    );
    await expect(failing).rejects.toThrow(/bad exited before it was healthy \(code 2\).*BATCH_MS/s);
    const docker = await dockerClient();
    const ours = (await findLeftovers(docker)).filter((l) => l.network === "docker runtime failing start");
    expect(ours).toEqual([]);
  });
});
