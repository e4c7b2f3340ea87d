/**
 * The simulator's started network: every node an in-process reference peer core (sim-node.ts), every link a simulated
 * TCP connection, all on one virtual clock (virtual-clock.ts), every random choice drawn from the start's seed. The
 * same run of a scenario gives the same events, the same logs and the same answers every time.
 *
 * Links behave as the real runtimes' links do (peer + relay, ../../faults/link-relay.ts):
 * - a connection exists while both ends run (a paused end keeps its connections) and the link is not cut; each
 *   connection gets fresh link ids at both ends, as a TCP connection does, and the replicas see `linkUp` and `linkDown`;
 * - the dialer (`from`) dials when it starts and redials when a connection ends or a dial fails, with the reference
 *   peer's backoff, decided by the dialer's core (`node/core/redial.ts`: 100 ms doubling to 5 s, 80-100% of it at
 *   random from the node's seeded stream; back to the start once connected). As through a
 *   relay, a dial to a node that does not run is held for up to 4.5 s and completes when it starts; a dial to a
 *   paused node, or over a link cut one way, completes at the resume or the restore, or fails after the dialer's 5 s
 *   handshake timeout; over a cut link it fails at once;
 * - messages of one direction arrive in order (none overtakes an earlier one), after BASE_LATENCY_MS plus the link's
 *   shape: delay ± uniform jitter; with probability `loss` a message and everything behind it wait a 200 ms
 *   retransmission; with a bandwidth, a direction transmits one message at a time, for size / bandwidth. Each
 *   direction is a queue of what is on its way, with one event for its head;
 * - a cut ends the connections (in-flight messages are lost, both ends see the link go down) and fails dials until
 *   restored; a one-way cut holds back every byte of one direction, connections staying up, and the restore delivers
 *   what was held, in order (TCP retransmits; a stream never has a hole); a reset ends the connections and allows new
 *   ones at once;
 * - a graceful stop flushes the node's batches and closes its connections after what it sent (a FIN follows the
 *   data); a kill, a cut or a reset ends them at once.
 * Traffic counts bytes and frames per direction as the peers send them, bytes being `encodeFrame(message).length`.
 * Nothing is kept per message beyond its place in its direction's queue until it arrives, and messages are passed by
 * reference, never copied.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError, parseConfig, type PeerConfig } from "../../../node/config.js";
import type { LinkId } from "../../../node/core/replica.js";
import { OriginIndex } from "../../../node/core/origin-index.js";
import { HANDSHAKE_TIMEOUT_MS } from "../../../node/adapters/tcp-links.js";
import type { WireMessage } from "../../../node/wire/messages.js";
import { decimalDigits, numbersBytes } from "../../../node/wire/numbers-bytes.js";
import type { LinkReport } from "../../../contract/http-api.js";
import type { NodeClient } from "../../../contract/node-client.js";
import { seededRandom, type SeededRandom } from "../../base/seeded-random.js";
import {
  assertValidNetworkSpec,
  CLEAN_LINK,
  linkKey,
  assertCanJoin,
  type LinkShape,
  type LinkSpec,
  type NetworkSpec,
  type NodeSpec,
} from "../../network/spec.js";
import { NetworkListeners } from "../network-listeners.js";
import { nodeEnvironment } from "../node-environment.js";
import {
  NodeError,
  type LinkInfo,
  type LinkTraffic,
  type MessageTrace,
  type NetworkEvent,
  type NetworkSnapshot,
  type NodeExit,
  type NodeInfo,
  type NodeStatus,
  type StartedNetwork,
  type StartNetworkOptions,
  type StopOptions,
  type StartNodeOptions,
  type TracedMessage,
} from "../runtime.js";
import { SimNode, type NodeWiring, type PeerProcess } from "./sim-node.js";
import { VirtualClock, type ScheduledEvent } from "./virtual-clock.js";

/**
 * One-way latency of every message on a clean link. Loopback through a relay takes well under a millisecond; 1 ms
 * keeps each hop visible in the timeline and lets what a peer sends in one instant leave together.
 */
export const BASE_LATENCY_MS = 1;
/** A lost message waits for TCP's retransmission, as on the relays (link-relay.ts, `rtoMs`). */
export const RETRANSMIT_MS = 200;
/** How long a relay holds a dial to a node that does not listen (link-relay.ts, `holdMs`). */
export const RELAY_HOLD_MS = 4500;
/** Ports the contract's environment needs to parse; nothing listens on them. */
const PLACEHOLDER_P2P_PORT = 7000;
const PLACEHOLDER_HTTP_PORT = 8080;

interface NodeRecord {
  readonly spec: NodeSpec;
  readonly node: SimNode;
  status: NodeStatus;
  lastExit: NodeExit | undefined;
  /** The node's links (either end). */
  links: LinkRecord[];
}

interface Traffic {
  readonly from: string;
  readonly to: string;
  bytes: number;
  frames: number;
}

interface LinkRecord {
  readonly spec: LinkSpec;
  /** The dialer (`spec.from`) and the acceptor (`spec.to`). */
  readonly ends: readonly [NodeRecord, NodeRecord];
  cut: boolean;
  /** One-way cuts, by direction: [from -> to, to -> from]. */
  readonly blocked: [boolean, boolean];
  shape: LinkShape;
  readonly random: SeededRandom;
  /** By direction: [from -> to, to -> from]. */
  readonly traffic: readonly [Traffic, Traffic];
  /** Connections not yet ended: at most one open both ways, and older ones closing after a graceful stop. */
  connections: Connection[];
  /** The dialer's pending redial (when to redial is the dialer's core's to say: `PeerCore.redials`). */
  redial: ScheduledEvent | undefined;
  /** A dial attempt held open (see the top of this file), as its deadline. */
  held: ScheduledEvent | undefined;
  removed: boolean;
}

interface Connection {
  readonly link: LinkRecord;
  open: boolean;
  /** [the dialer's side, the acceptor's side]. */
  readonly sides: Side[];
}

/** A message on its way (or, without one, the sender's FIN), with the time it arrives (NaN: held by a one-way cut). */
interface InFlight {
  readonly message: WireMessage | undefined;
  readonly size: number;
  readonly sentAt: number;
  at: number;
}

/** Networks of up to this many nodes have their messages traced (for the results page's space-time diagram). */
export const TRACE_MAX_NODES = 20;
/** The trace keeps the first this many messages. */
export const TRACE_MAX_MESSAGES = 5000;

/** One end of a connection, with the direction of the bytes it sends. */
interface Side {
  readonly connection: Connection;
  /** 0: the dialer's side (bytes from -> to); 1: the acceptor's. */
  readonly index: 0 | 1;
  readonly record: NodeRecord;
  readonly process: PeerProcess;
  readonly linkId: LinkId;
  /** What it sent that has not arrived, in order from `head`; a one-way cut holds it here. */
  readonly inFlight: (InFlight | undefined)[];
  head: number;
  /** The event that delivers the head when it is due. */
  delivery: ScheduledEvent | undefined;
  /** When the last message sent will arrive (FIFO), and when the transmitter is free (bandwidth). */
  lastAt: number;
  freeAt: number;
  /** This side closed (graceful stop): it sends nothing more. */
  closed: boolean;
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  readonly label: string;
}

export class SimNetwork implements StartedNetwork {
  readonly runtime = "sim";
  readonly clock = new VirtualClock();
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly links = new Map<string, LinkRecord>();
  /** Connection sides by the link id their node knows them by. */
  private readonly sides = new Map<LinkId, Side>();
  /** Traffic of links removed with their node (leave): counters only grow. */
  private readonly retiredTraffic: Traffic[] = [];
  private readonly listeners = new NetworkListeners();
  private readonly random: SeededRandom;
  private readonly wiring: NodeWiring;
  private nextLinkId = 1;
  private disposed = false;
  /** Every message of a small network (TRACE_MAX_NODES), or undefined. */
  private trace: { messages: TracedMessage[]; truncated: boolean } | undefined;

  private constructor(
    readonly name: string,
    seed: number,
  ) {
    this.random = seededRandom(seed);
    this.wiring = {
      send: (link, message) => this.send(link, message),
      close: (link) => this.clock.schedule(this.clock.now(), () => this.closeLink(link)),
      linkReports: (nodeId) => this.linkReports(nodeId),
      origins: new OriginIndex(),
    };
  }

  /**
   * Starts every node of `spec` at virtual time 0, wired by its links. Throws before starting anything when the spec
   * is invalid, a node is not the reference peer, or a node's environment is not the peer's.
   */
  static start(spec: NetworkSpec, options: StartNetworkOptions = {}): SimNetwork {
    assertValidNetworkSpec(spec);
    for (const node of spec.nodes) assertSimulable(node);
    options.signal?.throwIfAborted();
    const network = new SimNetwork(spec.name, options.seed ?? 1);
    if (spec.nodes.length <= TRACE_MAX_NODES) network.trace = { messages: [], truncated: false };
    for (const node of spec.nodes) network.addRecord(node);
    for (const link of spec.links) network.addLink(link);
    const configs = spec.nodes.map((node) => network.configOf(network.record(node.id)));
    spec.nodes.forEach((node, i) => network.launch(network.record(node.id), configs[i]!));
    network.clock.runDue();
    return network;
  }

  /** A simulated node's end is known the moment it happens: nothing to wait for. */
  async settleExits(): Promise<void> {}

  snapshot(): NetworkSnapshot {
    return {
      name: this.name,
      runtime: this.runtime,
      nodes: [...this.nodes.values()].map((r) => nodeInfo(r)),
      links: [...this.links.values()].map((l) => linkInfo(l)),
    };
  }

  subscribe(listener: (event: NetworkEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  controlUrl(nodeId: string): string {
    this.record(nodeId);
    throw new Error(`node "${nodeId}" is simulated and has no HTTP control API: use client("${nodeId}")`);
  }

  client(nodeId: string): NodeClient {
    return this.record(nodeId).node.client();
  }

  async startNode(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") throw new Error(`node "${nodeId}" has left the network and cannot start again`);
    if (record.status === "running" || record.status === "paused") throw new Error(`node "${nodeId}" is already running`);
    this.launch(record, this.configOf(record));
  }

  async stopNode(nodeId: string): Promise<void> {
    this.halt(this.record(nodeId), "stop");
  }

  async killNode(nodeId: string): Promise<void> {
    this.halt(this.record(nodeId), "kill");
  }

  async pauseNode(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.status !== "running") throw new Error(`node "${nodeId}" is ${record.status}, not running: it cannot be paused`);
    record.node.pause();
    this.setStatus(record, "paused");
  }

  async resumeNode(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.status !== "paused") throw new Error(`node "${nodeId}" is ${record.status}, not paused: it cannot be resumed`);
    record.node.resume();
    this.setStatus(record, "running");
    for (const link of record.links) this.completeHeldDial(link);
  }

  async restartNode(nodeId: string, options: StopOptions & StartNodeOptions & { readonly hard?: boolean } = {}): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") throw new Error(`node "${nodeId}" has left the network and cannot start again`);
    this.halt(record, options.hard ? "kill" : "stop");
    await this.startNode(nodeId);
  }

  async addNode(node: NodeSpec, links: readonly LinkSpec[]): Promise<void> {
    this.assertOpen();
    assertCanJoin(this.name, node, links, (id) => this.nodes.has(id), (id) => this.nodes.get(id) !== undefined && this.record(id).status !== "removed");
    assertSimulable(node);
    const record = this.addRecord(node);
    for (const link of links) this.addLink(link);
    let config: PeerConfig;
    try {
      config = this.configOf(record);
    } catch (error) {
      // The node stays, as a node that failed to start does on the real runtimes.
      record.lastExit = { code: 2, signal: null, expected: false };
      this.setStatus(record, "exited");
      throw error;
    }
    this.launch(record, config);
  }

  async removeNode(nodeId: string): Promise<void> {
    const record = this.record(nodeId);
    if (record.status === "removed") return;
    this.halt(record, "stop");
    for (const link of record.links) {
      link.removed = true;
      this.clock.cancel(link.redial);
      this.clock.cancel(link.held);
      link.redial = link.held = undefined;
      this.links.delete(linkKey(link.spec.from, link.spec.to));
      this.retiredTraffic.push(...link.traffic);
      const other = link.ends[0] === record ? link.ends[1] : link.ends[0];
      other.links = other.links.filter((l) => l !== link);
      this.listeners.emit({ type: "link-removed", link: link.spec });
    }
    record.links = [];
    this.setStatus(record, "removed");
  }

  async cutLink(a: string, b: string): Promise<void> {
    const link = this.link(a, b);
    link.cut = true;
    this.breakConnections(link);
    this.emitLink(link);
  }

  async cutLinkOneWay(from: string, to: string): Promise<void> {
    const link = this.link(from, to);
    link.blocked[link.spec.from === from ? 0 : 1] = true;
    this.emitLink(link);
  }

  async restoreLink(a: string, b: string): Promise<void> {
    const link = this.link(a, b);
    link.cut = false;
    link.blocked[0] = link.blocked[1] = false;
    // What was held goes on in order: what had reached the cut at once, what was sent behind it with its delay.
    const now = this.clock.now();
    for (const connection of link.connections) {
      for (const side of connection.sides) {
        for (let i = side.head; i < side.inFlight.length; i++) {
          const item = side.inFlight[i]!;
          item.at = Number.isNaN(item.at) ? this.arrival(side, item.size) : Math.max(item.at, now);
        }
        if (!side.delivery) this.scheduleDelivery(side);
      }
    }
    this.completeHeldDial(link);
    this.emitLink(link);
  }

  async resetLink(a: string, b: string): Promise<void> {
    this.breakConnections(this.link(a, b));
  }

  async shapeLink(a: string, b: string, shape: LinkShape): Promise<void> {
    const link = this.link(a, b);
    const rate = shape.bandwidthBytesPerSec ?? 0;
    if (!(shape.delayMs >= 0 && shape.jitterMs >= 0 && shape.loss >= 0 && shape.loss < 1 && rate >= 0 && rate < Infinity)) {
      throw new RangeError(
        `invalid link shape ${JSON.stringify(shape)}: need delayMs, jitterMs >= 0, 0 <= loss < 1, finite bandwidthBytesPerSec >= 0`,
      );
    }
    link.shape = { ...shape };
    this.retime(link);
    this.emitLink(link);
  }

  /**
   * A link's shape changed: what is on its way and not yet arrived is timed again, as entering the link now under the
   * new shape, and comes then if that is sooner. A throttle lifted or eased lets what queued behind it flow at the new
   * rate (as a qdisc's queue drains at its new rate), instead of keeping the schedule it got when sent (explore
   * --runtime sim, seed 64511: a 32 KB frame sent into 3,000 B/s took 10.8 s, though the throttle was lifted 0.6 s
   * later). What is on its way when a link slows keeps its time; what is sent after waits. Held messages (a one-way
   * cut) keep waiting for the restore.
   */
  private retime(link: LinkRecord): void {
    const now = this.clock.now();
    for (const connection of link.connections) {
      if (!connection.open) continue;
      for (const side of connection.sides) {
        if (side.head >= side.inFlight.length) continue;
        side.freeAt = now;
        side.lastAt = now;
        for (let i = side.head; i < side.inFlight.length; i++) {
          const item = side.inFlight[i]!;
          if (Number.isNaN(item.at)) continue;
          item.at = Math.min(item.at, this.arrival(side, item.size));
          side.lastAt = item.at;
        }
        this.clock.cancel(side.delivery);
        side.delivery = undefined;
        this.scheduleDelivery(side);
      }
    }
  }

  async clearLinkShape(a: string, b: string): Promise<void> {
    await this.shapeLink(a, b, CLEAN_LINK);
  }

  linkTraffic(): LinkTraffic[] {
    const all = [...this.retiredTraffic, ...[...this.links.values()].flatMap((l) => l.traffic)];
    return all.map((t) => ({ from: t.from, to: t.to, bytes: t.bytes, frames: t.frames }));
  }

  messageTrace(): MessageTrace | undefined {
    return this.trace && { messages: [...this.trace.messages], truncated: this.trace.truncated };
  }

  private traced(side: Side, item: InFlight, at: number | undefined): void {
    const trace = this.trace;
    if (!trace || !item.message) return;
    if (trace.messages.length >= TRACE_MAX_MESSAGES) {
      trace.truncated = true;
      return;
    }
    const far = side.connection.sides[1 - side.index]!;
    const m = item.message;
    trace.messages.push({
      from: side.record.spec.id,
      to: far.record.spec.id,
      type: m.type,
      ...(m.type === "numbers" ? { numbers: m.numbers.length } : {}),
      sentAt: item.sentAt,
      ...(at === undefined ? {} : { at }),
    });
  }

  async readLog(nodeId: string): Promise<string> {
    return this.record(nodeId).node.logText();
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const [id, record] of this.nodes) {
      const file = path.join(dir, `${id}.log`);
      await writeFile(file, record.node.logText());
      written.push(file);
    }
    return written;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const record of this.nodes.values()) {
      record.node.discard();
      if (record.status === "running" || record.status === "paused") record.status = "stopped";
    }
    this.sides.clear();
    this.clock.dispose();
  }

  // --- nodes --------------------------------------------------------------------------------------------------------

  private addRecord(spec: NodeSpec): NodeRecord {
    const node = new SimNode(spec.id, this.clock, this.random.fork(`node:${spec.id}`), this.wiring);
    const record: NodeRecord = { spec, node, status: "stopped", lastExit: undefined, links: [] };
    this.nodes.set(spec.id, record);
    return record;
  }

  /**
   * The reference peer's configuration of a node, from the environment a real runtime would give it (the peer's
   * tuning, the scenario's variables, the contract's own); an invalid one fails as the peer would, exit code 2.
   */
  private configOf(record: NodeRecord): PeerConfig {
    const id = record.spec.id;
    const env = nodeEnvironment({
      spec: record.spec,
      placement: {
        p2pHost: "127.0.0.1",
        p2pPort: PLACEHOLDER_P2P_PORT,
        httpPort: PLACEHOLDER_HTTP_PORT,
        dataDir: record.spec.dataDir ? `/sim/data/${id}` : undefined,
      },
      peers: record.links.filter((l) => l.ends[0] === record).map((l) => `${l.spec.to}:${PLACEHOLDER_P2P_PORT}`),
      referencePeer: true,
      networkSize: this.nodes.size,
    });
    try {
      return parseConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const stderr = `sumnet peer: ${error.message.replaceAll("\n", "\nsumnet peer: ")}`;
      throw new NodeError(id, `${id} exited before it was healthy (code 2)\n--- end of ${id}'s log ---\n${stderr}`);
    }
  }

  private launch(record: NodeRecord, config: PeerConfig): void {
    this.assertOpen();
    record.node.start(config);
    this.setStatus(record, "running");
    for (const link of record.links) {
      if (link.ends[0] === record) {
        this.dial(link);
      } else this.completeHeldDial(link);
    }
  }

  /** Stop (flush, then close after what was sent) or kill (end now) a node that runs; nothing if it does not. */
  private halt(record: NodeRecord, how: "stop" | "kill"): void {
    const p = record.node.process;
    if (!p || (record.status !== "running" && record.status !== "paused")) return;
    for (const link of record.links) {
      if (link.ends[0] !== record) continue;
      this.clock.cancel(link.redial);
      this.clock.cancel(link.held);
      link.redial = link.held = undefined;
    }
    if (how === "stop") record.node.stop();
    else record.node.kill();
    for (const link of record.links) {
      for (const connection of [...link.connections]) {
        const side = connection.sides.find((s) => s.record === record && s.process === p);
        if (!side) continue;
        if (how === "kill") this.endConnection(connection);
        else if (!side.closed) {
          side.closed = true;
          this.transmit(side, undefined, 0);
        }
      }
    }
    record.lastExit = how === "stop" ? { code: 0, signal: null, expected: true } : { code: null, signal: "SIGKILL", expected: true };
    this.setStatus(record, "stopped");
  }

  // --- links and connections ----------------------------------------------------------------------------------------

  private addLink(spec: LinkSpec): LinkRecord {
    const ends: [NodeRecord, NodeRecord] = [this.record(spec.from), this.record(spec.to)];
    const key = linkKey(spec.from, spec.to);
    const link: LinkRecord = {
      spec,
      ends,
      cut: false,
      blocked: [false, false],
      shape: CLEAN_LINK,
      random: this.random.fork(key),
      traffic: [
        { from: spec.from, to: spec.to, bytes: 0, frames: 0 },
        { from: spec.to, to: spec.from, bytes: 0, frames: 0 },
      ],
      connections: [],
      redial: undefined,
      held: undefined,
      removed: false,
    };
    this.links.set(key, link);
    for (const end of ends) end.links.push(link);
    this.emitLink(link);
    return link;
  }

  /** The connection that is open both ways, if any. */
  private current(link: LinkRecord): Connection | undefined {
    return link.connections.find((c) => c.open && !c.sides[0]!.closed && !c.sides[1]!.closed);
  }

  /** The dialer's attempt to connect (at its start, and at each redial). */
  private dial(link: LinkRecord): void {
    link.redial = undefined;
    const [dialer, acceptor] = link.ends;
    if (link.removed || !dialer.node.running || link.held || this.current(link)) return;
    if (link.cut) {
      this.redialLater(link, true);
      return;
    }
    const oneWay = link.blocked[0] || link.blocked[1];
    if (oneWay || !acceptor.node.running || acceptor.node.paused) {
      const wait = oneWay || acceptor.node.running ? HANDSHAKE_TIMEOUT_MS : RELAY_HOLD_MS;
      link.held = this.clock.schedule(this.clock.now() + wait, () => {
        link.held = undefined;
        this.redialLater(link, true);
      });
      return;
    }
    this.connect(link);
  }

  /** A held dial completes once nothing stands in its way any more. */
  private completeHeldDial(link: LinkRecord): void {
    const [dialer, acceptor] = link.ends;
    if (!link.held || link.cut || link.blocked[0] || link.blocked[1]) return;
    if (!dialer.node.running || !acceptor.node.running || acceptor.node.paused) return;
    this.clock.cancel(link.held);
    link.held = undefined;
    this.connect(link);
  }

  /** As the reference peer: after a failed dial or a lost connection, dial again after the backoff. */
  private redialLater(link: LinkRecord, failed: boolean): void {
    const dialer = link.ends[0];
    const p = dialer.node.process;
    if (link.removed || !p || link.redial || link.held || this.current(link)) return;
    const { delayMs: delay, attempt } = p.core.redials.next(link.spec.to);
    if (failed && attempt === 1) dialer.node.note("info", "dial failed", { peer: link.spec.to, retry_ms: delay });
    link.redial = this.clock.schedule(this.clock.now() + delay, () => {
      link.redial = undefined;
      dialer.node.input(p, () => this.dial(link));
    });
  }

  private connect(link: LinkRecord): void {
    const [dialer, acceptor] = link.ends;
    const connection: Connection = { link, open: true, sides: [] };
    for (const [index, record] of [dialer, acceptor].entries()) {
      const side: Side = {
        connection,
        index: index as 0 | 1,
        record,
        process: record.node.process!,
        linkId: this.nextLinkId++,
        inFlight: [],
        head: 0,
        delivery: undefined,
        lastAt: 0,
        freeAt: 0,
        closed: false,
        framesSent: 0,
        bytesSent: 0,
        framesReceived: 0,
        bytesReceived: 0,
        label: `delivery ${record.spec.id} -> ${(index ? dialer : acceptor).spec.id}`,
      };
      connection.sides.push(side);
      this.sides.set(side.linkId, side);
    }
    link.connections.push(connection);
    dialer.node.process?.core.redials.connected(link.spec.to);
    const [d, a] = connection.sides as [Side, Side];
    // The acceptor completes the handshake first; the dialer then speaks first.
    acceptor.node.linkUp(a.process, a.linkId, dialer.spec.id, "acceptor");
    dialer.node.linkUp(d.process, d.linkId, acceptor.spec.id, "dialer");
  }

  /** Cut, reset: live connections end at once, and a held dial fails. */
  private breakConnections(link: LinkRecord): void {
    for (const connection of [...link.connections]) this.endConnection(connection);
    if (link.held) {
      this.clock.cancel(link.held);
      link.held = undefined;
      this.redialLater(link, true);
    }
  }

  /** The connection is gone: what is in flight is lost, both ends (those still running) see the link go down. */
  private endConnection(connection: Connection): void {
    if (!connection.open) return;
    connection.open = false;
    const link = connection.link;
    link.connections = link.connections.filter((c) => c !== connection);
    for (const side of connection.sides) {
      this.sides.delete(side.linkId);
      this.clock.cancel(side.delivery);
      side.delivery = undefined;
      for (let i = side.head; i < side.inFlight.length; i++) this.traced(side, side.inFlight[i] as InFlight, undefined);
      side.inFlight.length = side.head = 0;
    }
    for (const side of connection.sides) side.record.node.linkDown(side.process, side.linkId);
    this.redialLater(link, false);
  }

  /** The replica ended a link (the other side speaks another protocol). */
  private closeLink(linkId: LinkId): void {
    const side = this.sides.get(linkId);
    if (side) this.endConnection(side.connection);
  }

  private send(linkId: LinkId, message: WireMessage): void {
    const side = this.sides.get(linkId);
    if (!side || side.closed || !side.connection.open) return;
    const size = frameBytes(message);
    const traffic = side.connection.link.traffic[side.index];
    traffic.bytes += size;
    traffic.frames++;
    side.framesSent++;
    side.bytesSent += size;
    this.transmit(side, message, size);
  }

  /** Puts a message (or, undefined, the side's FIN) on its way, FIFO behind what the side sent before. */
  private transmit(side: Side, message: WireMessage | undefined, size: number): void {
    const held = side.connection.link.blocked[side.index];
    side.inFlight.push({ message, size, sentAt: this.clock.now(), at: held ? NaN : this.arrival(side, size) });
    if (!side.delivery) this.scheduleDelivery(side);
  }

  /** When a message sent now arrives: after the bandwidth, latency, delay, jitter and loss, and never before the last. */
  private arrival(side: Side, size: number): number {
    const link = side.connection.link;
    const shape = link.shape;
    const now = this.clock.now();
    let leaves = now;
    const rate = shape.bandwidthBytesPerSec ?? 0;
    if (rate > 0 && size > 0) {
      leaves = Math.max(now, side.freeAt) + (size * 1000) / rate;
      side.freeAt = leaves;
    }
    let at = leaves + BASE_LATENCY_MS + shape.delayMs;
    if (shape.jitterMs > 0) at += (link.random.next() * 2 - 1) * shape.jitterMs;
    if (shape.loss > 0 && link.random.next() < shape.loss) at += RETRANSMIT_MS;
    at = Math.max(at, side.lastAt, now);
    side.lastAt = at;
    return at;
  }

  private scheduleDelivery(side: Side): void {
    const next = side.inFlight[side.head];
    if (!next || Number.isNaN(next.at) || !side.connection.open || side.connection.link.blocked[side.index]) return;
    side.delivery = this.clock.schedule(next.at, () => this.deliver(side), side.label);
  }

  /** Delivers what is due of one direction, in order, unless a one-way cut holds it. */
  private deliver(side: Side): void {
    side.delivery = undefined;
    const connection = side.connection;
    const far = connection.sides[1 - side.index]!;
    const now = this.clock.now();
    while (connection.open && !connection.link.blocked[side.index]) {
      const item = side.inFlight[side.head];
      if (!item || !(item.at <= now)) break;
      side.inFlight[side.head++] = undefined;
      if (side.head >= 1024 && side.head * 2 >= side.inFlight.length) {
        side.inFlight.splice(0, side.head);
        side.head = 0;
      }
      if (item.message === undefined) {
        this.endConnection(connection);
        return;
      }
      this.traced(side, item, now);
      far.framesReceived++;
      far.bytesReceived += item.size;
      far.record.node.receive(far.process, far.linkId, item.message);
    }
    this.scheduleDelivery(side);
  }

  private linkReports(nodeId: string): LinkReport[] {
    const record = this.record(nodeId);
    const p = record.node.process;
    return record.links.map((link): LinkReport => {
      const dialer = link.ends[0] === record;
      const peer = dialer ? link.spec.to : link.spec.from;
      const side = this.current(link)?.sides.find((s) => s.record === record && s.process === p);
      return {
        peer,
        address: `sim://${peer}`,
        direction: dialer ? "out" : "in",
        state: side ? "up" : "down",
        framesSent: side?.framesSent ?? 0,
        framesReceived: side?.framesReceived ?? 0,
        bytesSent: side?.bytesSent ?? 0,
        bytesReceived: side?.bytesReceived ?? 0,
      };
    });
  }

  // --- bookkeeping --------------------------------------------------------------------------------------------------

  private setStatus(record: NodeRecord, status: NodeStatus): void {
    record.status = status;
    this.listeners.emit({ type: "node", node: nodeInfo(record) });
  }

  private emitLink(link: LinkRecord): void {
    this.listeners.emit({ type: "link", link: linkInfo(link) });
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error(`network "${this.name}" has been disposed`);
  }

  private record(nodeId: string): NodeRecord {
    const record = this.nodes.get(nodeId);
    if (!record) {
      const some = [...this.nodes.keys()].slice(0, 20).join(", ");
      throw new Error(`unknown node "${nodeId}" in network "${this.name}" (nodes: ${some}${this.nodes.size > 20 ? ", ..." : ""})`);
    }
    return record;
  }

  private link(a: string, b: string): LinkRecord {
    this.record(a);
    this.record(b);
    const link = this.links.get(linkKey(a, b));
    if (!link) throw new Error(`no link between "${a}" and "${b}" in network "${this.name}"`);
    return link;
  }
}

/** The simulator runs the reference peer's core only. */
export function assertSimulable(node: NodeSpec): void {
  const other = node.command !== undefined ? `the command "${node.command}"` : node.image !== undefined ? `the image "${node.image}"` : undefined;
  if (other) {
    throw new Error(
      `node "${node.id}" names ${other}: the simulator runs only the reference peer's core; run other peers with --runtime local or docker`,
    );
  }
}

/**
 * `encodeFrame(message).length` (node/wire/frames.ts), without building the frame: most of a simulation's time would
 * otherwise go to writing JSON nobody reads. The bulky parts (numbers, and the `have` of digests and announcements)
 * are counted field by field: origins and decimal values are plain ASCII that JSON writes as is, and the replica
 * writes exactly these fields.
 */
export function frameBytes(message: WireMessage): number {
  if (message.type === "numbers") {
    return Buffer.byteLength(JSON.stringify({ ...message, numbers: [] })) + 1 + numbersBytes(message.numbers);
  }
  if (message.type === "digest" || message.type === "ihave") {
    // The frame with `have` as one character, less that character, plus `have` and the 0x04.
    return Buffer.byteLength(JSON.stringify({ ...message, have: 0 })) - 1 + digestBytes(message.have) + 1;
  }
  return Buffer.byteLength(JSON.stringify(message)) + 1;
}

/** `JSON.stringify(have).length` of a digest: `{"origin":[[lo,hi],...],...}`. */
function digestBytes(have: Readonly<Record<string, readonly (readonly [number, number])[]>>): number {
  let bytes = 2;
  let origins = 0;
  for (const origin in have) {
    const ranges = have[origin]!;
    // "origin":[...] and the ranges' commas; each range [lo,hi].
    bytes += origin.length + 5 + Math.max(0, ranges.length - 1);
    for (const [lo, hi] of ranges) bytes += 3 + decimalDigits(lo) + decimalDigits(hi);
    origins++;
  }
  return bytes + Math.max(0, origins - 1);
}


function nodeInfo(record: NodeRecord): NodeInfo {
  return {
    id: record.spec.id,
    status: record.status,
    controlUrl: `sim://${record.spec.id}`,
    dataDir: record.spec.dataDir,
    lastExit: record.lastExit,
    starts: record.node.starts,
  };
}

function linkInfo(link: LinkRecord): LinkInfo {
  const oneWay = link.blocked[0] !== link.blocked[1];
  return {
    from: link.spec.from,
    to: link.spec.to,
    cut: link.cut || link.blocked[0] || link.blocked[1],
    blockedFrom: oneWay ? (link.blocked[0] ? link.spec.from : link.spec.to) : undefined,
    shape: link.shape,
  };
}
