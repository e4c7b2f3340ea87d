/**
 * The swarm runtime against a real one-machine swarm and the reference image: services pinned to machines, links
 * carried by the link agents (cut, delay, pause), kill/stop/restart with a DATA_DIR volume, crashes behind the
 * harness's back, join/leave, logs of every start, and that nothing is left behind: after dispose, after a failed
 * start, and after the harness itself is SIGKILLed (`sumnet clean`).
 * Needs a Docker engine in a swarm: skipped with a printed reason without one, failing instead when REQUIRE_DOCKER=1.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allAgreeOn, eventually, getTotal, postNumber, swarmGate, testNode as node } from "../../../test/docker/docker-gate.js";
import {
  delaysOutsideTheContainers,
  lineNetwork,
  keepsDataDirAcrossKillAndRestart,
  partitionsAndHeals,
  reportsACrashBehindItsBack,
} from "../../../test/docker/container-runtime-behaviour.js";
import { dockerClient } from "../docker/engine.js";
import { LABEL_RUN } from "../docker/labels.js";
import { findLeftovers } from "../docker/leftovers.js";
import { ensureReferenceImage } from "../docker/reference-image.js";
import type { NetworkEvent } from "../runtime.js";
import { LABEL_ROLE } from "./swarm-cleanup.js";
import { SwarmRuntime, type StartedSwarmNetwork } from "./swarm-runtime.js";

const gate = await swarmGate("swarm runtime tests");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe.skipIf(!gate.available)("swarm runtime", () => {
  let runtime: SwarmRuntime;
  let network: StartedSwarmNetwork | undefined;
  const events: NetworkEvent[] = [];
  let logDir: string;

  beforeAll(async () => {
    const image = await ensureReferenceImage({ log: (line) => console.log(line) });
    runtime = new SwarmRuntime({ image, log: (line) => console.log(line) });
    logDir = await mkdtemp(path.join(os.tmpdir(), "sumnet-swarm-test-logs-"));
  }, 900_000);

  afterAll(async () => {
    await network?.[Symbol.asyncDispose]().catch(() => undefined);
    await rm(logDir, { recursive: true, force: true });
  }, 180_000);

  // a <- b <- c <- d : b dials a, c dials b, d dials c. b keeps a DATA_DIR (a volume on its machine).
  const ids = ["a", "b", "c", "d"];

  it("starts every node as a pinned service of one replica on an attachable overlay, with a link agent per machine", async () => {
    network = await runtime.start(
      lineNetwork("swarm runtime test"),
      { healthTimeoutMs: 60_000 },
    );
    network.subscribe((event) => events.push(event));
    await allAgreeOn(network, ids, "-90");

    const docker = await dockerClient();
    const services = (await docker.listServices({ filters: { label: [`${LABEL_RUN}=${network.runId}`] } })) as unknown as {
      Spec: { Name: string; Labels: Record<string, string>; Mode: Record<string, unknown>; TaskTemplate: { Placement?: { Constraints?: string[] }; RestartPolicy?: { Condition?: string } } };
    }[];
    const nodes = services.filter((s) => s.Spec.Labels[LABEL_ROLE] !== "agent");
    expect(nodes.map((s) => s.Spec.Labels["sumnet.node"]).sort()).toEqual(ids);
    for (const s of nodes) {
      expect(s.Spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
      expect(s.Spec.TaskTemplate.RestartPolicy?.Condition).toBe("none");
      expect(s.Spec.TaskTemplate.Placement?.Constraints?.[0]).toMatch(/^node\.id==/);
    }
    const agents = services.filter((s) => s.Spec.Labels[LABEL_ROLE] === "agent");
    expect(agents.map((s) => Object.keys(s.Spec.Mode))).toEqual([["Global"]]);
    const net = await docker.getNetwork(`sumnet-${network.runId}`).inspect();
    expect(net.Driver).toBe("overlay");
    expect(net.Attachable).toBe(true);
  });

  it("cutting a link in its agent partitions the network; restoring it heals; the agent counts the bytes", async () => {
    const net = network as StartedSwarmNetwork;
    await partitionsAndHeals(net);
    await eventually("the agents' byte counts", async () => {
      const traffic = net.linkTraffic();
      return traffic.length === 6 && traffic.every((t) => t.bytes > 0) ? true : undefined;
    });
  });

  it("delays a link in its agent (no tc, no netem in the image)", async () => {
    await delaysOutsideTheContainers(network as StartedSwarmNetwork);
  });

  it("kill and restart keep a DATA_DIR node's numbers (a new task on the same machine, the same volume)", async () => {
    await keepsDataDirAcrossKillAndRestart(network as StartedSwarmNetwork);
  });

  it("pauses a node's container through its agent: what it would pass on waits until it resumes", async () => {
    const net = network as StartedSwarmNetwork;
    await net.pauseNode("c");
    expect(net.snapshot().nodes.find((n) => n.id === "c")?.status).toBe("paused");
    await postNumber(net.controlUrl("a"), 20);
    await allAgreeOn(net, ["a", "b"], "952");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await getTotal(net.controlUrl("d"))).total).toBe("932");
    await net.resumeNode("c");
    await allAgreeOn(net, ids, "952");
  });

  it("reports a container that dies behind the harness's back as exited", async () => {
    const net = network as StartedSwarmNetwork;
    await reportsACrashBehindItsBack(net, net.runId, events);
    await allAgreeOn(net, ids, "952");
  });

  it("joins a node and lets one leave", async () => {
    const net = network as StartedSwarmNetwork;
    await net.addNode(node("e", ["48"]), [{ from: "e", to: "d" }], { healthTimeoutMs: 60_000 });
    await allAgreeOn(net, [...ids, "e"], "1000");
    await net.removeNode("e");
    expect(net.snapshot().nodes.find((n) => n.id === "e")?.status).toBe("removed");
    expect(await net.readLog("e")).toContain("started");
  });

  it("saves every node's log (every start, in order), then removes every service, volume, agent and the network", async () => {
    const net = network as StartedSwarmNetwork;
    const files = await net.collectLogs(logDir);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(["a.log", "b.log", "c.log", "d.log", "e.log"]);
    const bLog = await readFile(path.join(logDir, "b.log"), "utf8");
    expect(bLog.match(/ started /g)?.length).toBe(2);
    const docker = await dockerClient();
    const volumes = ((await docker.listVolumes({ filters: { label: [`${LABEL_RUN}=${net.runId}`] } })).Volumes ?? []).map((v) => v.Name);
    expect(volumes).toEqual([`sumnet-${net.runId}-b`]);
    await net[Symbol.asyncDispose]();
    await net[Symbol.asyncDispose](); // idempotent
    expect(await findLeftovers(docker, { run: net.runId })).toEqual([]);
    network = undefined;
  }, 120_000);

  it("a node that cannot start makes start() fail naming it, with its log, and leaves nothing behind", async () => {
    const failing = runtime.start(
      {
        name: "swarm runtime failing start",
        nodes: [node("ok1", ["1"]), node("bad", ["2"], { env: { BATCH_MS: "not-a-number" } })],
        links: [{ from: "bad", to: "ok1" }],
      },
      { healthTimeoutMs: 60_000 },
    );
    await expect(failing).rejects.toThrow(/bad exited before it was healthy \(code 2\).*BATCH_MS/s);
    const docker = await dockerClient();
    expect((await findLeftovers(docker)).filter((l) => l.network === "swarm runtime failing start")).toEqual([]);
  }, 180_000);

  it("after the harness is SIGKILLed mid-run, `sumnet clean` removes its services, volume, agent and network", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-swarm-crash-"));
    try {
      const script = path.join(dir, "crash.mjs");
      const image = await ensureReferenceImage();
      await writeFile(
        script,
        `import { SwarmRuntime } from ${JSON.stringify(path.join(root, "dist/harness/runtime/swarm/swarm-runtime.js"))};
const network = await new SwarmRuntime({ image: ${JSON.stringify(image)} }).start(
  { name: "swarm crash test", nodes: [{ id: "p", env: {}, dataDir: true, numbers: ["1"] }, { id: "q", env: {}, dataDir: false, numbers: [] }], links: [{ from: "q", to: "p" }] },
  { healthTimeoutMs: 60000 },
);
console.log("RUN " + network.runId);
setInterval(() => {}, 1000);
`,
      );
      const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
      const runId = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /RUN (\S+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.on("exit", (code) => reject(new Error(`the crash script exited with ${code} before its network ran: ${out}`)));
      });
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const docker = await dockerClient();
      const left = await findLeftovers(docker, { run: runId });
      expect(new Set(left.map((l) => l.kind))).toEqual(new Set(["service", "container", "volume", "network"]));
      expect(left.every((l) => !l.ownerAlive)).toBe(true);
      const clean = spawnSync(process.execPath, [path.join(root, "dist/harness/cli/main.js"), "clean", "--run", runId], { encoding: "utf8", timeout: 120_000 });
      expect(clean.status, clean.stdout + clean.stderr).toBe(0);
      await eventually("nothing of the crashed run", async () => ((await findLeftovers(docker, { run: runId })).length === 0 ? true : undefined), 60_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
