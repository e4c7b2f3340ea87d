/**
 * The swarm runtime's host: every node a swarm service of one replica (restart policy none, pinned to one machine so
 * that a restarted node returns to its DATA_DIR volume), on the run's attachable overlay network, reached through the
 * link agent of its machine (agent-client.ts): the agent proxies the node's control API to the harness, carries the
 * node's outgoing links as relays, and stops, kills and pauses the node's container on that machine. Services are
 * created and restarted (a forced update: a new task) through the manager; a poll of the manager's tasks reports
 * exits. The network around the nodes (health, status, faults, clean-up) is the shared ../started-network.ts.
 */
import type Docker from "dockerode";
import type { SeededRandom } from "../../base/seeded-random.js";
import type { LinkCarrier } from "../../faults/link-carrier.js";
import type { RelayTarget } from "../../faults/link-relay.js";
import type { LinkSpec, NodeSpec } from "../../network/spec.js";
import { demultiplexLog } from "../docker/container-log.js";
import { exitOf } from "../docker/container-process.js";
import { LABEL_NODE } from "../docker/labels.js";
import { CONTAINER_DATA_DIR, CONTAINER_HTTP_PORT, CONTAINER_P2P_PORT, containerPlacement } from "../docker/docker-host.js";
import type { ContractPlacement, HostEvents, NetworkHost, NodeAddress } from "../host.js";
import type { AgentClient } from "./agent-client.js";
import { ENDED_TASK_STATES, listTasks, taskAddress, type Machine, type Task } from "./swarm-engine.js";

/**
 * The manager's tasks are read at most this often for the nodes starting (only their services), and for exits (every
 * service) at most this often per 50 services. Listings cost the manager and the harness time in proportion to the
 * services listed; read back to back for every service while nodes started, they took CPU from the nodes booting.
 */
const TASK_POLL_MS = 250;
const SERVICES_PER_EXIT_POLL = 50;
/** How long a machine's agent may take to report a task's end to the manager, on a loaded machine. */
const EXIT_REPORT_MS = 2000;
/** A task that is not running after this long is reported with its state and the engine's message. */
const TASK_START_TIMEOUT_MS = 60_000;

export interface SwarmNetworkContext {
  readonly docker: Docker;
  readonly runId: string;
  readonly networkId: string;
  readonly networkName: string;
  readonly labels: Record<string, string>;
  /** Where each node runs: nodes are spread over the machines in this order. */
  readonly machines: readonly Machine[];
  /** The link agent on each machine (by machine id), and its address on the overlay (where dialers reach relays). */
  readonly agents: ReadonlyMap<string, { readonly client: AgentClient; readonly overlayAddress: string }>;
  /** Image for a node, as every machine names it (with the registry when there is one). */
  readonly imageFor: (node: NodeSpec) => Promise<string>;
  readonly isReference: (node: NodeSpec) => boolean;
  /** Limits of every node's container (the grader's sandbox), as a swarm task takes them. */
  readonly limits?: SwarmLimits | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** Removes every service, volume, agent and the network of the run (swarm-cleanup.ts); throws naming what stayed. */
  readonly removeRun: () => Promise<void>;
}

/** What a swarm task can be limited by (the part of the grader's sandbox swarm supports). */
export interface SwarmLimits {
  readonly memoryBytes?: number | undefined;
  readonly nanoCpus?: number | undefined;
  readonly pids?: number | undefined;
  readonly readOnly?: boolean | undefined;
  readonly capabilityDrop?: readonly string[] | undefined;
  readonly tmpfs?: { readonly target: string; readonly sizeBytes: number } | undefined;
}

interface ServiceRecord {
  readonly spec: NodeSpec;
  readonly machine: Machine;
  readonly serviceName: string;
  serviceId: string | undefined;
  /** The task of the current start, once seen. */
  task: Task | undefined;
  /** Tasks of earlier starts: a new start waits for a task that is not one of these. */
  readonly oldTasks: Set<string>;
  paused: boolean;
  /** Resolves when the current start's task has ended (reported once). */
  ended: Promise<void>;
  markEnded: () => void;
  /** Log kept after the service was removed (leave). */
  finalLog: string | undefined;
  volume: string | undefined;
}

export class SwarmHost implements NetworkHost {
  readonly runtime = "swarm";
  /** Unused: every carrier runs in a link agent (openCarrier). */
  readonly relayListenHost = "0.0.0.0";
  private readonly records = new Map<string, ServiceRecord>();
  private poller: NodeJS.Timeout | undefined;

  /**
   * An exit is learned at the next listing of every service's tasks (TASK_POLL_MS per 50 services), once the machine's
   * agent has told the manager (about 0.2 s here from the container's death to the task's state, measured with
   * `docker events` against `docker service ps`); the rest is room for a loaded machine.
   */
  get exitNoticeMs(): number {
    return TASK_POLL_MS * Math.max(1, this.records.size / SERVICES_PER_EXIT_POLL) + EXIT_REPORT_MS;
  }
  /** Listings of the manager's tasks: of the services starting, and of every service (exits). */
  private readonly listings: Record<"starting" | "all", Listing> = { starting: new Listing(), all: new Listing() };
  /** Records whose task is being waited for (waitRunning). */
  private readonly starting = new Set<ServiceRecord>();
  private disposed = false;

  constructor(
    private readonly ctx: SwarmNetworkContext,
    private readonly events: HostEvents,
  ) {}

  get runId(): string {
    return this.ctx.runId;
  }

  /** The dialer's agent carries the link: bytes cross machines once, from the agent to the target. */
  relayAddress(port: number, link: LinkSpec): string {
    return `${this.agentOf(link.from).overlayAddress}:${port}`;
  }

  async openCarrier(link: LinkSpec, target: RelayTarget, random: SeededRandom): Promise<LinkCarrier> {
    return this.agentOf(link.from).client.openRelay(target, random.int(0, 0xffff_ffff));
  }

  runsReferencePeer(spec: NodeSpec): boolean {
    return this.ctx.isReference(spec);
  }

  async placeNode(spec: NodeSpec): Promise<ContractPlacement> {
    const machine = this.ctx.machines[this.records.size % this.ctx.machines.length];
    if (!machine) throw new Error("swarm runtime: the swarm has no ready machine");
    const record: ServiceRecord = {
      spec,
      machine,
      serviceName: `sumnet-${this.ctx.runId}-${spec.id}`,
      serviceId: undefined,
      task: undefined,
      oldTasks: new Set(),
      paused: false,
      ended: Promise.resolve(),
      markEnded: () => undefined,
      finalLog: undefined,
      volume: spec.dataDir ? `sumnet-${this.ctx.runId}-${spec.id}` : undefined,
    };
    this.records.set(spec.id, record);
    return containerPlacement(spec);
  }

  /** Creates the node's service (first start) or forces a new task of it (later starts); resolves once it runs. */
  async start(spec: NodeSpec, env: Readonly<Record<string, string>>): Promise<NodeAddress> {
    const record = this.record(spec.id);
    if (record.task) record.oldTasks.add(record.task.ID);
    record.task = undefined;
    record.paused = false;
    let markEnded!: () => void;
    record.ended = new Promise<void>((resolve) => (markEnded = resolve));
    record.markEnded = markEnded;
    const serviceSpec = await this.serviceSpec(record, env);
    if (!record.serviceId) {
      // The DATA_DIR volume, made on the node's machine before its first task: writable by whatever user the image
      // runs as (an image without the mount point would get a root-owned folder).
      if (record.volume) await this.agentOf(spec.id).client.prepareVolume(record.volume, { ...this.ctx.labels, [LABEL_NODE]: spec.id });
      const created = (await this.ctx.docker.createService(serviceSpec as never)) as { ID?: string; id?: string };
      record.serviceId = created.ID ?? created.id;
      if (!record.serviceId) throw new Error(`node "${spec.id}": the engine created service ${record.serviceName} without an id`);
    } else {
      const service = this.ctx.docker.getService(record.serviceId);
      const info = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate?: { ForceUpdate?: number } } };
      const force = (info.Spec.TaskTemplate?.ForceUpdate ?? 0) + 1;
      await service.update({
        version: info.Version.Index,
        ...serviceSpec,
        TaskTemplate: { ...serviceSpec.TaskTemplate, ForceUpdate: force },
      } as never);
    }
    const task = await this.waitRunning(record);
    const address = taskAddress(task, this.ctx.networkId);
    if (!address) throw new Error(`node "${spec.id}": task ${task.ID} has no address on network ${this.ctx.networkName}`);
    this.ensurePolling();
    const agent = this.agentOf(spec.id);
    return {
      controlUrl: agent.client.proxyUrl(address, CONTAINER_HTTP_PORT),
      p2p: { host: address, port: CONTAINER_P2P_PORT },
    };
  }

  async stop(nodeId: string, timeoutMs: number): Promise<void> {
    await this.end(nodeId, "stop", Math.max(0, Math.ceil(timeoutMs / 1000)));
  }

  async kill(nodeId: string): Promise<void> {
    await this.end(nodeId, "kill");
  }

  async pause(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    const container = record.task?.Status.ContainerStatus?.ContainerID;
    if (!container) throw new Error(`node "${nodeId}" has no running container to pause`);
    await this.agentOf(nodeId).client.containerOp(container, "pause");
    record.paused = true;
  }

  async resume(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    const container = record.task?.Status.ContainerStatus?.ContainerID;
    if (!container || !record.paused) return;
    await this.agentOf(nodeId).client.containerOp(container, "unpause");
    record.paused = false;
  }

  async remove(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (!record.serviceId) return;
    record.finalLog = await this.readLog(nodeId).catch((e: Error) => `(log unavailable: ${e.message})\n`);
    await this.ctx.docker
      .getService(record.serviceId)
      .remove()
      .catch(() => undefined);
    record.serviceId = undefined;
  }

  /** Every start's lines, in the order they were written (the service's tasks, sorted by the engine's timestamps). */
  async readLog(nodeId: string): Promise<string> {
    const record = this.record(nodeId);
    if (record.finalLog !== undefined) return record.finalLog;
    if (!record.serviceId) return "";
    const raw = (await this.ctx.docker
      .getService(record.serviceId)
      .logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown;
    const text = demultiplexLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    return untimestamped(text);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.poller) clearTimeout(this.poller);
    for (const record of this.records.values()) record.markEnded();
    for (const agent of this.ctx.agents.values()) agent.client.stopStatsPolling();
    await this.ctx.removeRun();
  }

  /** Nothing synchronous reaches the engine: `sumnet clean` removes what a killed harness left, by label. */
  destroyNow(): void {}

  // --- internals ----------------------------------------------------------------------------------------------------

  private async serviceSpec(record: ServiceRecord, env: Readonly<Record<string, string>>): Promise<SwarmServiceSpec> {
    const limits = this.ctx.limits;
    const labels = { ...this.ctx.labels, [LABEL_NODE]: record.spec.id };
    const mounts: object[] = [];
    if (record.volume) {
      mounts.push({ Type: "volume", Source: record.volume, Target: CONTAINER_DATA_DIR, VolumeOptions: { Labels: labels } });
    }
    if (limits?.tmpfs) mounts.push({ Type: "tmpfs", Target: limits.tmpfs.target, TmpfsOptions: { SizeBytes: limits.tmpfs.sizeBytes, Mode: 0o1777 } });
    return {
      Name: record.serviceName,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: await this.ctx.imageFor(record.spec),
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: labels,
          Mounts: mounts,
          // The harness polls /health itself; an image's HEALTHCHECK would hold the task in "starting".
          HealthCheck: { Test: ["NONE"] },
          ...(limits?.readOnly ? { ReadOnly: true } : {}),
          ...(limits?.capabilityDrop ? { CapabilityDrop: [...limits.capabilityDrop] } : {}),
        },
        Resources: {
          Limits: {
            ...(limits?.memoryBytes ? { MemoryBytes: limits.memoryBytes } : {}),
            ...(limits?.nanoCpus ? { NanoCPUs: limits.nanoCpus } : {}),
            ...(limits?.pids ? { Pids: limits.pids } : {}),
          },
        },
        RestartPolicy: { Condition: "none" },
        Placement: { Constraints: [`node.id==${record.machine.id}`] },
        Networks: [{ Target: this.ctx.networkId, Aliases: [record.spec.id] }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: { Parallelism: 1, Order: "stop-first", FailureAction: "continue", Monitor: 0 },
      EndpointSpec: { Mode: "dnsrr" },
    };
  }

  /** Waits for this start's task to run; a task that ends or waits too long is an error with the engine's words. */
  private async waitRunning(record: ServiceRecord): Promise<Task> {
    this.starting.add(record);
    try {
      return await this.untilRunning(record);
    } finally {
      this.starting.delete(record);
    }
  }

  private async untilRunning(record: ServiceRecord): Promise<Task> {
    const deadline = Date.now() + TASK_START_TIMEOUT_MS;
    let latest: Task | undefined;
    for (;;) {
      if (this.disposed) throw new Error(`swarm runtime: disposed while node "${record.spec.id}" started`);
      const tasks = (await this.tasksNow("starting")).get(record.serviceId!) ?? [];
      latest = tasks
        .filter((t) => !record.oldTasks.has(t.ID))
        .sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt))
        .at(-1);
      if (latest?.Status.State === "running" && latest.Status.ContainerStatus?.ContainerID) {
        record.task = latest;
        return latest;
      }
      if (latest && ENDED_TASK_STATES.has(latest.Status.State)) {
        record.task = latest;
        record.markEnded();
        throw new Error(`node "${record.spec.id}": ${taskProblem(latest, record.machine)}`);
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `node "${record.spec.id}": its task did not run within ${TASK_START_TIMEOUT_MS / 1000} s on ${record.machine.hostname}` +
            (latest ? ` (${taskProblem(latest, record.machine)})` : " (no task was created)"),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, TASK_POLL_MS / 2));
    }
  }

  /** Stops or kills the current task's container through its machine's agent (awake first), and waits for the end. */
  private async end(nodeId: string, op: "stop" | "kill", stopSeconds?: number): Promise<void> {
    const record = this.record(nodeId);
    const container = record.task?.Status.ContainerStatus?.ContainerID;
    if (!container) return;
    const agent = this.agentOf(nodeId).client;
    if (record.paused) await agent.containerOp(container, "unpause").catch(() => undefined);
    record.paused = false;
    await agent.containerOp(container, op, stopSeconds);
    await this.untilEnded(record);
  }

  /**
   * Polls the manager until the current task has ended. The background poll is unref'd (an idle network must not keep
   * the process alive); a caller waiting for an exit does, as any wait on a child process does.
   */
  private async untilEnded(record: ServiceRecord): Promise<void> {
    let ended = false;
    void record.ended.then(() => (ended = true));
    while (!ended && !this.disposed) {
      await this.pollExits().catch(() => undefined);
      if (!ended) await new Promise((resolve) => setTimeout(resolve, TASK_POLL_MS / 2));
    }
  }

  private ensurePolling(): void {
    if (this.poller || this.disposed) return;
    const tick = async (): Promise<void> => {
      this.poller = undefined;
      if (this.disposed) return;
      try {
        await this.pollExits();
      } catch {
        // The manager did not answer this time: the next poll asks again.
      }
      if (!this.disposed && [...this.records.values()].some((r) => r.task)) {
        this.poller = setTimeout(() => void tick(), TASK_POLL_MS);
        this.poller.unref();
      }
    };
    this.poller = setTimeout(() => void tick(), TASK_POLL_MS);
    this.poller.unref();
  }

  /** Reports, once each, the current tasks that have ended (stopped, killed, crashed, or removed with their service). */
  private async pollExits(): Promise<void> {
    const watched = [...this.records.values()].filter((r) => r.task && r.serviceId);
    if (!watched.length) return;
    const tasks = await this.tasksNow("all");
    for (const record of watched) {
      const current = record.task;
      // Another poll (the lists are shared) may have reported it meanwhile.
      if (!current) continue;
      const seen = tasks.get(record.serviceId!)?.find((t) => t.ID === current.ID);
      if (seen && !ENDED_TASK_STATES.has(seen.Status.State)) continue;
      record.task = undefined;
      record.oldTasks.add(current.ID);
      const code = seen?.Status.ContainerStatus?.ExitCode;
      this.events.exited(record.spec.id, code === undefined ? { code: null, signal: null } : exitOf(code, undefined));
      record.markEnded();
    }
  }

  /**
   * Tasks by service, in one request to the manager for the services in `scope`: a caller that asks while a request of
   * its scope is in flight shares its answer (50 nodes starting at once cost one listing per round, not 50); one that
   * asks after it gets the next, started TASK_POLL_MS after the last (every service: that per 50 services) at the
   * earliest.
   */
  private tasksNow(scope: "starting" | "all"): Promise<Map<string, Task[]>> {
    const pause = scope === "starting" ? TASK_POLL_MS : TASK_POLL_MS * Math.max(1, this.records.size / SERVICES_PER_EXIT_POLL);
    return this.listings[scope].next(pause, () => {
      // The services as they are when the listing starts, not when it was asked for.
      const records = scope === "starting" ? [...this.starting] : [...this.records.values()];
      const ids = records.flatMap((r) => (r.serviceId ? [r.serviceId] : []));
      return ids.length ? listTasks(this.ctx.docker, ids) : Promise.resolve([]);
    });
  }

  private agentOf(nodeId: string): { readonly client: AgentClient; readonly overlayAddress: string } {
    const machine = this.record(nodeId).machine;
    const agent = this.ctx.agents.get(machine.id);
    if (!agent) throw new Error(`swarm runtime: no link agent runs on machine ${machine.hostname}`);
    return agent;
  }

  private record(nodeId: string): ServiceRecord {
    const record = this.records.get(nodeId);
    if (!record) throw new Error(`swarm runtime: unknown node "${nodeId}"`);
    return record;
  }
}

/** The part of the Engine API's ServiceSpec this host writes. */
export interface SwarmServiceSpec {
  readonly Name: string;
  readonly Labels: Record<string, string>;
  readonly TaskTemplate: Record<string, unknown>;
  readonly Mode: Record<string, unknown>;
  readonly UpdateConfig?: Record<string, unknown>;
  readonly EndpointSpec: Record<string, unknown>;
}

/** Why a task did not run, in the engine's words, with advice for the usual cause (an image a machine lacks). */
export function taskProblem(task: Task, machine: Machine): string {
  const words = task.Status.Err || task.Status.Message || "no reason given";
  const state = `task ${task.ID.slice(0, 12)} is ${task.Status.State} on ${machine.hostname}: ${words}`;
  if (/no such image|pull access denied|manifest unknown|not found/i.test(words)) {
    return `${state}. The machine cannot get the image: on a swarm of several machines, pass --registry HOST:PORT so that every machine pulls it`;
  }
  return state;
}

/** Sorts lines by the engine's RFC 3339 timestamps (tasks of several starts interleave) and strips them. */
export function untimestamped(text: string): string {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const parsed = lines.map((line, index) => {
    const space = line.indexOf(" ");
    const stamp = space > 0 ? line.slice(0, space) : "";
    const ok = /^\d{4}-\d\d-\d\dT/.test(stamp);
    return { index, stamp: ok ? stamp : "", body: ok ? line.slice(space + 1) : line };
  });
  // RFC 3339 with nanoseconds, trailing zeros trimmed: pad the fraction so that the strings compare as times.
  const key = (stamp: string): string => stamp.replace(/(\d\d:\d\d:\d\d)(?:\.(\d+))?/, (_, hms: string, f: string | undefined) => `${hms}.${(f ?? "").padEnd(9, "0")}`);
  parsed.sort((a, b) => (a.stamp && b.stamp ? key(a.stamp).localeCompare(key(b.stamp)) : 0) || a.index - b.index);
  return parsed.map((p) => p.body + "\n").join("");
}

/** One kind of listing of the manager's tasks: shared while in flight, started at most once per pause. */
class Listing {
  private current: Promise<Map<string, Task[]>> | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;

  next(pauseMs: number, list: () => Promise<Task[]>): Promise<Map<string, Task[]>> {
    if (!this.current) {
      const wait = this.lastAt + pauseMs - performance.now();
      this.current = (wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve())
        .then(() => {
          this.lastAt = performance.now();
          return list();
        })
        .then((tasks) => {
          const byService = new Map<string, Task[]>();
          for (const task of tasks) byService.set(task.ServiceID, [...(byService.get(task.ServiceID) ?? []), task]);
          return byService;
        })
        .finally(() => {
          this.current = undefined;
        });
    }
    return this.current;
  }
}
