/**
 * The compose runtime: the nodes are the peer services of a running compose project (made by compose-file.ts), found
 * through the Docker engine by the labels compose puts on its containers. It runs inside the project's `driver`
 * container: the link relays of the shared started network (../runtime/started-network.ts) listen there on the ports
 * the peers' PEERS already name (layout.ts), kills, stops, restarts and pauses go to the engine through the mounted
 * socket, and the scenario runner plays the steps unchanged.
 *
 * Compose created the containers, so this host never creates or removes one. A fresh start (each round of the driver)
 * kills a peer that runs, empties its DATA_DIR volume and starts it again, so that a round begins from the scenario's
 * initial state whatever happened before; an attaching start takes the peers as they are.
 */
import { readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { z } from "zod";
import { linkKey, type LinkSpec, type NetworkSpec, type NodeSpec } from "../network/spec.js";
import type { ContractPlacement, HostEvents, NetworkHost, NodeAddress } from "../runtime/host.js";
import { readContainerLog } from "../runtime/docker/container-log.js";
import { ContainerProcess, ignoreGone } from "../runtime/docker/container-process.js";
import { PROCESS_RUNTIME_MAX_NODES, type Runtime, type StartNetworkOptions } from "../runtime/runtime.js";
import { HostedNetwork } from "../runtime/started-network.js";
import { DRIVER_DATA_ROOT, PEER_HTTP_PORT, PEER_P2P_PORT, peerPlacement, relayAddress, relayPorts } from "./layout.js";

export const LABEL_PROJECT = "com.docker.compose.project";
export const LABEL_SERVICE = "com.docker.compose.service";

export interface ComposeRuntimeOptions {
  /** The compose project's name. */
  readonly project: string;
  /** Every link the relays may carry, in the order the compose file numbered their ports (the plan's links). */
  readonly links: readonly LinkSpec[];
  /** Kill and restart running peers, with empty DATA_DIRs, before the steps (default); false: take them as they are. */
  readonly fresh?: boolean | undefined;
  /** Where the peers' DATA_DIR volumes are mounted here (`<root>/<node>`); default /sumnet-data. */
  readonly dataRoot?: string | undefined;
  /** True when the peers run the reference peer (then the reference tuning is expected in their environment). */
  readonly referencePeer: (node: NodeSpec) => boolean;
  readonly docker?: Docker | undefined;
}

/** The part of `docker inspect` this host reads: the container's environment and whether it runs. */
const inspectSchema = z.object({
  Config: z.object({ Env: z.array(z.string()).nullable() }),
  State: z.object({ Running: z.boolean(), Paused: z.boolean() }),
});

interface ContainerRecord {
  readonly process: ContainerProcess;
  /** Started by this host (a fresh round restarts each peer once). */
  started: boolean;
}

class ComposeHost implements NetworkHost {
  readonly runtime = "compose";
  readonly relayListenHost = "0.0.0.0";
  private readonly ports: Map<string, number>;
  private readonly records = new Map<string, ContainerRecord>();
  private readonly docker: Docker;

  constructor(
    private readonly options: ComposeRuntimeOptions,
    private readonly events: HostEvents,
  ) {
    this.ports = relayPorts(options.links);
    this.docker = options.docker ?? new Docker();
  }

  get runId(): string {
    return this.options.project;
  }

  relayAddress(port: number): string {
    return relayAddress(port);
  }

  relayPort(link: LinkSpec): number {
    const port = this.ports.get(linkKey(link.from, link.to));
    if (port === undefined) throw new Error(`compose runtime: the link ${link.from}-${link.to} is not in the compose file (it has no relay port)`);
    return port;
  }

  runsReferencePeer(spec: NodeSpec): boolean {
    return this.options.referencePeer(spec);
  }

  async placeNode(spec: NodeSpec): Promise<ContractPlacement> {
    const { project } = this.options;
    const found = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`, `${LABEL_SERVICE}=${spec.id}`] } });
    const first = found[0];
    if (!first) throw new Error(`compose runtime: no container of service "${spec.id}" in compose project "${project}" (was the compose file generated from this scenario?)`);
    const container = this.docker.getContainer(first.Id);
    this.records.set(spec.id, { process: new ContainerProcess(container, (exit) => this.events.exited(spec.id, exit)), started: false });
    return peerPlacement(spec);
  }

  async start(spec: NodeSpec, env: Readonly<Record<string, string>>): Promise<NodeAddress> {
    const record = this.record(spec.id);
    const { container } = record.process;
    const state = inspectSchema.parse(await container.inspect());
    const mismatch = environmentMismatch(state.Config.Env ?? [], env);
    if (mismatch.length > 0) {
      throw new Error(`compose runtime: service "${spec.id}" does not have the environment the scenario gives it (${mismatch.join("; ")}): generate the compose file again`);
    }
    if (!record.started && this.options.fresh !== false) {
      // A round starts from the scenario's initial state: no numbers from before, an empty DATA_DIR.
      if (state.State.Paused) await container.unpause();
      if (state.State.Running) await container.kill({ signal: "SIGKILL" }).catch(ignoreGone);
      await container.wait().catch(() => undefined);
      if (spec.dataDir) await emptyFolder(path.join(this.options.dataRoot ?? DRIVER_DATA_ROOT, spec.id));
      await container.start();
    } else if (!state.State.Running) {
      await container.start();
    } else if (state.State.Paused) {
      await container.unpause();
    }
    record.started = true;
    record.process.running();
    return { controlUrl: `http://${spec.id}:${PEER_HTTP_PORT}`, p2p: { host: spec.id, port: PEER_P2P_PORT } };
  }

  async stop(nodeId: string, timeoutMs: number): Promise<void> {
    await this.record(nodeId).process.stop(timeoutMs);
  }

  async kill(nodeId: string): Promise<void> {
    await this.record(nodeId).process.kill();
  }

  async pause(nodeId: string): Promise<void> {
    await this.record(nodeId).process.pause();
  }

  async resume(nodeId: string): Promise<void> {
    await this.record(nodeId).process.resume();
  }

  /** A node that left stays stopped: its container belongs to compose (the next round starts it again). */
  async remove(): Promise<void> {}

  async readLog(nodeId: string): Promise<string> {
    return readContainerLog(this.record(nodeId).process.container);
  }

  /** The relays close with the network; the containers stay, they belong to compose. */
  async dispose(): Promise<void> {
    for (const record of this.records.values()) record.process.forget();
  }

  destroyNow(): void {}

  private record(nodeId: string): ContainerRecord {
    const record = this.records.get(nodeId);
    if (!record) throw new Error(`compose runtime: unknown node "${nodeId}"`);
    return record;
  }
}

/** Each variable of `wanted` that the container's `KEY=value` list lacks or has otherwise. */
export function environmentMismatch(containerEnv: readonly string[], wanted: Readonly<Record<string, string>>): string[] {
  const actual = new Map(
    containerEnv.map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)] as const;
    }),
  );
  return Object.entries(wanted)
    .filter(([key, value]) => actual.get(key) !== value)
    .map(([key, value]) => `${key} is ${actual.has(key) ? `"${actual.get(key)}"` : "unset"}, expected "${value}"`);
}

async function emptyFolder(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: Error) => {
    throw new Error(`compose runtime: cannot read the DATA_DIR volume at ${dir} (is it mounted into the driver?): ${error.message}`);
  });
  await Promise.all(entries.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
}

export class ComposeRuntime implements Runtime {
  readonly name = "compose";
  readonly maxNodes = PROCESS_RUNTIME_MAX_NODES;
  constructor(private readonly options: ComposeRuntimeOptions) {}

  start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<HostedNetwork> {
    return HostedNetwork.start(spec, (events) => new ComposeHost(this.options, events), options);
  }
}

/** The compose project this process runs in: read from its own container's labels (compose names the hostname). */
export async function ownComposeProject(docker: Docker = new Docker()): Promise<string> {
  const info = await docker
    .getContainer(os.hostname())
    .inspect()
    .catch((error: Error) => {
      throw new Error(`cannot find this container (${os.hostname()}) through the Docker socket to read its compose project; pass --project NAME (${error.message})`);
    });
  const project = (info.Config.Labels ?? {})[LABEL_PROJECT];
  if (!project) throw new Error(`this container (${os.hostname()}) has no ${LABEL_PROJECT} label: is it a compose service? Pass --project NAME`);
  return project;
}
