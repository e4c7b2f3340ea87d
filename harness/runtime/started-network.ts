/**
 * The one implementation of a started network, for every runtime. It holds what a network is beyond its processes or
 * containers: each node's status and the events a dashboard follows, the relay that carries each link (cuts, shapes),
 * health checks, the contract's environment with the reference peer's tuning, and clean-up on dispose, on a failed
 * start and on signals. A runtime supplies a `NetworkHost` (host.ts) that starts, stops, kills and pauses one node.
 */
import { performance } from "node:perf_hooks";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { httpNodeClient, type NodeClient } from "../../contract/node-client.js";
import { getHealth } from "../../contract/peer-client.js";
import { realClock, type Clock } from "../base/clock.js";
import { eachLimited } from "../base/each-limited.js";
import { seededRandom, type SeededRandom } from "../base/seeded-random.js";
import type { LinkCarrier } from "../faults/link-carrier.js";
import { LinkRelay, type RelayStats, type RelayTarget } from "../faults/link-relay.js";
import {
  assertValidNetworkSpec,
  CLEAN_LINK,
  linkKey,
  assertCanJoin,
  type LinkShape,
  type LinkSpec,
  type NetworkSpec,
  type NodeSpec,
} from "../network/spec.js";
import { forgetNetwork, trackNetwork, type SignalPolicy } from "./cleanup.js";
import { DEFAULT_EXIT_NOTICE_MS, type ContractPlacement, type HostEvents, type NetworkHost } from "./host.js";
import { NetworkListeners } from "./network-listeners.js";
import { nodeEnvironment } from "./node-environment.js";
import {
  NodeError,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  type LinkInfo,
  type LinkTraffic,
  type NetworkEvent,
  type NetworkSnapshot,
  type NodeExit,
  type NodeInfo,
  type NodeStatus,
  type StartedNetwork,
  type StartNetworkOptions,
  type StartNodeOptions,
  type StopOptions,
} from "./runtime.js";

/** Relay target while a node does not run: port 0 is refused at once, nothing is contacted. */
const NOWHERE: RelayTarget = Object.freeze({ host: "127.0.0.1", port: 0 });

export interface HostedNetworkOptions extends StartNetworkOptions {
  /** What a signal does to this network (default dispose-and-exit). */
  readonly onSignal?: SignalPolicy | undefined;
  /** How many nodes start at once (engines have limits; default all). */
  readonly startConcurrency?: number | undefined;
}

interface NodeRecord {
  readonly spec: NodeSpec;
  placement: ContractPlacement;
  status: NodeStatus;
  controlUrl: string;
  p2p: RelayTarget;
  starts: number;
  lastExit: NodeExit | undefined;
  /** The harness asked the current run to end (stop, kill, leave, dispose). */
  exitExpected: boolean;
  /**
   * A start attempt that may be retried is under way: an exit now is the attempt's failure, told to listeners only
   * if no attempt follows (a port taken between allocation and bind is the harness's race, not the node's crash).
   */
  retryable: boolean;
}

interface LinkRecord {
  readonly spec: LinkSpec;
  readonly relay: LinkCarrier;
}

export class HostedNetwork implements StartedNetwork {
  readonly runtime: string;
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly links = new Map<string, LinkRecord>();
  /** Traffic of links removed with their node (leave): counters only grow. */
  private readonly retiredTraffic: LinkTraffic[] = [];
  private readonly listeners = new NetworkListeners();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly random: SeededRandom;
  private disposing: Promise<void> | undefined;
  readonly host: NetworkHost;

  private constructor(
    readonly name: string,
    makeHost: (events: HostEvents) => NetworkHost,
    seed: number,
  ) {
    this.host = makeHost({ exited: (id, exit) => this.noteExit(id, exit) });
    this.runtime = this.host.runtime;
    this.random = seededRandom(seed);
  }

  /**
   * Start every node of `spec` wired by its links; resolves when all are healthy. On failure everything started is
   * removed and the first error is thrown.
   */
  static async start(
    spec: NetworkSpec,
    makeHost: (events: HostEvents) => NetworkHost,
    options: HostedNetworkOptions = {},
  ): Promise<HostedNetwork> {
    assertValidNetworkSpec(spec);
    const network = new HostedNetwork(spec.name, makeHost, options.seed ?? 1);
    trackNetwork(network, options.onSignal ?? "dispose-and-exit");
    const onAbort = (): void => void network[Symbol.asyncDispose]().catch(() => undefined);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (const node of spec.nodes) network.nodes.set(node.id, await network.newRecord(node));
      await Promise.all(spec.links.map((link) => network.openLink(link)));
      options.signal?.throwIfAborted();
      const healthMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
      await network.track(
        eachLimited(spec.nodes, options.startConcurrency ?? spec.nodes.length, (node) => network.launch(network.record(node.id), healthMs)),
      );
      options.signal?.throwIfAborted();
      return network;
    } catch (error) {
      await network[Symbol.asyncDispose]().catch(() => undefined);
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Id of this started network, unique on this machine (its folders, its engine objects' labels). */
  get runId(): string {
    return this.host.runId;
  }

  async settleExits(nodeIds: readonly string[]): Promise<void> {
    const running = (id: string): boolean => this.nodes.get(id)?.status === "running";
    if (!nodeIds.some(running)) return;
    const withinMs = this.host.exitNoticeMs ?? DEFAULT_EXIT_NOTICE_MS;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, withinMs);
      const unsubscribe = this.listeners.subscribe(() => {
        if (!nodeIds.some(running)) done();
      });
    });
  }

  snapshot(): NetworkSnapshot {
    return {
      name: this.name,
      runtime: this.runtime,
      nodes: [...this.nodes.values()].map((r) => this.nodeInfo(r)),
      links: [...this.links.values()].map((l) => this.linkInfo(l)),
    };
  }

  subscribe(listener: (event: NetworkEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  controlUrl(nodeId: string): string {
    const record = this.record(nodeId);
    if (!record.controlUrl) throw new Error(`node "${nodeId}" has no control URL: it has never started`);
    return record.controlUrl;
  }

  readonly clock: Clock = realClock;

  client(nodeId: string): NodeClient {
    // Resolved at each call: a restarted container or process may answer at another address.
    const url = (): string => this.controlUrl(nodeId);
    return {
      addNumbers: (values, timeoutMs) => httpNodeClient(url()).addNumbers(values, timeoutMs),
      total: (timeoutMs) => httpNodeClient(url()).total(timeoutMs),
      state: (timeoutMs) => httpNodeClient(url()).state(timeoutMs),
      health: (timeoutMs) => httpNodeClient(url()).health(timeoutMs),
    };
  }

  async startNode(nodeId: string, options: StartNodeOptions = {}): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") throw new Error(`node "${nodeId}" has left the network and cannot start again`);
    if (record.status === "running" || record.status === "paused") throw new Error(`node "${nodeId}" is already running`);
    await this.track(this.launch(record, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS));
  }

  async stopNode(nodeId: string, options: StopOptions = {}): Promise<void> {
    await this.track(this.halt(this.record(nodeId), "stop", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS));
  }

  async killNode(nodeId: string): Promise<void> {
    await this.track(this.halt(this.record(nodeId), "kill", 0));
  }

  async pauseNode(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.status !== "running") throw new Error(`node "${nodeId}" is ${record.status}, not running: it cannot be paused`);
    await this.track(this.host.pause(nodeId));
    this.setStatus(record, "paused");
  }

  async resumeNode(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.status !== "paused") throw new Error(`node "${nodeId}" is ${record.status}, not paused: it cannot be resumed`);
    await this.track(this.host.resume(nodeId));
    this.setStatus(record, "running");
  }

  async restartNode(
    nodeId: string,
    options: StopOptions & StartNodeOptions & { readonly hard?: boolean } = {},
  ): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") throw new Error(`node "${nodeId}" has left the network and cannot start again`);
    if (record.status === "running" || record.status === "paused") {
      await this.track(this.halt(record, options.hard ? "kill" : "stop", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS));
    }
    await this.startNode(nodeId, options);
  }

  async addNode(node: NodeSpec, links: readonly LinkSpec[], options: StartNodeOptions = {}): Promise<void> {
    this.assertOpen();
    assertCanJoin(this.name, node, links, (id) => this.nodes.has(id), (id) => this.nodes.get(id) !== undefined && this.record(id).status !== "removed");
    const record = await this.newRecord(node);
    this.nodes.set(node.id, record);
    await Promise.all(links.map((link) => this.openLink(link)));
    await this.track(this.launch(record, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS));
  }

  async removeNode(nodeId: string, options: StopOptions = {}): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") return;
    await this.track(this.halt(record, "stop", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS));
    await this.host.remove(nodeId);
    for (const [key, link] of [...this.links]) {
      if (link.spec.from !== nodeId && link.spec.to !== nodeId) continue;
      this.links.delete(key);
      this.retiredTraffic.push(...trafficOf(link));
      await link.relay.close();
      this.listeners.emit({ type: "link-removed", link: link.spec });
    }
    this.setStatus(record, "removed");
  }

  async cutLink(a: string, b: string): Promise<void> {
    const link = this.link(a, b);
    await link.relay.cut();
    this.emitLink(link);
  }

  async cutLinkOneWay(from: string, to: string): Promise<void> {
    const link = this.link(from, to);
    await link.relay.cutOneWay(link.spec.from === from ? "toTarget" : "fromTarget");
    this.emitLink(link);
  }

  async resetLink(a: string, b: string): Promise<void> {
    await this.link(a, b).relay.reset();
  }

  async restoreLink(a: string, b: string): Promise<void> {
    const link = this.link(a, b);
    await link.relay.restore();
    this.emitLink(link);
  }

  async shapeLink(a: string, b: string, shape: LinkShape): Promise<void> {
    const link = this.link(a, b);
    await link.relay.shape(shape);
    this.emitLink(link);
  }

  async clearLinkShape(a: string, b: string): Promise<void> {
    await this.shapeLink(a, b, CLEAN_LINK);
  }

  /** Counters of the relay that carries the link between a and b (bytes, connections). */
  relayStats(a: string, b: string): RelayStats {
    return this.link(a, b).relay.getStats();
  }

  linkTraffic(): LinkTraffic[] {
    return [...this.retiredTraffic, ...[...this.links.values()].flatMap(trafficOf)];
  }

  async readLog(nodeId: string): Promise<string> {
    this.record(nodeId);
    return this.host.readLog(nodeId);
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    return Promise.all(
      [...this.nodes.keys()].map(async (id) => {
        const file = path.join(dir, `${id}.log`);
        const text = await this.host.readLog(id).catch((e: Error) => `(log unavailable: ${e.message})\n`);
        await writeFile(file, text);
        return file;
      }),
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.disposing ??= this.dispose();
    return this.disposing;
  }

  /** Synchronous last resort (process exit): kill what runs and remove what can be removed at once. */
  destroyNow(): void {
    for (const record of this.nodes.values()) record.exitExpected = true;
    this.host.destroyNow();
    forgetNetwork(this);
  }

  // --- internals ----------------------------------------------------------------------------------------------------

  private async dispose(): Promise<void> {
    // Let operations in flight finish (health waits see `disposing` and give up), so nothing appears after the sweep.
    await Promise.allSettled([...this.inFlight]);
    for (const record of this.nodes.values()) record.exitExpected = true;
    await Promise.allSettled([...this.links.values()].map((l) => l.relay.close()));
    try {
      await this.host.dispose();
    } finally {
      forgetNetwork(this);
    }
  }

  private async newRecord(spec: NodeSpec): Promise<NodeRecord> {
    return {
      spec,
      placement: await this.host.placeNode(spec),
      status: "stopped",
      controlUrl: "",
      p2p: NOWHERE,
      starts: 0,
      lastExit: undefined,
      retryable: false,
      exitExpected: false,
    };
  }

  private async openLink(link: LinkSpec): Promise<void> {
    const target = this.nodes.get(link.to)?.p2p ?? NOWHERE;
    const random = this.random.fork(linkKey(link.from, link.to));
    const relay = this.host.openCarrier
      ? await this.host.openCarrier(link, target, random)
      : await LinkRelay.start({ host: this.host.relayListenHost, port: this.host.relayPort?.(link), target, random });
    const record: LinkRecord = { spec: link, relay };
    this.links.set(linkKey(link.from, link.to), record);
    this.emitLink(record);
  }

  /** The contract's environment of a node: reference tuning, the scenario's variables, then the contract's own. */
  private environment(record: NodeRecord): Record<string, string> {
    return nodeEnvironment({
      spec: record.spec,
      placement: record.placement,
      peers: [...this.links.values()].filter((l) => l.spec.from === record.spec.id).map((l) => this.host.relayAddress(l.relay.port, l.spec)),
      referencePeer: this.host.runsReferencePeer(record.spec),
      networkSize: this.nodes.size,
    });
  }

  /** Start the node's process or container and wait until it is healthy; retries on a fixable start failure. */
  private async launch(record: NodeRecord, healthTimeoutMs: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      record.exitExpected = false;
      record.retryable = attempt < 3 && this.host.replaceAfterFailedStart !== undefined;
      const address = await this.host.start(record.spec, this.environment(record));
      record.controlUrl = address.controlUrl;
      record.p2p = address.p2p;
      record.starts += 1;
      this.setStatus(record, "running");
      // Links lead to the node at once: its relays hold dialers' connections until it listens. (Running first, so an
      // exit while a remote carrier retargets is seen as one.)
      await this.retarget(record.spec.id, record.p2p);
      try {
        await this.waitHealthy(record, healthTimeoutMs);
        record.retryable = false;
        return;
      } catch (error) {
        if (this.disposing) throw error;
        if (record.status === "running") await this.halt(record, "kill", 0);
        const moved = attempt < 3 ? await this.host.replaceAfterFailedStart?.(record.spec.id) : undefined;
        if (!moved) {
          record.retryable = false;
          // The exit that ended this last attempt, held back while another could follow, is now the node's.
          if (record.status === "exited") this.setStatus(record, "exited");
          throw error;
        }
        record.placement = moved;
      }
    }
  }

  private async waitHealthy(record: NodeRecord, timeoutMs: number): Promise<void> {
    const id = record.spec.id;
    const deadline = performance.now() + timeoutMs;
    let last = "no answer yet";
    let pause = 20; // grows: 50 starting peers must not be flooded with health checks
    for (;;) {
      if (this.disposing) throw new Error(`network "${this.name}" was disposed while node "${id}" started`);
      if (record.status !== "running") {
        const exit = record.lastExit;
        throw new NodeError(
          id,
          `${id} exited before it was healthy (code ${exit?.code ?? "?"}${exit?.signal ? `, signal ${exit.signal}` : ""})` +
            (await this.logTail(id)),
          exit,
        );
      }
      try {
        const waitMs = Math.min(2000, Math.max(100, deadline - performance.now()));
        // Through a proxy (the swarm runtime's agents), one request waits for a booting node instead of many polls.
        const health = await getHealth(record.controlUrl, waitMs, { awaitNodeMs: Math.max(0, waitMs - 500) });
        // Another process may hold this port (taken between allocation and bind): a peer that names itself in its
        // health answer, as the contract asks, must name this node, or the answer is not from this node.
        if (health.node === undefined || health.node === id) return;
        last = `GET /health answered by ${health.node}, another peer on this address`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (performance.now() >= deadline) {
        throw new NodeError(id, `${id} did not answer GET /health with 200 within ${timeoutMs} ms (${last} at ${record.controlUrl})` + (await this.logTail(id)));
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(250, pause * 1.5);
    }
  }

  private async logTail(id: string): Promise<string> {
    const log = await this.host.readLog(id).catch(() => "");
    const lines = log.trimEnd().split("\n").slice(-15).join("\n");
    return lines ? `\n--- end of ${id}'s log ---\n${lines}` : "; its log is empty";
  }

  private async halt(record: NodeRecord, how: "stop" | "kill", timeoutMs: number): Promise<void> {
    if (record.status !== "running" && record.status !== "paused") return;
    record.exitExpected = true;
    await this.retarget(record.spec.id, NOWHERE);
    if (how === "kill") await this.host.kill(record.spec.id);
    else await this.host.stop(record.spec.id, timeoutMs);
    if (record.status === "running" || record.status === "paused") this.setStatus(record, "stopped");
  }

  private noteExit(id: string, exit: Omit<NodeExit, "expected">): void {
    const record = this.nodes.get(id);
    if (!record) return;
    record.lastExit = { ...exit, expected: record.exitExpected };
    if (record.exitExpected || (record.status !== "running" && record.status !== "paused")) return;
    // A crash: the harness did not ask for it. (A carrier that fails to retarget has lost its agent: the run's checks
    // report what follows; nothing here can mend it.)
    this.retarget(id, NOWHERE).catch(() => undefined);
    if (!this.disposing && !record.retryable) this.setStatus(record, "exited");
    else record.status = "exited";
  }

  /** Points every link into `nodeId` at `target`; resolves when every carrier has applied it. */
  private async retarget(nodeId: string, target: RelayTarget): Promise<void> {
    const carriers = [...this.links.values()].filter((l) => l.spec.to === nodeId).map((l) => l.relay);
    await Promise.all(carriers.map((c) => c.retarget(target)));
  }

  private setStatus(record: NodeRecord, status: NodeStatus): void {
    record.status = status;
    this.listeners.emit({ type: "node", node: this.nodeInfo(record) });
  }

  private emitLink(link: LinkRecord): void {
    this.listeners.emit({ type: "link", link: this.linkInfo(link) });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => void this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private assertOpen(): void {
    if (this.disposing) throw new Error(`network "${this.name}" has been disposed`);
  }

  private record(nodeId: string): NodeRecord {
    const record = this.nodes.get(nodeId);
    if (!record) throw new Error(`unknown node "${nodeId}" in network "${this.name}" (nodes: ${[...this.nodes.keys()].join(", ")})`);
    return record;
  }

  private link(a: string, b: string): LinkRecord {
    this.record(a);
    this.record(b);
    const link = this.links.get(linkKey(a, b));
    if (!link) throw new Error(`no link between "${a}" and "${b}" in network "${this.name}"`);
    return link;
  }

  private nodeInfo(record: NodeRecord): NodeInfo {
    return {
      id: record.spec.id,
      status: record.status,
      controlUrl: record.controlUrl,
      dataDir: record.spec.dataDir,
      lastExit: record.lastExit,
      starts: record.starts,
    };
  }

  private linkInfo(link: LinkRecord): LinkInfo {
    const blocked = link.relay.blockedDirections;
    const oneWay = blocked.length === 1 ? blocked[0] : undefined;
    return {
      from: link.spec.from,
      to: link.spec.to,
      cut: link.relay.isCut || blocked.length > 0,
      blockedFrom: oneWay === undefined ? undefined : oneWay === "toTarget" ? link.spec.from : link.spec.to,
      shape: link.relay.currentShape,
    };
  }
}

/** Both directions of a link's relay: the dialer's bytes go to the target. */
function trafficOf(link: LinkRecord): LinkTraffic[] {
  const { toTarget, fromTarget } = link.relay.getStats();
  return [
    { from: link.spec.from, to: link.spec.to, bytes: toTarget.bytes, frames: toTarget.frames },
    { from: link.spec.to, to: link.spec.from, bytes: fromTarget.bytes, frames: fromTarget.frames },
  ];
}
