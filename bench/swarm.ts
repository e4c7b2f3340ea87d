/**
 * `npm run bench:swarm`: the swarm runtime against Docker Swarm's own `docker stack deploy` of the same peers, and the
 * bytes a link agent's relay carries against direct overlay traffic, side by side in one run.
 *
 *  - start (REPS times each, alternating which goes first): N reference peers on a ring plus one seeded random chord
 *    per node (a small diameter).
 *      sumnet: `new SwarmRuntime({ image }).start(spec)` until it resolves (every node answered GET /health through its
 *      machine's link agent); then K numbers spread over the nodes (one POST per node holding its share) until every
 *      node's /total is their sum; then `[Symbol.asyncDispose]()`.
 *      stack: a generated compose file (the same peers, image and environment; PEERS by service name, so links are
 *      direct; dnsrr, host-mode published HTTP ports); `docker stack deploy` until every peer answers /health on its
 *      host port, the same K numbers, then `docker stack rm` until its services, containers and network are gone.
 *  - throughput: a sink and a source container on an attachable overlay with one link agent (startAgents); the source
 *    sends M MiB and times first byte to the sink's one-byte acknowledgement, directly to the sink and through a relay
 *    of the agent, 3 times each, alternating.
 * Everything the bench makes carries the labels of one run id (`sumnet clean` finds it) and is removed at the end,
 * after a failure and after Ctrl-C. Progress goes to stderr; a Markdown section for BENCHMARKS.md to stdout.
 * Images: the reference and agent images are built first when missing (NODE_IMAGE as for the Dockerfile).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, promisify } from "node:util";
import type Docker from "dockerode";
import { stringify } from "yaml";
import { httpNodeClient, type NodeClient } from "../contract/node-client.js";
import { eachLimited } from "../harness/base/each-limited.js";
import { seededRandom } from "../harness/base/seeded-random.js";
import { linkKey, type LinkSpec, type NetworkSpec } from "../harness/network/spec.js";
import { CONTAINER_HTTP_PORT, CONTAINER_P2P_PORT } from "../harness/runtime/docker/docker-host.js";
import { dockerClient } from "../harness/runtime/docker/engine.js";
import { LABEL_NODE, LABEL_RUN, newRunId, runLabels } from "../harness/runtime/docker/labels.js";
import { removeNetwork } from "../harness/runtime/docker/network-removal.js";
import { ensureReferenceImage } from "../harness/runtime/docker/reference-image.js";
import { freePort } from "../harness/runtime/local/free-port.js";
import { nodeEnvironment } from "../harness/runtime/node-environment.js";
import type { AgentClient } from "../harness/runtime/swarm/agent-client.js";
import { ensureAgentImage } from "../harness/runtime/swarm/agent-image.js";
import { removeSwarmRun } from "../harness/runtime/swarm/swarm-cleanup.js";
import { readyMachines, swarmAvailability } from "../harness/runtime/swarm/swarm-engine.js";
import { SwarmRuntime, startAgents } from "../harness/runtime/swarm/swarm-runtime.js";
import { ring } from "../harness/topology/index.js";

const run = promisify(execFile);
const usage = `Usage: npm run bench:swarm -- [options]

Options:
  --nodes N        peers in the start comparison (default 200)
  --numbers K      numbers added after the start, spread over the peers (default 1000)
  --reps R         starts of each kind, alternating which goes first (default 1)
  --only LIST      start, throughput or both, comma-separated (default start,throughput)
  --mb M           MiB the source sends per throughput sample (default 200)
  --dissemination tree|flood
                   the reference peer's DISSEMINATION on both sides (default: the peer's own, flood)
  -h, --help       show this help

Needs a Docker engine that manages a swarm (docker swarm init). Set NODE_IMAGE=sumnet/node-base:20 where no registry
is reachable.`;

/** Requests in flight at once while polling the nodes (health, totals) and posting numbers. */
const POLL_CONCURRENCY = 16;
const POLL_PAUSE_MS = 100;
/** The machine may be busy: the bench measures how long things take, it must not give up on them early. */
const PHASE_TIMEOUT_MS = 600_000;
const THROUGHPUT_SAMPLES = 3;
const SINK_PORT = 9700;
const GRAPH_SEED = 1;
const MiB = 1 << 20;

interface Options {
  readonly nodes: number;
  readonly numbers: number;
  readonly reps: number;
  readonly start: boolean;
  readonly throughput: boolean;
  readonly mb: number;
  /** The reference peer's DISSEMINATION for every peer of both sides; undefined: the peer's default (flood). */
  readonly dissemination: "tree" | "flood" | undefined;
}

/** A wrong command line: said with the usage, without a stack. */
class UsageError extends Error {}

function parseOptions(): Options | undefined {
  const options = {
    nodes: { type: "string", default: "200" },
    numbers: { type: "string", default: "1000" },
    reps: { type: "string", default: "1" },
    only: { type: "string", default: "start,throughput" },
    mb: { type: "string", default: "200" },
    dissemination: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>["values"];
  try {
    ({ values } = parseArgs({ options }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  const count = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number >= ${min}, got "${text}"`);
    return n;
  };
  const only = values.only.split(",").map((s) => s.trim());
  if (only.some((s) => s !== "start" && s !== "throughput")) throw new UsageError(`--only takes start and/or throughput, got "${values.only}"`);
  const dissemination = values.dissemination;
  if (dissemination !== undefined && dissemination !== "tree" && dissemination !== "flood") {
    throw new UsageError(`--dissemination takes tree or flood, got "${dissemination}"`);
  }
  return {
    dissemination,
    nodes: count("nodes", values.nodes, 3),
    numbers: count("numbers", values.numbers, 0),
    reps: count("reps", values.reps, 1),
    start: only.includes("start"),
    throughput: only.includes("throughput"),
    mb: count("mb", values.mb, 1),
  };
}

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const withSamples = (xs: readonly number[], show: (x: number) => string): string =>
  xs.length > 1 ? `${show(median(xs))} (${xs.map(show).join(", ")})` : xs.map(show).join("");

// --- the network both sides start --------------------------------------------------------------------------------

/** A ring (each node dials the next) plus, per node, a dial to one seeded random other node: diameter about log N. */
function ringWithChords(n: number, seed: number): { nodes: readonly string[]; links: LinkSpec[] } {
  const { nodes, links: ringLinks } = ring(n);
  const links = [...ringLinks];
  const present = new Set(links.map((l) => linkKey(l.from, l.to)));
  const random = seededRandom(seed);
  for (const from of nodes) {
    // A few draws: on small rings most pairs may be linked already; a node left without a chord is fine.
    for (let attempt = 0; attempt < 8; attempt++) {
      const to = nodes[random.int(0, n - 1)] as string;
      if (to === from || present.has(linkKey(from, to))) continue;
      links.push({ from, to });
      present.add(linkKey(from, to));
      break;
    }
  }
  return { nodes, links };
}

/** Numbers to add: each node's share (one POST each) and the total every node must reach. */
interface Numbers {
  readonly shares: ReadonlyMap<string, readonly string[]>;
  readonly sum: bigint;
}

/** K seeded numbers dealt round-robin over the nodes (a node may get none when K < N), and their sum. */
function dealNumbers(nodes: readonly string[], k: number, seed: number): Numbers {
  const random = seededRandom(seed);
  const shares = new Map<string, string[]>();
  let sum = 0n;
  for (let i = 0; i < k; i++) {
    const value = random.int(1, 1_000_000);
    sum += BigInt(value);
    const node = nodes[i % nodes.length] as string;
    const share = shares.get(node) ?? [];
    share.push(String(value));
    shares.set(node, share);
  }
  return { shares, sum };
}

// --- polling -----------------------------------------------------------------------------------------------------

/**
 * Probes every id, POLL_CONCURRENCY at a time, round after round, until each has answered true once. A probe that
 * throws counts as "not yet". The time measured this way is an upper bound by at most one round and one pause.
 */
async function untilEvery(ids: readonly string[], probe: (id: string) => Promise<boolean>, what: string, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + PHASE_TIMEOUT_MS;
  let pending = [...ids];
  for (;;) {
    const still: string[] = [];
    await eachLimited(pending, POLL_CONCURRENCY, async (id) => {
      signal.throwIfAborted();
      if (!(await probe(id).catch(() => false))) still.push(id);
    });
    pending = still;
    if (!pending.length) return;
    if (performance.now() > deadline) {
      throw new Error(`${what}: ${pending.length} of ${ids.length} nodes still not there after ${PHASE_TIMEOUT_MS / 1000} s (${pending.slice(0, 5).join(", ")}...)`);
    }
    await sleep(POLL_PAUSE_MS, undefined, { signal });
  }
}

/** Posts each node's share (one POST per node), then waits until every node's /total is the sum; answers the ms taken. */
async function converge(
  nodes: readonly string[],
  client: (id: string) => NodeClient,
  numbers: Numbers,
  signal: AbortSignal,
): Promise<number> {
  const started = performance.now();
  await eachLimited([...numbers.shares], POLL_CONCURRENCY, async ([id, values]) => {
    signal.throwIfAborted();
    await client(id).addNumbers(values, 30_000);
  });
  await untilEvery(nodes, async (id) => (await client(id).total(5000)).total === numbers.sum, `total ${numbers.sum}`, signal);
  return performance.now() - started;
}

// --- start: sumnet ---------------------------------------------------------------------------------------------------

interface StartSample {
  readonly healthyMs: number;
  readonly convergedMs: number;
  readonly teardownMs: number;
}

async function startSumnet(spec: NetworkSpec, image: string, numbers: Numbers, signal: AbortSignal): Promise<StartSample> {
  // onSignal "ignore": Ctrl-C aborts `signal`, and the code below disposes the network itself.
  const runtime = new SwarmRuntime({ image, log: (line) => progress(`  sumnet: ${line}`), onSignal: "ignore" });
  const started = performance.now();
  const network = await runtime.start(spec, { healthTimeoutMs: PHASE_TIMEOUT_MS, seed: GRAPH_SEED, signal });
  const healthyMs = performance.now() - started;
  let convergedMs: number;
  try {
    convergedMs = await converge(spec.nodes.map((n) => n.id), (id) => network.client(id), numbers, signal);
  } catch (error) {
    await network[Symbol.asyncDispose]().catch((e: Error) => progress(`  sumnet: dispose failed: ${e.message}`));
    throw error;
  }
  const disposing = performance.now();
  await network[Symbol.asyncDispose]();
  return { healthyMs, convergedMs, teardownMs: performance.now() - disposing };
}

// --- start: docker stack -------------------------------------------------------------------------------------------

/** The compose file `docker stack deploy` takes: the same peers and environment as the sumnet network, links direct. */
function stackFile(spec: NetworkSpec, image: string, ports: ReadonlyMap<string, number>, labels: Record<string, string>): string {
  const services: Record<string, unknown> = {};
  for (const node of spec.nodes) {
    const environment = nodeEnvironment({
      spec: node,
      placement: { p2pHost: "0.0.0.0", p2pPort: CONTAINER_P2P_PORT, httpPort: CONTAINER_HTTP_PORT, dataDir: undefined },
      peers: spec.links.filter((l) => l.from === node.id).map((l) => `${l.to}:${CONTAINER_P2P_PORT}`),
      referencePeer: true,
      networkSize: spec.nodes.length,
    });
    services[node.id] = {
      image,
      environment,
      networks: ["net"],
      ports: [{ target: CONTAINER_HTTP_PORT, published: ports.get(node.id), protocol: "tcp", mode: "host" }],
      healthcheck: { disable: true },
      labels: { ...labels, [LABEL_NODE]: node.id },
      deploy: { endpoint_mode: "dnsrr", restart_policy: { condition: "none" }, labels },
    };
  }
  return stringify({ version: "3.8", services, networks: { net: { driver: "overlay", attachable: true, labels } } });
}

const STACK_NAMESPACE = "com.docker.stack.namespace";
/** How long the engine may take to drop a stack's network once its containers are gone, before the bench does it. */
const STACK_NETWORK_GRACE_MS = 5000;

/**
 * `docker stack rm`, then waits until the stack's services, containers and network are gone. The CLI removes the
 * network right after the services, while their containers may still stop: when the network outlives its containers
 * by more than a few seconds, it is removed here (and said), so that the time covers everything.
 */
async function removeStack(docker: Docker, name: string): Promise<void> {
  const { stderr } = await run("docker", ["stack", "rm", name], { maxBuffer: 16 << 20 });
  const label = { label: [`${STACK_NAMESPACE}=${name}`] };
  const deadline = performance.now() + PHASE_TIMEOUT_MS;
  let containersGoneAt: number | undefined;
  for (;;) {
    const [services, containers, networks] = await Promise.all([
      docker.listServices({ filters: label }),
      docker.listContainers({ all: true, filters: label }),
      docker.listNetworks({ filters: label }),
    ]);
    if (!services.length && !containers.length && !networks.length) break;
    if (services.length || containers.length) {
      containersGoneAt = undefined;
    } else if (containersGoneAt === undefined) {
      containersGoneAt = performance.now();
    } else if (performance.now() - containersGoneAt > STACK_NETWORK_GRACE_MS) {
      progress(`  stack: network still there ${STACK_NETWORK_GRACE_MS / 1000} s after its containers (docker stack rm said: ${stderr.trim() || "nothing"}): removing it`);
      for (const network of networks) await removeNetwork(docker, network.Id);
    }
    if (performance.now() > deadline) throw new Error(`docker stack rm ${name}: ${services.length} services, ${containers.length} containers, ${networks.length} networks still there`);
    await sleep(POLL_PAUSE_MS);
  }
}

async function startStack(
  docker: Docker,
  spec: NetworkSpec,
  file: string,
  name: string,
  ports: ReadonlyMap<string, number>,
  numbers: Numbers,
  signal: AbortSignal,
): Promise<StartSample> {
  const ids = spec.nodes.map((n) => n.id);
  const clients = new Map(ids.map((id) => [id, httpNodeClient(`http://127.0.0.1:${ports.get(id)}`)]));
  const client = (id: string): NodeClient => clients.get(id) as NodeClient;
  const started = performance.now();
  let healthyMs: number;
  let convergedMs: number;
  try {
    // --resolve-image never: the image is local; asking a registry for its digest fails (or waits) per service.
    await run("docker", ["stack", "deploy", "--detach=true", "--resolve-image", "never", "-c", file, name], { maxBuffer: 16 << 20, signal });
    // The node must name itself: a host port answered by anything else is not this node.
    await untilEvery(ids, async (id) => (await client(id).health(2000)).node === id, "stack health", signal);
    healthyMs = performance.now() - started;
    convergedMs = await converge(ids, client, numbers, signal);
  } catch (error) {
    await removeStack(docker, name).catch((e: Error) => progress(`  stack: removal failed: ${e.message}`));
    throw error;
  }
  const removing = performance.now();
  await removeStack(docker, name);
  return { healthyMs, convergedMs, teardownMs: performance.now() - removing };
}

interface StartResult {
  readonly links: number;
  readonly sumnet: StartSample[];
  readonly stack: StartSample[];
}

async function benchStart(docker: Docker, options: Options, image: string, labels: Record<string, string>, dir: string, signal: AbortSignal): Promise<StartResult> {
  const graph = ringWithChords(options.nodes, GRAPH_SEED);
  const diss: Record<string, string> = options.dissemination ? { DISSEMINATION: options.dissemination } : {};
  const spec: NetworkSpec = {
    name: `bench-swarm-${options.nodes}`,
    nodes: graph.nodes.map((id) => ({ id, env: diss, dataDir: false, numbers: [] })),
    links: graph.links,
  };
  const numbers = dealNumbers(graph.nodes, options.numbers, GRAPH_SEED);
  const ports = new Map<string, number>();
  for (const id of graph.nodes) ports.set(id, await freePort());
  const file = path.join(dir, "stack.yml");
  await writeFile(file, stackFile(spec, image, ports, labels));
  const result: StartResult = { links: graph.links.length, sumnet: [], stack: [] };
  const report = (how: string, rep: number, s: StartSample): void =>
    progress(`N=${options.nodes} rep ${rep + 1} ${how}: healthy ${seconds(s.healthyMs)} s, converged ${seconds(s.convergedMs)} s, torn down ${seconds(s.teardownMs)} s`);
  for (let rep = 0; rep < options.reps; rep++) {
    const sides = [
      async (): Promise<void> => {
        const s = await startSumnet(spec, image, numbers, signal);
        result.sumnet.push(s);
        report("sumnet", rep, s);
      },
      async (): Promise<void> => {
        const s = await startStack(docker, spec, file, `sumnet-${labels[LABEL_RUN]}-stack${rep}`, ports, numbers, signal);
        result.stack.push(s);
        report("stack ", rep, s);
      },
    ];
    for (const side of rep % 2 ? sides.reverse() : sides) await side();
  }
  return result;
}

// --- throughput ----------------------------------------------------------------------------------------------------

/** Counts each connection's bytes; when BYTES have arrived, writes one byte back (the source's end of the clock). */
const SINK = `
const total = Number(process.env.BYTES);
require("net").createServer((s) => {
  let n = 0, acked = false;
  s.on("data", (c) => { n += c.length; if (!acked && n >= total) { acked = true; s.write(Buffer.from([1])); } });
  s.on("end", () => s.end());
  s.on("error", () => {});
}).listen(Number(process.env.PORT), "0.0.0.0");
process.on("SIGTERM", () => process.exit(0));`;

/** Sends BYTES to TARGET (host:port) as fast as the socket takes them; prints {"ms"} from first byte to the ack. */
const SOURCE = `
const [host, port] = process.env.TARGET.split(":");
const total = Number(process.env.BYTES);
const chunk = Buffer.alloc(1 << 20, 120);
const s = require("net").connect({ host, port: Number(port) }, () => {
  const t0 = process.hrtime.bigint();
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once("drain", pump);
    }
  };
  s.once("data", () => {
    console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    s.destroy();
  });
  pump();
});
s.on("error", (e) => { console.error(e.message); process.exit(1); });`;

interface ThroughputResult {
  readonly direct: number[];
  readonly relayed: number[];
}

async function benchThroughput(
  docker: Docker,
  options: Options,
  image: string,
  agentImage: string,
  labels: Record<string, string>,
  agentClients: AgentClient[],
  signal: AbortSignal,
): Promise<ThroughputResult> {
  const runId = labels[LABEL_RUN] as string;
  const swarm = await swarmAvailability(docker);
  if (!swarm.available) throw new Error(swarm.reason);
  const machines = await readyMachines(docker);
  const networkName = `sumnet-${runId}-throughput`;
  const { id: networkId } = (await docker.createNetwork({ Name: networkName, Driver: "overlay", Attachable: true, Labels: labels })) as { id: string };
  const agents = new Map<string, { client: AgentClient; overlayAddress: string }>();
  const token = randomBytes(16).toString("hex");
  try {
    await startAgents(docker, { runId, labels, networkId, agentImage, agentPort: await freePort(), token, machines }, agents);
  } finally {
    agentClients.push(...[...agents.values()].map((a) => a.client));
  }
  // The containers below run on this machine: its agent is the one whose relay they reach without crossing machines.
  const agent = agents.get(swarm.nodeId) ?? [...agents.values()][0];
  if (!agent) throw new Error("no link agent answered");
  signal.throwIfAborted();

  const bytes = options.mb * MiB;
  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const sinkName = `sumnet-${runId}-sink`;
  await run("docker", ["run", "-d", "--name", sinkName, "--network", networkName, ...labelArgs, "-e", `BYTES=${bytes}`, "-e", `PORT=${SINK_PORT}`, image, "node", "-e", SINK], { signal });
  const sinkInfo = await docker.getContainer(sinkName).inspect();
  const sinkIp = sinkInfo.NetworkSettings.Networks[networkName]?.IPAddress;
  if (!sinkIp) throw new Error(`the sink ${sinkName} has no address on ${networkName}`);

  let sources = 0;
  /** One source container sending to `target`: MiB/s from its first byte to the sink's acknowledgement. */
  const send = async (target: string): Promise<number> => {
    const name = `sumnet-${runId}-source-${sources++}`;
    const args = ["run", "--rm", "--name", name, "--network", networkName, ...labelArgs, "-e", `TARGET=${target}`, "-e", `BYTES=${bytes}`, image, "node", "-e", SOURCE];
    const { stdout } = await run("docker", args, { signal });
    const { ms } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as { ms: number };
    return options.mb / (ms / 1000);
  };
  const direct = (): Promise<number> => send(`${sinkIp}:${SINK_PORT}`);
  /** Through a fresh relay of the agent, checking that the relay did carry every byte. */
  const relayed = async (seed: number): Promise<number> => {
    const relay = await agent.client.openRelay({ host: sinkIp, port: SINK_PORT }, seed);
    try {
      const speed = await send(`${agent.overlayAddress}:${relay.port}`);
      await agent.client.refreshStats();
      const carried = relay.getStats().toTarget.bytes;
      if (carried < bytes) throw new Error(`the relay carried ${carried} bytes to the sink, expected ${bytes}: the bytes did not go through it`);
      return speed;
    } finally {
      await relay.close();
    }
  };
  // The first connections on a fresh overlay are slower (address resolution, the agent's code warming up).
  progress(`throughput warm-up (not counted): direct ${(await direct()).toFixed(0)} MiB/s, relayed ${(await relayed(0)).toFixed(0)} MiB/s`);
  const result: ThroughputResult = { direct: [], relayed: [] };
  for (let rep = 0; rep < THROUGHPUT_SAMPLES; rep++) {
    result.direct.push(await direct());
    progress(`throughput rep ${rep + 1} direct:  ${result.direct.at(-1)?.toFixed(0)} MiB/s`);
    result.relayed.push(await relayed(rep + 1));
    progress(`throughput rep ${rep + 1} relayed: ${result.relayed.at(-1)?.toFixed(0)} MiB/s`);
  }
  return result;
}

// --- clean-up, machine, report -------------------------------------------------------------------------------------

/** Removes everything labelled with the bench's run id: its own containers first (they hold the networks), then swarm objects. */
async function sweep(docker: Docker, runId: string, agents: readonly AgentClient[]): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
  await Promise.all(
    containers
      .filter((c) => !c.Labels["com.docker.swarm.service.id"])
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch((error: { statusCode?: number }) => {
            if (error.statusCode !== 404) throw error;
          }),
      ),
  );
  await removeSwarmRun(docker, runId, agents);
}

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(" ");

function startTable(options: Options, start: StartResult): string[] {
  const row = (how: string, xs: readonly StartSample[]): string =>
    `| ${options.nodes} | ${how} | ${withSamples(xs.map((s) => s.healthyMs), seconds)} | ${withSamples(xs.map((s) => s.convergedMs), seconds)} | ${withSamples(xs.map((s) => s.teardownMs), seconds)} |`;
  const ratio = median(start.sumnet.map((s) => s.healthyMs)) / median(start.stack.map((s) => s.healthyMs));
  return [
    `Start: ${options.nodes} reference peers, ${start.links} links (a ring plus a seeded random chord per node); then ${options.numbers} numbers, one POST per node holding its share. Seconds, median (samples) of ${options.reps} run(s) each, alternating.`,
    "",
    `| nodes | how | start -> all healthy (s) | ${options.numbers} numbers -> every total right (s) | teardown (s) |`,
    "| --- | --- | --- | --- | --- |",
    row("sumnet `--runtime swarm` (SwarmRuntime; links through link agents)", start.sumnet),
    row("`docker stack deploy` + /health on host ports; `docker stack rm` (links direct)", start.stack),
    "",
    `Start to all healthy, sumnet / stack: **${ratio.toFixed(2)}** (target: at most 1.0).`,
  ];
}

function throughputTable(options: Options, t: ThroughputResult): string[] {
  const mibs = (x: number): string => x.toFixed(0);
  const ratio = median(t.relayed) / median(t.direct);
  return [
    `Throughput: ${options.mb} MiB from a source container to a sink container on one attachable overlay, first byte to the sink's acknowledgement; median (samples) of ${THROUGHPUT_SAMPLES}, alternating, after one warm-up of each.`,
    "",
    "| path | MiB/s |",
    "| --- | --- |",
    `| direct: source -> sink over the overlay | ${withSamples(t.direct, mibs)} |`,
    `| relayed: source -> link agent's relay -> sink | ${withSamples(t.relayed, mibs)} |`,
    "",
    `Relayed / direct: **${ratio.toFixed(2)}**.`,
  ];
}

/** Aborted by Ctrl-C (SIGINT) or SIGTERM: every wait stops, and the clean-up in main's `finally` runs. */
const interrupted = new AbortController();

async function main(): Promise<void> {
  const options = parseOptions();
  if (!options) return;
  let interruptedAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // One Ctrl-C can arrive more than once (from the terminal, and relayed by npm and tsx): only a later one forces.
    if (interrupted.signal.aborted && performance.now() - interruptedAt < 2000) return;
    if (interrupted.signal.aborted) {
      progress(`${signal} again: exiting without finishing the clean-up (run \`node dist/harness/cli/main.js clean\`)`);
      process.exit(130);
    }
    progress(`${signal}: stopping and removing everything the bench made (again to exit at once)`);
    interruptedAt = performance.now();
    interrupted.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const docker = await dockerClient();
  const swarm = await swarmAvailability(docker);
  if (!swarm.available) throw new Error(`bench:swarm: ${swarm.reason}`);
  // Both images first, so that no timed start pays for a build.
  const image = await ensureReferenceImage({ log: progress });
  const agentImage = await ensureAgentImage({ log: progress });
  const { stdout: engine } = await run("docker", ["version", "--format", "{{.Server.Version}}"]).catch(() => ({ stdout: "?" }));
  const loadBefore = loadAverage();
  const runId = newRunId();
  const labels = runLabels(runId, "bench swarm");
  progress(`run ${runId}: image ${image}, agent ${agentImage}, engine ${engine.trim()}, swarm of ${swarm.machines} machine(s), ${os.cpus().length} cores, load ${loadBefore}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-bench-swarm-"));
  const agentClients: AgentClient[] = [];
  let start: StartResult | undefined;
  let throughput: ThroughputResult | undefined;
  try {
    if (options.start) start = await benchStart(docker, options, image, labels, dir, interrupted.signal);
    if (options.throughput) throughput = await benchThroughput(docker, options, image, agentImage, labels, agentClients, interrupted.signal);
  } finally {
    progress("removing everything the bench made...");
    await sweep(docker, runId, agentClients).catch((error: Error) => {
      progress(`clean-up incomplete: ${error.message}`);
      process.exitCode = 1;
    });
    await rm(dir, { recursive: true, force: true });
  }
  const loadAfter = loadAverage();

  const args = process.argv.slice(2).join(" ");
  const nodeImage = process.env.NODE_IMAGE ? `NODE_IMAGE=${process.env.NODE_IMAGE} ` : "";
  const lines = [
    `### Docker Swarm: \`--runtime swarm\` against \`docker stack deploy\`, relay against direct`,
    "",
    `Command: \`${nodeImage}npm run bench:swarm${args ? ` -- ${args}` : ""}\``,
    "",
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `Linux ${os.release()}, Docker engine ${engine.trim()} in a swarm of ${swarm.machines} machine(s), Node ${process.version}; ` +
      `load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after. Date: ${new Date().toISOString()}.`,
    "",
    ...(start ? [...startTable(options, start), ""] : []),
    ...(throughput ? [...throughputTable(options, throughput), ""] : []),
  ];
  console.log(lines.join("\n"));
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) {
    progress(`bench:swarm: ${error.message}\n\n${usage}`);
    process.exitCode = 2;
  } else if (interrupted.signal.aborted) {
    process.exitCode = 130;
  } else {
    progress(`bench:swarm failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
