/**
 * The docker runtime's host: every node a container on the scenario's private network (see docker-runtime.ts for
 * how that network is made), DATA_DIR a host folder mounted in, exits watched with `docker wait`, logs read from the
 * engine. The network around the containers (relays on the network's gateway, health, status, clean-up) is the
 * shared started network (../started-network.ts).
 */
import os from "node:os";
import type Docker from "dockerode";
import { eachLimited } from "../../base/each-limited.js";
import type { NodeSpec } from "../../network/spec.js";
import type { ContractPlacement, HostEvents, NetworkHost, NodeAddress } from "../host.js";
import { readContainerLog } from "./container-log.js";
import { ContainerProcess } from "./container-process.js";
import { createDataDir, removeDataDir } from "./data-dir.js";
import { LABEL_NODE, LABEL_RUN } from "./labels.js";
import { isStaleNetworkError, removeNetwork } from "./network-removal.js";
import { startPeerContainer } from "./peer-container.js";

/** Ports inside every container: each container has its own address, so the contract's defaults never clash. */
export const CONTAINER_P2P_PORT = 7000;
export const CONTAINER_HTTP_PORT = 8080;
/** Where a node's DATA_DIR (a host folder, so it survives stop, kill and restart) is mounted. */
export const CONTAINER_DATA_DIR = "/sumnet-data";

/**
 * Containers started or removed at once on one network. Engine 20.10 keeps a per-network endpoint count that drifts
 * under many concurrent joins and leaves (50 at once did it twice here): the network then reports "active endpoints"
 * with none attached and cannot be removed until the daemon restarts. Eight at a time is as fast on 2 cores.
 */
export const ENGINE_CONCURRENCY = 8;

/** Where a node listens, and its DATA_DIR, inside a container of its own (docker, swarm). */
export function containerPlacement(spec: NodeSpec): ContractPlacement {
  return {
    p2pHost: "0.0.0.0",
    p2pPort: CONTAINER_P2P_PORT,
    httpPort: CONTAINER_HTTP_PORT,
    dataDir: spec.dataDir ? CONTAINER_DATA_DIR : undefined,
  };
}

export interface DockerNetworkContext {
  readonly docker: Docker;
  readonly runId: string;
  /** Engine network name and id. */
  readonly networkName: string;
  readonly networkId: string;
  /** The host's address on the scenario network: relays listen here, containers reach them here. */
  readonly gateway: string;
  readonly labels: Record<string, string>;
  /** Image for a node (per-node image, `--image`, or the reference image). */
  readonly imageFor: (node: NodeSpec) => Promise<string>;
  /** True when the node runs the reference image. */
  readonly isReference: (node: NodeSpec) => boolean;
  readonly hostConfig?: Readonly<Partial<Docker.HostConfig>> | undefined;
  /** Size limit of each node's DATA_DIR in MiB (data-dir.ts); none when undefined. */
  readonly dataDirMiB?: number | undefined;
  /** Told once per network when DATA_DIR could not be limited. */
  readonly log?: ((line: string) => void) | undefined;
}

interface ContainerRecord {
  /** The node's container; undefined before its first start and after it left. */
  process: ContainerProcess | undefined;
  hostDataDir: string | undefined;
  /** Log kept after the container was removed (leave). */
  finalLog: string | undefined;
}

export class DockerHost implements NetworkHost {
  readonly runtime = "docker";
  private readonly records = new Map<string, ContainerRecord>();
  private warnedUnlimited = false;

  constructor(
    private readonly ctx: DockerNetworkContext,
    private readonly events: HostEvents,
  ) {}

  get runId(): string {
    return this.ctx.runId;
  }

  get relayListenHost(): string {
    return this.ctx.gateway;
  }

  relayAddress(port: number): string {
    return `${this.ctx.gateway}:${port}`;
  }

  runsReferencePeer(spec: NodeSpec): boolean {
    return this.ctx.isReference(spec);
  }

  async placeNode(spec: NodeSpec): Promise<ContractPlacement> {
    this.records.set(spec.id, { process: undefined, hostDataDir: undefined, finalLog: undefined });
    return containerPlacement(spec);
  }

  /** Creates (first time) or starts again (later) the node's container. */
  async start(spec: NodeSpec, env: Readonly<Record<string, string>>): Promise<NodeAddress> {
    const record = this.record(spec.id);
    if (!record.process) {
      if (spec.dataDir && !record.hostDataDir) {
        const dir = await createDataDir(os.tmpdir(), `sumnet-${this.ctx.runId}-${spec.id}-`, this.ctx.dataDirMiB);
        record.hostDataDir = dir.path;
        if (dir.unlimitedBecause && !this.warnedUnlimited) {
          this.warnedUnlimited = true;
          this.ctx.log?.(`warning: DATA_DIR is not limited to ${this.ctx.dataDirMiB} MiB: ${dir.unlimitedBecause}`);
        }
      }
      const started = await startPeerContainer({
        image: await this.ctx.imageFor(spec),
        name: `sumnet-${this.ctx.runId}-${spec.id}`,
        networkName: this.ctx.networkName,
        environment: { ...env },
        labels: { ...this.ctx.labels, [LABEL_NODE]: spec.id },
        binds: record.hostDataDir ? [{ source: record.hostDataDir, target: CONTAINER_DATA_DIR }] : [],
        hostConfig: this.ctx.hostConfig,
      });
      record.process = new ContainerProcess(this.ctx.docker.getContainer(started.getId()), (exit) => this.events.exited(spec.id, exit));
    } else {
      await record.process.container.start();
    }
    const info = await record.process.container.inspect();
    const address = info.NetworkSettings.Networks[this.ctx.networkName]?.IPAddress;
    if (!address) throw new Error(`node "${spec.id}": container has no address on network ${this.ctx.networkName}`);
    record.process.running();
    return { controlUrl: `http://${address}:${CONTAINER_HTTP_PORT}`, p2p: { host: address, port: CONTAINER_P2P_PORT } };
  }

  async stop(nodeId: string, timeoutMs: number): Promise<void> {
    await this.record(nodeId).process?.stop(timeoutMs);
  }

  async kill(nodeId: string): Promise<void> {
    await this.record(nodeId).process?.kill();
  }

  async pause(nodeId: string): Promise<void> {
    await this.record(nodeId).process?.pause();
  }

  async resume(nodeId: string): Promise<void> {
    await this.record(nodeId).process?.resume();
  }

  async remove(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.process) {
      const { container } = record.process;
      record.finalLog = await readContainerLog(container).catch((e: Error) => `(log unavailable: ${e.message})\n`);
      await container.remove({ force: true }).catch(() => undefined);
      record.process = undefined;
    }
    if (record.hostDataDir) await removeDataDir(record.hostDataDir).catch(() => undefined);
  }

  async readLog(nodeId: string): Promise<string> {
    const record = this.record(nodeId);
    if (record.finalLog !== undefined) return record.finalLog;
    if (!record.process) return "";
    return readContainerLog(record.process.container);
  }

  async dispose(): Promise<void> {
    const problems: string[] = [];
    const { docker } = this.ctx;
    // Remove by label, not only by handle: a container whose creation failed half-way has no handle here.
    const labelled = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${this.ctx.runId}`] } }).catch((e: Error) => {
      problems.push(`listing containers: ${e.message}`);
      return [];
    });
    const ids = new Set(labelled.map((c) => c.Id));
    for (const record of this.records.values()) if (record.process) ids.add(record.process.container.id);
    await eachLimited([...ids], ENGINE_CONCURRENCY, (id) =>
      docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch((e: Error & { statusCode?: number }) => {
          if (e.statusCode !== 404) problems.push(`container ${id.slice(0, 12)}: ${e.message}`);
        }),
    );
    await removeNetwork(docker, this.ctx.networkId).catch((e: Error) => {
      // An empty network the engine will not remove is its fault, not the run's: say so and go on.
      if (isStaleNetworkError(e)) this.ctx.log?.(`warning: network ${this.ctx.networkName} left behind: ${e.message}`);
      else problems.push(`network ${this.ctx.networkName}: ${e.message}`);
    });
    await Promise.all(
      [...this.records.values()].map(async (record) => {
        if (record.hostDataDir) await removeDataDir(record.hostDataDir).catch((e: Error) => problems.push(e.message));
      }),
    );
    if (problems.length > 0) {
      throw new Error(`docker runtime: could not remove everything of run ${this.ctx.runId} (run \`sumnet clean\`): ${problems.join("; ")}`);
    }
  }

  /** Nothing synchronous can reach the engine: `sumnet clean` removes what a killed harness left, by label. */
  destroyNow(): void {}

  private record(nodeId: string): ContainerRecord {
    const record = this.records.get(nodeId);
    if (!record) throw new Error(`docker runtime: unknown node "${nodeId}"`);
    return record;
  }
}
