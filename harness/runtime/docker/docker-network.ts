/**
 * A running network of peer containers.
 *
 * Topology and faults: every scenario gets a fresh bridge network that is `internal` (no route outside) and has
 * inter-container traffic switched off (`enable_icc=false`), so containers cannot reach each other at all, only the
 * host. Every link is a harness-side relay (harness/faults) listening on the network's gateway address; the dialer's
 * PEERS points at its relays, each relay forwards to the target container's P2P port. Cutting a link therefore
 * really cuts it (there is no other path), and delay, jitter and loss work for any image: no shell, no `tc`, no
 * netem, no privileges in the container. The harness reaches each control API at the container's address.
 *
 * Lifecycle: containers are created by testcontainers and stopped, killed, restarted and removed through dockerode;
 * exits are watched with `docker wait` so a crash shows as status `exited`. Dispose (also on start failure and on
 * SIGINT/SIGTERM, see docker-runtime.ts) removes every container, relay, the network and the DATA_DIR folders.
 */
import { mkdir, mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { constants as osConstants } from "node:os";
import type Docker from "dockerode";
import { LinkRelay, type RelayTarget } from "../../faults/index.js";
import { seededRandom, type SeededRandom } from "../../random/seeded-random.js";
import {
  CLEAN_LINK,
  NODE_ID_PATTERN,
  findLink,
  linkKey,
  type LinkInfo,
  type LinkShape,
  type LinkSpec,
  type NetworkEvent,
  type NetworkSnapshot,
  type NodeExit,
  type NodeInfo,
  type NodeSpec,
  type NodeStatus,
  type StartNodeOptions,
  type StartedNetwork,
  type StopOptions,
} from "../runtime.js";
import { readContainerLog } from "./container-log.js";
import { LABEL_NODE, LABEL_RUN } from "./labels.js";
import { removeNetwork } from "./network-removal.js";
import { startPeerContainer } from "./peer-container.js";
import { NetworkListeners } from "../network-listeners.js";

/** Ports inside every container: each container has its own address, so the contract's defaults never clash. */
export const CONTAINER_P2P_PORT = 7000;
export const CONTAINER_HTTP_PORT = 8080;
/** Where a node's DATA_DIR (a host folder, so it survives stop, kill and restart) is mounted. */
export const CONTAINER_DATA_DIR = "/sumnet-data";
/** Relay target while the target container is not running: port 0 is refused at once, nothing is contacted. */
const NOWHERE: RelayTarget = Object.freeze({ host: "127.0.0.1", port: 0 });

/**
 * Containers started or removed at once on one network. Engine 20.10 keeps a per-network endpoint count that drifts
 * under many concurrent joins and leaves (50 at once did it twice here): the network then reports "active endpoints"
 * with none attached and cannot be removed until the daemon restarts. Eight at a time is as fast on 2 cores.
 */
const ENGINE_CONCURRENCY = 8;
const DEFAULT_HEALTH_TIMEOUT_MS = 15_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;

export interface DockerNetworkContext {
  readonly docker: Docker;
  readonly runId: string;
  readonly name: string;
  /** Engine network name and id. */
  readonly networkName: string;
  readonly networkId: string;
  /** The host's address on the scenario network: relays listen here, containers reach them here. */
  readonly gateway: string;
  readonly labels: Record<string, string>;
  /** Image for a node (already resolved: per-node image, `--image`, or the reference image). */
  readonly imageFor: (node: NodeSpec) => Promise<string>;
  readonly hostConfig?: Readonly<Partial<Docker.HostConfig>> | undefined;
  readonly seed: number;
  /** Called once, when disposal finished (the runtime forgets the network). */
  readonly onDisposed: () => void;
}

interface NodeRecord {
  readonly spec: NodeSpec;
  readonly containerName: string;
  container: Docker.Container | undefined;
  address: string | undefined;
  status: NodeStatus;
  starts: number;
  lastExit: NodeExit | undefined;
  /** The harness asked the current run of the container to end (stop, kill, leave, dispose). */
  exitExpected: boolean;
  /** Resolves when the current run of the container has ended (set at each start). */
  exited: Promise<void>;
  /** Increments at each start, so a late `docker wait` answer of an older run is ignored. */
  generation: number;
  hostDataDir: string | undefined;
  /** Log kept after the container was removed (leave). */
  finalLog: string | undefined;
}

interface LinkRecord {
  readonly from: string;
  readonly to: string;
  readonly relay: LinkRelay;
}

export class StartedDockerNetwork implements StartedNetwork {
  readonly runtime = "docker";
  readonly name: string;
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly links = new Map<string, LinkRecord>();
  private readonly listeners = new NetworkListeners();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly random: SeededRandom;
  private disposing: Promise<void> | undefined;

  constructor(private readonly ctx: DockerNetworkContext) {
    this.name = ctx.name;
    this.random = seededRandom(ctx.seed);
  }

  get runId(): string {
    return this.ctx.runId;
  }

  get isDisposed(): boolean {
    return this.disposing !== undefined;
  }

  /** Initial start: relays for every link, then every container in parallel, then every health check. */
  async launch(nodes: readonly NodeSpec[], links: readonly LinkSpec[], healthTimeoutMs: number, signal?: AbortSignal): Promise<void> {
    for (const node of nodes) this.nodes.set(node.id, this.newRecord(node));
    await Promise.all(links.map((link) => this.openLink(link)));
    throwIfAborted(signal);
    await this.track(eachLimited(nodes, ENGINE_CONCURRENCY, (node) => this.runContainer(this.record(node.id))));
    throwIfAborted(signal);
    await Promise.all(nodes.map((node) => this.track(this.waitHealthy(this.record(node.id), healthTimeoutMs, signal))));
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
    if (record.address === undefined) throw new Error(`node "${nodeId}" has no address: it has never started`);
    return `http://${record.address}:${CONTAINER_HTTP_PORT}`;
  }

  async startNode(nodeId: string, options: StartNodeOptions = {}): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") throw new Error(`node "${nodeId}" has left the network and cannot start again`);
    if (record.status === "running") throw new Error(`node "${nodeId}" is already running`);
    await this.track(this.runContainer(record));
    await this.track(this.waitHealthy(record, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS));
  }

  async stopNode(nodeId: string, options: StopOptions = {}): Promise<void> {
    await this.track(this.stopContainer(this.record(nodeId), "stop", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS));
  }

  async killNode(nodeId: string): Promise<void> {
    await this.track(this.stopContainer(this.record(nodeId), "kill", 0));
  }

  async restartNode(
    nodeId: string,
    options: StopOptions & StartNodeOptions & { readonly hard?: boolean } = {},
  ): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "running") {
      await this.track(
        this.stopContainer(record, options.hard ? "kill" : "stop", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS),
      );
    }
    await this.startNode(nodeId, options);
  }

  async addNode(node: NodeSpec, links: readonly LinkSpec[], options: StartNodeOptions = {}): Promise<void> {
    this.assertOpen();
    if (!NODE_ID_PATTERN.test(node.id)) throw new Error(`node id "${node.id}" must match ${NODE_ID_PATTERN}`);
    if (this.nodes.has(node.id)) throw new Error(`node id "${node.id}" is already used in network "${this.name}"`);
    const problems: string[] = [];
    for (const link of links) {
      const other = link.from === node.id ? link.to : link.from;
      if (link.from !== node.id && link.to !== node.id) {
        problems.push(`link ${link.from}->${link.to} does not have the joining node "${node.id}" as an end`);
      } else if (other === node.id) {
        problems.push(`link ${link.from}->${link.to}: a node cannot link to itself`);
      } else if (!this.nodes.has(other) || this.record(other).status === "removed") {
        problems.push(`link ${link.from}->${link.to}: unknown node "${other}"`);
      } else if (link.to === node.id) {
        // A running container's environment (PEERS) is fixed when it is created.
        problems.push(
          `link ${link.from}->${link.to}: the running node "${link.from}" cannot be made to dial a joining node ` +
            `on the docker runtime; give the link as ${node.id}->${link.from}`,
        );
      }
    }
    if (problems.length > 0) throw new Error(`cannot add node "${node.id}": ${problems.join("; ")}`);
    const record = this.newRecord(node);
    this.nodes.set(node.id, record);
    await Promise.all(links.map((link) => this.openLink(link)));
    await this.track(this.runContainer(record));
    await this.track(this.waitHealthy(record, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS));
  }

  async removeNode(nodeId: string, options: StopOptions = {}): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") return;
    await this.track(this.stopContainer(record, "stop", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS));
    if (record.container) {
      record.finalLog = await readContainerLog(record.container).catch((e: Error) => `(log unavailable: ${e.message})\n`);
      await record.container.remove({ force: true }).catch(() => undefined);
      record.container = undefined;
    }
    for (const [key, link] of [...this.links]) {
      if (link.from !== nodeId && link.to !== nodeId) continue;
      this.links.delete(key);
      await link.relay.close();
      this.emit({ type: "link-removed", link: { from: link.from, to: link.to } });
    }
    if (record.hostDataDir) await rm(record.hostDataDir, { recursive: true, force: true }).catch(() => undefined);
    record.status = "removed";
    this.emit({ type: "node", node: this.nodeInfo(record) });
  }

  async cutLink(a: string, b: string): Promise<void> {
    const link = this.link(a, b);
    link.relay.cut();
    this.emit({ type: "link", link: this.linkInfo(link) });
  }

  async restoreLink(a: string, b: string): Promise<void> {
    const link = this.link(a, b);
    link.relay.restore();
    this.emit({ type: "link", link: this.linkInfo(link) });
  }

  async shapeLink(a: string, b: string, shape: LinkShape): Promise<void> {
    const link = this.link(a, b);
    link.relay.shape(shape);
    this.emit({ type: "link", link: this.linkInfo(link) });
  }

  async clearLinkShape(a: string, b: string): Promise<void> {
    await this.shapeLink(a, b, CLEAN_LINK);
  }

  async readLog(nodeId: string): Promise<string> {
    const record = this.record(nodeId);
    if (record.finalLog !== undefined) return record.finalLog;
    if (!record.container) return "";
    return readContainerLog(record.container);
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    return Promise.all(
      [...this.nodes.keys()].map(async (id) => {
        const file = path.join(dir, `${id}.log`);
        const text = await this.readLog(id).catch((e: Error) => `(log unavailable: ${e.message})\n`);
        await writeFile(file, text);
        return file;
      }),
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.disposing ??= this.dispose();
    return this.disposing;
  }

  // --- internals ----------------------------------------------------------------------------------------------------

  private async dispose(): Promise<void> {
    // Let creations in flight finish (health waits see `disposing` and give up), so nothing appears after the sweep.
    await Promise.allSettled([...this.inFlight]);
    const problems: string[] = [];
    await Promise.allSettled([...this.links.values()].map((l) => l.relay.close()));
    for (const record of this.nodes.values()) record.exitExpected = true;
    // Remove by label, not only by handle: a container whose creation failed half-way has no handle here.
    const { docker } = this.ctx;
    const labelled = await docker
      .listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${this.ctx.runId}`] } })
      .catch((e: Error) => {
        problems.push(`listing containers: ${e.message}`);
        return [];
      });
    const ids = new Set(labelled.map((c) => c.Id));
    for (const record of this.nodes.values()) if (record.container) ids.add(record.container.id);
    await eachLimited([...ids], ENGINE_CONCURRENCY, (id) =>
      docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch((e: Error & { statusCode?: number }) => {
          if (e.statusCode !== 404) problems.push(`container ${id.slice(0, 12)}: ${e.message}`);
        }),
    );
    await removeNetwork(docker, this.ctx.networkId).catch((e: Error) => {
      problems.push(`network ${this.ctx.networkName}: ${e.message}`);
    });
    await Promise.all(
      [...this.nodes.values()].map(async (record) => {
        if (record.hostDataDir) await rm(record.hostDataDir, { recursive: true, force: true }).catch(() => undefined);
      }),
    );
    this.ctx.onDisposed();
    if (problems.length > 0) {
      throw new Error(`docker runtime: could not remove everything of run ${this.ctx.runId} (run \`sumnet clean\`): ${problems.join("; ")}`);
    }
  }

  private newRecord(spec: NodeSpec): NodeRecord {
    return {
      spec,
      containerName: `sumnet-${this.ctx.runId}-${spec.id}`,
      container: undefined,
      address: undefined,
      status: "stopped",
      starts: 0,
      lastExit: undefined,
      exitExpected: false,
      exited: Promise.resolve(),
      generation: 0,
      hostDataDir: undefined,
      finalLog: undefined,
    };
  }

  private async openLink(link: LinkSpec): Promise<void> {
    const relay = await LinkRelay.start({
      host: this.ctx.gateway,
      target: NOWHERE,
      random: this.random.fork(linkKey(link.from, link.to)),
    });
    const target = this.nodes.get(link.to);
    if (target?.status === "running" && target.address) relay.retarget({ host: target.address, port: CONTAINER_P2P_PORT });
    this.links.set(linkKey(link.from, link.to), { from: link.from, to: link.to, relay });
  }

  private environment(record: NodeRecord): Record<string, string> {
    const peers = [...this.links.values()].filter((l) => l.from === record.spec.id).map((l) => `${this.ctx.gateway}:${l.relay.port}`);
    const env: Record<string, string> = {
      ...record.spec.env,
      NODE_ID: record.spec.id,
      P2P_HOST: "0.0.0.0",
      P2P_PORT: String(CONTAINER_P2P_PORT),
      HTTP_PORT: String(CONTAINER_HTTP_PORT),
      PEERS: peers.join(","),
    };
    if (record.spec.numbers.length > 0) env.NUMBERS = record.spec.numbers.join(",");
    if (record.spec.dataDir) env.DATA_DIR = CONTAINER_DATA_DIR;
    return env;
  }

  /** Creates (first time) or starts again (later) the node's container, and points its incoming relays at it. */
  private async runContainer(record: NodeRecord): Promise<void> {
    this.assertOpen();
    record.exitExpected = false;
    if (!record.container) {
      if (record.spec.dataDir && !record.hostDataDir) {
        record.hostDataDir = await mkdtemp(path.join(os.tmpdir(), `sumnet-${this.ctx.runId}-${record.spec.id}-`));
        // Any user id in any image must be able to write it.
        await chmod(record.hostDataDir, 0o777);
      }
      const started = await startPeerContainer({
        image: await this.ctx.imageFor(record.spec),
        name: record.containerName,
        networkName: this.ctx.networkName,
        environment: this.environment(record),
        labels: { ...this.ctx.labels, [LABEL_NODE]: record.spec.id },
        binds: record.hostDataDir ? [{ source: record.hostDataDir, target: CONTAINER_DATA_DIR }] : [],
        hostConfig: this.ctx.hostConfig,
      });
      record.container = this.ctx.docker.getContainer(started.getId());
    } else {
      await record.container.start();
    }
    const info = await record.container.inspect();
    const address = info.NetworkSettings.Networks[this.ctx.networkName]?.IPAddress;
    if (!address) throw new Error(`node "${record.spec.id}": container has no address on network ${this.ctx.networkName}`);
    record.address = address;
    record.starts += 1;
    record.status = "running";
    this.watchExit(record);
    for (const link of this.links.values()) {
      if (link.to === record.spec.id) link.relay.retarget({ host: address, port: CONTAINER_P2P_PORT });
    }
    this.emit({ type: "node", node: this.nodeInfo(record) });
  }

  private watchExit(record: NodeRecord): void {
    const generation = ++record.generation;
    const container = record.container;
    if (!container) return;
    record.exited = container.wait().then(
      (result: { StatusCode: number }) => this.noteExit(record, generation, result.StatusCode),
      () => this.noteExit(record, generation, null),
    );
  }

  private noteExit(record: NodeRecord, generation: number, code: number | null): void {
    if (generation !== record.generation || record.status !== "running") return;
    // Docker reports death by signal N as 128 + N.
    const signal =
      code !== null && code > 128
        ? (Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0] ?? null)
        : null;
    record.lastExit = { code, signal, expected: record.exitExpected };
    record.status = record.exitExpected ? "stopped" : "exited";
    for (const link of this.links.values()) if (link.to === record.spec.id) link.relay.retarget(NOWHERE);
    if (!this.disposing) this.emit({ type: "node", node: this.nodeInfo(record) });
  }

  private async stopContainer(record: NodeRecord, how: "stop" | "kill", timeoutMs: number): Promise<void> {
    if (record.status !== "running" || !record.container) return;
    record.exitExpected = true;
    for (const link of this.links.values()) if (link.to === record.spec.id) link.relay.retarget(NOWHERE);
    const ignoreGone = (e: Error & { statusCode?: number }): void => {
      // 304: already stopped; 404: gone; 409: not running.
      if (e.statusCode !== 304 && e.statusCode !== 404 && e.statusCode !== 409) throw e;
    };
    if (how === "kill") await record.container.kill({ signal: "SIGKILL" }).catch(ignoreGone);
    else await record.container.stop({ t: Math.max(0, Math.ceil(timeoutMs / 1000)) }).catch(ignoreGone);
    await record.exited;
  }

  private async waitHealthy(record: NodeRecord, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const url = `${this.controlUrl(record.spec.id)}/health`;
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    let pause = 50;
    for (;;) {
      if (this.disposing) throw new Error(`network "${this.name}" was disposed while node "${record.spec.id}" started`);
      throwIfAborted(signal);
      if (record.status !== "running") {
        const exit = record.lastExit;
        throw new Error(
          `node "${record.spec.id}" exited during start (code ${exit?.code ?? "?"}${exit?.signal ? `, ${exit.signal}` : ""})` +
            (await this.logTail(record)),
        );
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(2000, Math.max(100, deadline - Date.now()))) });
        await response.arrayBuffer().catch(() => undefined);
        if (response.status === 200) return;
        last = `GET /health answered ${response.status}`;
      } catch (error) {
        last = `GET /health failed: ${(error as Error).message}`;
      }
      if (Date.now() >= deadline) {
        throw new Error(`node "${record.spec.id}" was not healthy within ${timeoutMs} ms (${last} at ${url})` + (await this.logTail(record)));
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(250, pause * 2);
    }
  }

  private async logTail(record: NodeRecord): Promise<string> {
    if (!record.container) return "";
    const log = await readContainerLog(record.container).catch(() => "");
    const lines = log.trimEnd().split("\n").slice(-15).join("\n  ");
    return lines ? `; last log lines:\n  ${lines}` : "; the log is empty";
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => void this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private assertOpen(): void {
    if (this.disposing) throw new Error(`network "${this.name}" (run ${this.ctx.runId}) has been disposed`);
  }

  private record(nodeId: string): NodeRecord {
    const record = this.nodes.get(nodeId);
    if (!record) throw new Error(`unknown node "${nodeId}" in network "${this.name}" (nodes: ${[...this.nodes.keys()].join(", ")})`);
    return record;
  }

  private link(a: string, b: string): LinkRecord {
    this.record(a);
    this.record(b);
    const link = findLink(this.links.values(), a, b);
    if (!link) throw new Error(`no link between "${a}" and "${b}" in network "${this.name}"`);
    return link;
  }

  private nodeInfo(record: NodeRecord): NodeInfo {
    return {
      id: record.spec.id,
      status: record.status,
      controlUrl: record.address ? `http://${record.address}:${CONTAINER_HTTP_PORT}` : "",
      dataDir: record.spec.dataDir,
      lastExit: record.lastExit,
      starts: record.starts,
    };
  }

  private linkInfo(link: LinkRecord): LinkInfo {
    return { from: link.from, to: link.to, cut: link.relay.isCut, shape: link.relay.currentShape };
  }

  private emit(event: NetworkEvent): void {
    this.listeners.emit(event);
  }
}

/**
 * Runs `work` over `items`, at most `limit` at once. After a failure no new item starts; it settles only when every
 * started item has settled (so a caller that cleans up afterwards sees everything that was created), then rejects
 * with the first failure.
 */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !failure) {
        try {
          await work(items[next++] as T);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("start aborted");
}
