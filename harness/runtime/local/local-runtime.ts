/**
 * The local runtime's host: every node a child process on 127.0.0.1 with its own free ports, a temporary DATA_DIR
 * when asked, and a log file per node. The network around the processes (relays, health, status, clean-up) is the
 * shared started network (../started-network.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CONTRACT_VARIABLES } from "../../../contract/http-api.js";
import type { NetworkSpec, NodeSpec } from "../../network/spec.js";
import type { ContractPlacement, HostEvents, NetworkHost, NodeAddress } from "../host.js";
import { PROCESS_RUNTIME_MAX_NODES, type Runtime, type StartNetworkOptions } from "../runtime.js";
import { HostedNetwork, type HostedNetworkOptions } from "../started-network.js";
import type { SignalPolicy } from "../cleanup.js";
import { freePort } from "./free-port.js";
import { NodeProcess } from "./node-process.js";
import { referencePeerCommand } from "./reference-peer.js";

export interface LocalRuntimeOptions {
  /** Default peer command line (`--peer-command`); default: the reference peer `node dist/node/main.js`. */
  readonly peerCommand?: string | undefined;
  /** Where temporary folders go (default: the OS temp dir). */
  readonly tmpDir?: string | undefined;
  /** Working directory of peer processes (default: this process's). */
  readonly cwd?: string | undefined;
  /** What Ctrl-C does to a running network (default: remove everything and exit 130). */
  readonly onSignal?: SignalPolicy | undefined;
}

interface LocalNode {
  readonly proc: NodeProcess;
  placement: ContractPlacement;
}

const HOST = "127.0.0.1";

export class LocalHost implements NetworkHost {
  readonly runtime = "local";
  readonly relayListenHost = HOST;
  private readonly nodes = new Map<string, LocalNode>();
  private readonly tmp: string;
  private readonly referenceCommand = referencePeerCommand();
  readonly runId: string;

  constructor(
    name: string,
    private readonly options: LocalRuntimeOptions,
    private readonly events: HostEvents,
  ) {
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 40);
    this.tmp = mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), `sumnet-${safe}-`));
    this.runId = path.basename(this.tmp);
  }

  relayAddress(port: number): string {
    return `${HOST}:${port}`;
  }

  private commandOf(spec: NodeSpec): string {
    return spec.command ?? this.options.peerCommand ?? this.referenceCommand;
  }

  runsReferencePeer(spec: NodeSpec): boolean {
    return this.commandOf(spec) === this.referenceCommand;
  }

  async placeNode(spec: NodeSpec): Promise<ContractPlacement> {
    const dataDir = spec.dataDir ? path.join(this.tmp, "data", spec.id) : undefined;
    if (dataDir) await mkdir(dataDir, { recursive: true });
    await mkdir(path.join(this.tmp, "logs"), { recursive: true });
    const placement: ContractPlacement = { p2pHost: HOST, p2pPort: await freePort(), httpPort: await freePort(), dataDir };
    const proc = new NodeProcess(
      { id: spec.id, command: this.commandOf(spec), logPath: path.join(this.tmp, "logs", `${spec.id}.log`), cwd: this.options.cwd },
      (exit) => this.events.exited(spec.id, { code: exit.code, signal: exit.signal }),
    );
    this.nodes.set(spec.id, { proc, placement });
    return placement;
  }

  async start(spec: NodeSpec, env: Readonly<Record<string, string>>): Promise<NodeAddress> {
    const node = this.node(spec.id);
    const inherited: NodeJS.ProcessEnv = { ...process.env };
    for (const k of CONTRACT_VARIABLES) delete inherited[k];
    node.proc.spawn({ ...inherited, ...env });
    return {
      controlUrl: `http://${HOST}:${node.placement.httpPort}`,
      p2p: { host: HOST, port: node.placement.p2pPort },
    };
  }

  /** A port taken between allocation and bind: move the node to new ports. */
  async replaceAfterFailedStart(nodeId: string): Promise<ContractPlacement | undefined> {
    const node = this.node(nodeId);
    const lastStart = (await node.proc.readLog()).split("[sumnet] start #").pop() ?? "";
    if (!/EADDRINUSE/.test(lastStart)) return undefined;
    node.placement = { ...node.placement, p2pPort: await freePort(), httpPort: await freePort() };
    return node.placement;
  }

  stop(nodeId: string, timeoutMs: number): Promise<void> {
    return this.node(nodeId).proc.stop(timeoutMs);
  }

  kill(nodeId: string): Promise<void> {
    return this.node(nodeId).proc.kill();
  }

  async pause(nodeId: string): Promise<void> {
    this.node(nodeId).proc.pause();
  }

  async resume(nodeId: string): Promise<void> {
    this.node(nodeId).proc.resume();
  }

  async remove(nodeId: string): Promise<void> {
    await this.node(nodeId).proc.flushLog();
  }

  readLog(nodeId: string): Promise<string> {
    return this.node(nodeId).proc.readLog();
  }

  async dispose(): Promise<void> {
    await Promise.all(
      [...this.nodes.values()].map(async ({ proc }) => {
        await proc.stop(2000);
        await proc.closeLog();
      }),
    );
    rmSync(this.tmp, { recursive: true, force: true });
  }

  destroyNow(): void {
    for (const { proc } of this.nodes.values()) proc.killNow();
    try {
      rmSync(this.tmp, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }

  private node(id: string): LocalNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`local runtime: unknown node "${id}"`);
    return node;
  }
}

export class LocalRuntime implements Runtime {
  readonly name = "local";
  readonly maxNodes = PROCESS_RUNTIME_MAX_NODES;
  constructor(private readonly options: LocalRuntimeOptions = {}) {}

  start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<HostedNetwork> {
    const hosted: HostedNetworkOptions = { ...options, onSignal: this.options.onSignal };
    return HostedNetwork.start(spec, (events) => new LocalHost(spec.name, this.options, events), hosted);
  }
}
