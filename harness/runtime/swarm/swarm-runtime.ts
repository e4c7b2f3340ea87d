/**
 * `--runtime swarm`: every node a Docker Swarm service on a fresh attachable overlay network per start, spread over
 * the swarm's machines; every link a relay in the link agent on its dialer's machine (a global service of the run,
 * agent/), so no byte of a link crosses the harness's machine unless a node runs there. The harness reaches each
 * machine's agent on a port published in host mode (a service's virtual IP and the routing mesh need IPVS, which some
 * kernels lack; host ports do not), and through it the nodes' control APIs.
 *
 * Works unchanged on one machine (`docker swarm init`) and on many (`docker swarm join`); on many, images must be
 * pullable by every machine: `registry` pushes what was built here (see README, "Several machines").
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { NetworkSpec, NodeSpec } from "../../network/spec.js";
import type { SignalPolicy } from "../cleanup.js";
import { dockerClient } from "../docker/engine.js";
import { newRunId, runLabels } from "../docker/labels.js";
import { ensureReferenceImage } from "../docker/reference-image.js";
import { freePort } from "../local/free-port.js";
import { PROCESS_RUNTIME_MAX_NODES, type Runtime, type StartNetworkOptions } from "../runtime.js";
import { HostedNetwork } from "../started-network.js";
import { AgentClient } from "./agent-client.js";
import { ensureAgentImage } from "./agent-image.js";
import { pushToRegistry } from "./registry.js";
import { removeSwarmRun, LABEL_ROLE } from "./swarm-cleanup.js";
import { listTasks, readyMachines, swarmAvailability, taskAddress, type Machine } from "./swarm-engine.js";
import { SwarmHost, type SwarmLimits } from "./swarm-host.js";

/**
 * Nodes started at once (a service created, its task awaited, its health awaited); the waits share one task list of
 * the manager per round (swarm-host.ts). Each node's health timeout runs from its own start: with 50 peers booting at
 * once on 2 cores beside another suite, some did not answer within 30 s (a CI rehearsal), so 16.
 */
export const SWARM_CONCURRENCY = 16;
/** The agent's port inside its container. */
const AGENT_CONTAINER_PORT = 9900;
const AGENT_START_TIMEOUT_MS = 90_000;
/** Link counters are read from every agent this often, and less often for big networks (5 ms per link). */
const STATS_POLL_MS = 500;
/**
 * A request to an agent may wait this long. An agent answers in milliseconds, but on a machine that is starting 200
 * containers at once (load average 20 on 2 cores) a relay's retarget took over 10 s to be answered.
 */
const AGENT_TIMEOUT_MS = 30_000;

export interface SwarmRuntimeOptions {
  /** Image for nodes that name none (`--image`). Default: the reference image, built when missing. */
  readonly image?: string | undefined;
  /** Base image for the reference and agent images (default `$NODE_IMAGE` or node:20-bookworm-slim). */
  readonly nodeImage?: string | undefined;
  /** `HOST:PORT` of a registry every machine can pull from: images built or given here are pushed there first. */
  readonly registry?: string | undefined;
  /** Port the link agents publish on every machine (default: a port free on this machine). */
  readonly agentPort?: number | undefined;
  /** Limits of every node's task (the grader's sandbox). */
  readonly limits?: SwarmLimits | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly onSignal?: SignalPolicy | undefined;
}

export type StartedSwarmNetwork = HostedNetwork & { readonly host: SwarmHost };

export class SwarmRuntime implements Runtime {
  readonly name = "swarm";
  readonly maxNodes = PROCESS_RUNTIME_MAX_NODES;

  constructor(private readonly options: SwarmRuntimeOptions = {}) {}

  async start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<StartedSwarmNetwork> {
    const docker = await dockerClient();
    const log = this.options.log ?? (() => undefined);
    const swarm = await swarmAvailability(docker);
    if (!swarm.available) throw new Error(`swarm runtime: ${swarm.reason}`);
    const machines = await readyMachines(docker);
    if (!machines.length) throw new Error("swarm runtime: the swarm has no ready, active machine");

    const nodeImage = this.options.nodeImage ? { nodeImage: this.options.nodeImage } : {};
    const registry = this.options.registry;
    const published = new Map<string, Promise<string>>();
    /**
     * How every machine names an image: pushed to the registry first when there is one; otherwise its image id. A
     * task of an image named by a tag makes its machine try a pull first (seconds, without a registry in reach); one
     * named by id does not, and runs only the exact image built here (a machine without it says so).
     */
    const everywhere = (image: string): Promise<string> => {
      let name = published.get(image);
      if (!name) published.set(image, (name = registry ? pushToRegistry(docker, image, registry, log) : localImageId(docker, image)));
      return name;
    };
    let defaultImage: Promise<string> | undefined;
    const imageFor = (node: NodeSpec): Promise<string> => {
      if (node.image) return everywhere(node.image);
      defaultImage ??= (this.options.image ? Promise.resolve(this.options.image) : ensureReferenceImage({ log, ...nodeImage })).then(everywhere);
      return defaultImage;
    };
    // Build (and push) the default image before anything starts and before the health timeout runs.
    const firstDefault = spec.nodes.find((node) => !node.image);
    if (firstDefault) await imageFor(firstDefault);
    const agentImage = await everywhere(await ensureAgentImage({ log, ...nodeImage }));
    options.signal?.throwIfAborted();

    const runId = newRunId();
    const labels = runLabels(runId, spec.name);
    const networkName = `sumnet-${runId}`;
    const agentPort = this.options.agentPort ?? (await freePort());
    const token = randomBytes(16).toString("hex");
    const agents = new Map<string, { client: AgentClient; overlayAddress: string }>();
    let networkId: string | undefined;
    try {
      const created = (await docker.createNetwork({ Name: networkName, Driver: "overlay", Attachable: true, Labels: labels })) as { id: string };
      networkId = created.id;
      await startAgents(docker, { runId, labels, networkId, agentImage, agentPort, token, machines }, agents);
      for (const agent of agents.values()) agent.client.startStatsPolling(Math.max(STATS_POLL_MS, spec.links.length * 5));
      const id = networkId;
      const network = await HostedNetwork.start(
        spec,
        (events) =>
          new SwarmHost(
            {
              docker,
              runId,
              networkId: id,
              networkName,
              labels,
              machines,
              agents,
              imageFor,
              isReference: (node) => !node.image && !this.options.image,
              limits: this.options.limits,
              log,
              removeRun: () => removeSwarmRun(docker, runId, [...agents.values()].map((a) => a.client)).then(() => undefined),
            },
            events,
          ),
        { ...options, onSignal: this.options.onSignal, startConcurrency: SWARM_CONCURRENCY },
      );
      return network as StartedSwarmNetwork;
    } catch (error) {
      // The started network removed what it made; a failure before it existed leaves the agents and the network.
      for (const agent of agents.values()) agent.client.stopStatsPolling();
      await removeSwarmRun(docker, runId, [...agents.values()].map((a) => a.client)).catch(() => undefined);
      throw error;
    }
  }
}

export interface AgentPlan {
  readonly runId: string;
  readonly labels: Record<string, string>;
  readonly networkId: string;
  readonly agentImage: string;
  readonly agentPort: number;
  readonly token: string;
  readonly machines: readonly Machine[];
}

/** Starts the run's link agents (a global service) and waits until the one on every machine answers. */
export async function startAgents(docker: Docker, plan: AgentPlan, agents: Map<string, { client: AgentClient; overlayAddress: string }>): Promise<void> {
  const labels = { ...plan.labels, [LABEL_ROLE]: "agent" };
  const created = (await docker.createService({
    Name: `sumnet-${plan.runId}-agent`,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: plan.agentImage,
        Env: [`AGENT_PORT=${AGENT_CONTAINER_PORT}`, `AGENT_TOKEN=${plan.token}`, `SUMNET_RUN=${plan.runId}`, `AGENT_IMAGE=${plan.agentImage}`],
        Labels: labels,
        Mounts: [{ Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock" }],
        // The harness asks /health itself; the image's HEALTHCHECK would hold the task in "starting" for seconds.
        HealthCheck: { Test: ["NONE"] },
      },
      RestartPolicy: { Condition: "on-failure", MaxAttempts: 3 },
      Networks: [{ Target: plan.networkId }],
    },
    Mode: { Global: {} },
    EndpointSpec: {
      Mode: "dnsrr",
      Ports: [{ Protocol: "tcp", TargetPort: AGENT_CONTAINER_PORT, PublishedPort: plan.agentPort, PublishMode: "host" }],
    },
  } as never)) as { ID?: string; id?: string };
  const serviceId = created.ID ?? created.id ?? "";
  const deadline = Date.now() + AGENT_START_TIMEOUT_MS;
  for (;;) {
    const tasks = await listTasks(docker, [serviceId]);
    for (const machine of plan.machines) {
      if (agents.has(machine.id)) continue;
      const task = tasks.find((t) => t.NodeID === machine.id && t.Status.State === "running");
      const overlayAddress = task && taskAddress(task, plan.networkId);
      if (!task || !overlayAddress) continue;
      const client = new AgentClient(`http://${machine.addr}:${plan.agentPort}/${plan.token}`, machine.hostname, { timeoutMs: AGENT_TIMEOUT_MS });
      if (await client.health(2000).then(() => true, () => false)) agents.set(machine.id, { client, overlayAddress });
    }
    if (agents.size === plan.machines.length) return;
    if (Date.now() >= deadline) {
      const missing = plan.machines.filter((m) => !agents.has(m.id));
      const states = missing.map((m) => {
        const task = tasks.filter((t) => t.NodeID === m.id).at(-1);
        return `${m.hostname} (${m.addr}:${plan.agentPort}): ${task ? `task ${task.Status.State}${task.Status.Err ? `, ${task.Status.Err}` : ""}` : "no task"}`;
      });
      throw new Error(`swarm runtime: the link agent did not answer within ${AGENT_START_TIMEOUT_MS / 1000} s on ${states.join("; ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The id of an image this engine holds, or an error that says it does not and what to do. */
async function localImageId(docker: Docker, image: string): Promise<string> {
  try {
    const info = (await docker.getImage(image).inspect()) as { Id: string };
    return info.Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    throw new Error(
      `swarm runtime: image ${image} is not on this machine: build or pull it first, or pass --registry HOST:PORT with a registry that has it`,
    );
  }
}

export function createSwarmRuntime(options: SwarmRuntimeOptions = {}): SwarmRuntime {
  return new SwarmRuntime(options);
}
