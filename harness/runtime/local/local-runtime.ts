/**
 * The local runtime: every node a child process on 127.0.0.1 with its own free ports, every link a LinkRelay (the
 * dialer's PEERS points at the relay, the relay forwards to the other node's P2P port), a temporary DATA_DIR per node
 * when asked, logs captured per node. Everything is killed and removed on dispose, on process exit and on SIGINT.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LinkRelay } from "../../faults/link-relay.js";
import { deriveSeed, seededRandom } from "../../random/seeded-random.js";
import {
  assertValidNetworkSpec,
  CLEAN_LINK,
  linkKey,
  type LinkInfo,
  type LinkShape,
  type LinkSpec,
  type NetworkEvent,
  type NetworkSnapshot,
  type NetworkSpec,
  type NodeInfo,
  type NodeSpec,
  type Runtime,
  type StartedNetwork,
  type StartNetworkOptions,
  type StartNodeOptions,
  type StopOptions,
} from "../runtime.js";
import { freePort } from "./free-port.js";
import { NodeProcess } from "./node-process.js";
import { referencePeerCommand } from "./reference-peer.js";
import { NetworkListeners } from "../network-listeners.js";

export interface LocalRuntimeOptions {
  /** Default peer command line (`--peer-command`); default: the reference peer `node dist/node/main.js`. */
  readonly peerCommand?: string;
  /** Where temporary folders go (default: the OS temp dir). */
  readonly tmpDir?: string;
  /** Working directory of peer processes (default: this process's). */
  readonly cwd?: string;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 15_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;

/** Contract variables set by the runtime; inherited values of these are never passed on. */
const CONTRACT_VARS = ["NODE_ID", "P2P_HOST", "P2P_PORT", "PEERS", "HTTP_PORT", "DATA_DIR", "NUMBERS"];

/** Networks alive in this process, for last-resort cleanup on exit and SIGINT. */
const alive = new Set<LocalNetwork>();
let handlersInstalled = false;

function lastResortCleanup(): void {
  for (const n of alive) n.destroyNow();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once("exit", lastResortCleanup);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (alive.size === 0) return;
      lastResortCleanup();
      // Let other handlers (reporters) run first, then behave like the default action.
      setImmediate(() => process.exit(sig === "SIGINT" ? 130 : 143));
    });
  }
}

interface LocalNode {
  readonly spec: NodeSpec;
  readonly proc: NodeProcess;
  p2pPort: number;
  httpPort: number;
  readonly dataDir: string | undefined;
  status: NodeInfo["status"];
}

interface LocalLink {
  readonly spec: LinkSpec;
  readonly relay: LinkRelay;
  shape: LinkShape;
}

function answeredBy(body: string): string | undefined {
  try {
    const node = (JSON.parse(body) as { node?: unknown } | null)?.node;
    return typeof node === "string" ? node : undefined;
  } catch {
    return undefined;
  }
}

async function healthy(url: string, proc: NodeProcess, timeoutMs: number, id: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer yet";
  let pause = 20; // grows: 50 starting peers must not be flooded with health checks
  while (Date.now() < deadline) {
    if (!proc.running) {
      const e = proc.lastExit;
      throw new Error(
        `${id} exited before it was healthy (code ${e?.code ?? "?"}, signal ${e?.signal ?? "none"})` +
          `\n--- end of ${id}'s log ---\n${(await proc.readLog()).split("\n").slice(-15).join("\n")}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      // Another process may hold this port (taken between allocation and bind): a peer that names itself in its
      // health answer, as the contract asks, must name this node, or the answer is not from this node.
      const other = answeredBy(body);
      if (res.status === 200 && other !== undefined && other !== id) lastError = `GET /health answered by ${other}, another peer on this port`;
      else if (res.status === 200) return;
      else lastError = `GET /health answered ${res.status}`;
    } catch (error) {
      lastError = (error as Error).cause ? String(((error as Error).cause as Error).message) : (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(250, pause * 1.5);
  }
  throw new Error(`${id} did not answer GET /health with 200 within ${timeoutMs} ms (${lastError})`);
}

class LocalNetwork implements StartedNetwork {
  readonly runtime = "local";
  private readonly nodes = new Map<string, LocalNode>();
  private readonly links = new Map<string, LocalLink>();
  private readonly listeners = new NetworkListeners();
  private readonly seed: number;
  private disposed = false;
  readonly tmp: string;

  constructor(
    readonly name: string,
    private readonly options: LocalRuntimeOptions,
    private readonly defaultCommand: string,
    seed: number,
  ) {
    this.seed = seed;
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 40);
    this.tmp = mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), `sumnet-${safe}-`));
    alive.add(this);
    installHandlers();
  }

  private emit(event: NetworkEvent): void {
    this.listeners.emit(event);
  }

  private node(id: string): LocalNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`unknown node "${id}" in network "${this.name}"`);
    return n;
  }

  private info(n: LocalNode): NodeInfo {
    return {
      id: n.spec.id,
      status: n.status,
      controlUrl: `http://127.0.0.1:${n.httpPort}`,
      dataDir: n.dataDir !== undefined,
      lastExit: n.proc.lastExit,
      starts: n.proc.starts,
    };
  }

  private linkInfo(l: LocalLink): LinkInfo {
    return { from: l.spec.from, to: l.spec.to, cut: l.relay.isCut, shape: l.shape };
  }

  private setStatus(n: LocalNode, status: NodeInfo["status"]): void {
    n.status = status;
    this.emit({ type: "node", node: this.info(n) });
  }

  async createNode(spec: NodeSpec): Promise<LocalNode> {
    if (this.nodes.has(spec.id)) throw new Error(`node "${spec.id}" already exists in network "${this.name}"`);
    const dataDir = spec.dataDir ? path.join(this.tmp, "data", spec.id) : undefined;
    if (dataDir) await mkdir(dataDir, { recursive: true });
    await mkdir(path.join(this.tmp, "logs"), { recursive: true });
    const n: LocalNode = {
      spec,
      dataDir,
      p2pPort: await freePort(),
      httpPort: await freePort(),
      status: "stopped",
      proc: new NodeProcess(
        {
          id: spec.id,
          command: spec.command ?? this.defaultCommand,
          logPath: path.join(this.tmp, "logs", `${spec.id}.log`),
          cwd: this.options.cwd,
        },
        () => {
          if (n.status === "running") this.setStatus(n, "exited");
        },
      ),
    };
    this.nodes.set(spec.id, n);
    return n;
  }

  async createLink(spec: LinkSpec): Promise<void> {
    const to = this.node(spec.to);
    this.node(spec.from);
    const relay = await LinkRelay.start({
      target: { host: "127.0.0.1", port: to.p2pPort },
      random: seededRandom(deriveSeed(this.seed, `link:${spec.from}->${spec.to}`)),
    });
    const link: LocalLink = { spec, relay, shape: CLEAN_LINK };
    this.links.set(linkKey(spec.from, spec.to), link);
    this.emit({ type: "link", link: this.linkInfo(link) });
  }

  private env(n: LocalNode): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of CONTRACT_VARS) delete env[k];
    const command = n.spec.command ?? this.defaultCommand;
    // Small networks of reference peers re-sync sooner with a short anti-entropy interval (other peers ignore the
    // variable). Not for big ones: 50 peers exchanging digests 5 times a second on 2 cores converge slower (measured:
    // 1,000 numbers on 50 nodes took about 10 s at 200 ms and 4 s at the peer's default 1000 ms).
    if (command === referencePeerCommand() && env.SYNC_INTERVAL_MS === undefined && this.nodes.size <= 20) {
      env.SYNC_INTERVAL_MS = "200";
    }
    Object.assign(env, n.spec.env);
    const peers = [...this.links.values()].filter((l) => l.spec.from === n.spec.id).map((l) => l.relay.address);
    env.NODE_ID = n.spec.id;
    env.P2P_HOST = "127.0.0.1";
    env.P2P_PORT = String(n.p2pPort);
    env.HTTP_PORT = String(n.httpPort);
    env.PEERS = peers.join(",");
    if (n.spec.numbers.length > 0) env.NUMBERS = n.spec.numbers.join(",");
    if (n.dataDir) env.DATA_DIR = n.dataDir;
    return env;
  }

  async launch(n: LocalNode, healthTimeoutMs: number): Promise<void> {
    if (this.disposed) throw new Error(`network "${this.name}" is disposed`);
    for (let attempt = 1; ; attempt++) {
      n.proc.spawn(this.env(n));
      this.setStatus(n, "running");
      try {
        await healthy(`http://127.0.0.1:${n.httpPort}`, n.proc, healthTimeoutMs, n.spec.id);
        return;
      } catch (error) {
        // A port taken between allocation and bind: move the node to new ports and try again.
        const log = await n.proc.readLog();
        const portClash = !n.proc.running && /EADDRINUSE/.test(log.split("[sumnet] start #").pop() ?? "");
        if (n.proc.running) await n.proc.kill();
        this.setStatus(n, "stopped");
        if (!portClash || attempt >= 3) throw error;
        n.p2pPort = await freePort();
        n.httpPort = await freePort();
        for (const l of this.links.values()) if (l.spec.to === n.spec.id) l.relay.retarget({ host: "127.0.0.1", port: n.p2pPort });
      }
    }
  }

  snapshot(): NetworkSnapshot {
    return {
      name: this.name,
      runtime: this.runtime,
      nodes: [...this.nodes.values()].map((n) => this.info(n)),
      links: [...this.links.values()].map((l) => this.linkInfo(l)),
    };
  }

  subscribe(listener: (event: NetworkEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  controlUrl(nodeId: string): string {
    return `http://127.0.0.1:${this.node(nodeId).httpPort}`;
  }

  async startNode(nodeId: string, options: StartNodeOptions = {}): Promise<void> {
    const n = this.node(nodeId);
    if (n.status === "removed") throw new Error(`node "${nodeId}" has left the network`);
    if (n.proc.running) throw new Error(`node "${nodeId}" is already running`);
    await this.launch(n, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
  }

  async stopNode(nodeId: string, options: StopOptions = {}): Promise<void> {
    const n = this.node(nodeId);
    await n.proc.stop(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    if (n.status !== "removed") this.setStatus(n, "stopped");
  }

  async killNode(nodeId: string): Promise<void> {
    const n = this.node(nodeId);
    await n.proc.kill();
    if (n.status !== "removed") this.setStatus(n, "stopped");
  }

  async restartNode(
    nodeId: string,
    options: StopOptions & StartNodeOptions & { readonly hard?: boolean } = {},
  ): Promise<void> {
    const n = this.node(nodeId);
    if (n.status === "removed") throw new Error(`node "${nodeId}" has left the network`);
    if (n.proc.running) {
      if (options.hard) await this.killNode(nodeId);
      else await this.stopNode(nodeId, options);
    }
    await this.startNode(nodeId, options);
  }

  async addNode(spec: NodeSpec, links: readonly LinkSpec[], options: StartNodeOptions = {}): Promise<void> {
    for (const l of links) {
      if (l.from !== spec.id && l.to !== spec.id) throw new Error(`link ${l.from}->${l.to} does not touch ${spec.id}`);
      const other = l.from === spec.id ? l.to : l.from;
      const o = this.node(other);
      if (o.status === "removed") throw new Error(`node "${other}" has left the network`);
      if (l.to === spec.id) throw new Error(`link ${l.from}->${l.to}: a joining node must be the dialer (existing nodes' PEERS are fixed)`);
    }
    const n = await this.createNode(spec);
    for (const l of links) await this.createLink(l);
    await this.launch(n, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
  }

  async removeNode(nodeId: string, options: StopOptions = {}): Promise<void> {
    const n = this.node(nodeId);
    await n.proc.stop(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    this.setStatus(n, "removed");
    for (const [k, l] of this.links) {
      if (l.spec.from === nodeId || l.spec.to === nodeId) {
        this.links.delete(k);
        await l.relay.close();
        this.emit({ type: "link-removed", link: l.spec });
      }
    }
  }

  private link(a: string, b: string): LocalLink {
    const l = this.links.get(linkKey(a, b));
    if (!l) throw new Error(`no link between "${a}" and "${b}" in network "${this.name}"`);
    return l;
  }

  async cutLink(a: string, b: string): Promise<void> {
    const l = this.link(a, b);
    l.relay.cut();
    this.emit({ type: "link", link: this.linkInfo(l) });
  }

  async restoreLink(a: string, b: string): Promise<void> {
    const l = this.link(a, b);
    l.relay.restore();
    this.emit({ type: "link", link: this.linkInfo(l) });
  }

  async shapeLink(a: string, b: string, shape: LinkShape): Promise<void> {
    const l = this.link(a, b);
    l.relay.shape(shape);
    l.shape = { ...shape };
    this.emit({ type: "link", link: this.linkInfo(l) });
  }

  async clearLinkShape(a: string, b: string): Promise<void> {
    await this.shapeLink(a, b, CLEAN_LINK);
  }

  /** Relay statistics per link (local runtime only; for tests and the benchmark). */
  relayStats(a: string, b: string) {
    return this.link(a, b).relay.getStats();
  }

  async readLog(nodeId: string): Promise<string> {
    return this.node(nodeId).proc.readLog();
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const out: string[] = [];
    for (const n of this.nodes.values()) {
      const target = path.join(dir, `${n.spec.id}.log`);
      await n.proc.flushLog();
      try {
        await copyFile(path.join(this.tmp, "logs", `${n.spec.id}.log`), target);
      } catch {
        await writeFile(target, "");
      }
      out.push(target);
    }
    return out;
  }

  /** Synchronous: kill every process group and remove the temp folder (exit/SIGINT path). */
  destroyNow(): void {
    for (const n of this.nodes.values()) n.proc.killNow();
    try {
      rmSync(this.tmp, { recursive: true, force: true });
    } catch {
      // best effort
    }
    alive.delete(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        await n.proc.stop(2000);
        await n.proc.closeLog();
      }),
    );
    await Promise.all([...this.links.values()].map((l) => l.relay.close()));
    this.links.clear();
    rmSync(this.tmp, { recursive: true, force: true });
    alive.delete(this);
  }
}

export class LocalRuntime implements Runtime {
  readonly name = "local";
  constructor(private readonly options: LocalRuntimeOptions = {}) {}

  async start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<StartedNetwork & { relayStats: LocalNetwork["relayStats"] }> {
    assertValidNetworkSpec(spec);
    const network = new LocalNetwork(spec.name, this.options, this.options.peerCommand ?? referencePeerCommand(), options.seed ?? 1);
    const onAbort = (): void => network.destroyNow();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const nodes = [];
      for (const n of spec.nodes) nodes.push(await network.createNode(n));
      for (const l of spec.links) await network.createLink(l);
      await Promise.all(nodes.map((n) => network.launch(n, options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS)));
      options.signal?.throwIfAborted();
      return network;
    } catch (error) {
      await network[Symbol.asyncDispose]();
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
}
