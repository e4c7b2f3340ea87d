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
import { dockerGate, eventually, getTotal, postNumber } from "../../../test/docker/docker-gate.js";
import type { NodeSpec } from "../../network/spec.js";
import type { NetworkEvent } from "../runtime.js";
import type { StartedDockerNetwork } from "./docker-runtime.js";
import { DockerRuntime } from "./docker-runtime.js";
import { dockerClient } from "./engine.js";
import { LABEL_RUN } from "./labels.js";
import { findLeftovers } from "./leftovers.js";
import { ensureReferenceImage } from "./reference-image.js";

const gate = await dockerGate("docker runtime tests");

function node(id: string, numbers: string[], extra: Partial<NodeSpec> = {}): NodeSpec {
  return { id, env: { SYNC_INTERVAL_MS: "300" }, dataDir: false, numbers, ...extra };
}

async function totals(network: StartedDockerNetwork, ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await getTotal(network.controlUrl(id))).total));
}

async function allAgreeOn(network: StartedDockerNetwork, ids: readonly string[], total: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    `${ids.join(",")} to agree on total ${total}`,
    async () => ((await totals(network, ids)).every((t) => t === total) ? true : undefined),
    timeoutMs,
  );
}

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
      {
        name: "docker runtime test",
        nodes: [node("a", ["1"]), node("b", ["2"], { dataDir: true }), node("c", ["3"]), node("d", ["4", "-100"])],
        links: [
          { from: "b", to: "a" },
          { from: "c", to: "b" },
          { from: "d", to: "c" },
        ],
      },
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
    const net = network as StartedDockerNetwork;
    await net.cutLink("c", "b");
    expect(net.snapshot().links.find((l) => l.from === "c")?.cut).toBe(true);
    await postNumber(net.controlUrl("a"), 1000);
    await allAgreeOn(net, ["a", "b"], "910");
    // Several anti-entropy rounds (300 ms) pass: the far side must still not know it.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await totals(net, ["c", "d"])).toEqual(["-90", "-90"]);
    await net.restoreLink("b", "c");
    await allAgreeOn(net, ids, "910");
  });

  it("delays a link outside the containers (no tc, no netem in the image)", async () => {
    const net = network as StartedDockerNetwork;
    await net.shapeLink("d", "c", { delayMs: 600, jitterMs: 0, loss: 0 });
    const started = Date.now();
    await postNumber(net.controlUrl("c"), 5);
    await eventually("d to learn the number", async () => ((await getTotal(net.controlUrl("d"))).total === "915" ? true : undefined));
    // A lower bound only: the number crossed the relay, which held it for the delay.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    await net.clearLinkShape("c", "d");
    expect(net.snapshot().links.find((l) => l.from === "d")?.shape.delayMs).toBe(0);
  });

  it("kill and restart keep a DATA_DIR node's numbers; exits are reported", async () => {
    const net = network as StartedDockerNetwork;
    await postNumber(net.controlUrl("b"), 7);
    await allAgreeOn(net, ids, "922");
    await net.killNode("b");
    const killed = net.snapshot().nodes.find((n) => n.id === "b");
    expect(killed?.status).toBe("stopped");
    expect(killed?.lastExit).toMatchObject({ signal: "SIGKILL", expected: true });
    await postNumber(net.controlUrl("a"), 10);
    await net.startNode("b", { healthTimeoutMs: 60_000 });
    await allAgreeOn(net, ids, "932");
    expect((await getTotal(net.controlUrl("b"))).count).toBe(9);
    expect(net.snapshot().nodes.find((n) => n.id === "b")?.starts).toBe(2);

    await net.restartNode("c", { healthTimeoutMs: 60_000 });
    expect(net.snapshot().nodes.find((n) => n.id === "c")).toMatchObject({ status: "running", starts: 2 });
    expect(net.snapshot().nodes.find((n) => n.id === "c")?.lastExit).toMatchObject({ code: 0, expected: true });
    await allAgreeOn(net, ids, "932");
  });

  it("reports a container that dies behind the harness's back as exited", async () => {
    const net = network as StartedDockerNetwork;
    const docker = await dockerClient();
    const [container] = await docker.listContainers({
      filters: { label: [`${LABEL_RUN}=${net.runId}`, "sumnet.node=d"] },
    });
    await docker.getContainer(container?.Id ?? "missing").kill({ signal: "SIGKILL" });
    await eventually("d to be seen as exited", async () =>
      net.snapshot().nodes.find((n) => n.id === "d")?.status === "exited" ? true : undefined,
    );
    expect(net.snapshot().nodes.find((n) => n.id === "d")?.lastExit).toMatchObject({ expected: false, code: 137 });
    expect(events.some((e) => e.type === "node" && e.node.id === "d" && e.node.status === "exited")).toBe(true);
    await net.startNode("d", { healthTimeoutMs: 60_000 });
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
