/**
 * The one Runtime interface of sumnet.
 *
 * A runtime turns a resolved network spec (node ids, who dials whom, per-node command/image/environment, DATA_DIR on
 * or off) into running peers, and then lets the harness act on that network: start, stop (graceful), kill (SIGKILL),
 * restart a node, add one (join) and remove one (leave), cut and restore a link, shape a link (delay, jitter, loss),
 * and read a node's logs. Every runtime (local processes in `runtime/local`, containers in `runtime/docker`)
 * implements exactly this interface, so the scenario runner, the grader and the dashboard never know which one runs.
 *
 * Faults are link-level and runtime-neutral: a link is an undirected pair of nodes (one of them dials the other);
 * "cut" means no bytes cross it in either direction and live connections over it break; "shape" means the bytes that
 * cross it are delayed, jittered, and suffer TCP-like loss (retransmission delay, never corrupted bytes). How a
 * runtime achieves that (relays, networks, ...) is its own business.
 *
 * Lifecycle: `runtime.start(spec)` resolves once every node answers `GET /health` (or rejects, having cleaned up
 * what it started). The resulting `StartedNetwork` is `AsyncDisposable`: `await using net = await runtime.start(..)`
 * removes every process/container, relay, temporary directory it created, also when the caller throws.
 */

import type { NodeClient } from "../../contract/node-client.js";
import type { Clock } from "../base/clock.js";
import { MAX_NETWORK_NODES, type LinkShape, type LinkSpec, type NetworkSpec, type NodeSpec } from "../network/spec.js";

/** Defaults of the runtime port, the same on every runtime. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 15_000;
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/** Networks of processes or containers on one machine: at most this many nodes. */
export const PROCESS_RUNTIME_MAX_NODES = 500;
/** The simulator: at most this many nodes (memory is the limit). */
export const SIM_MAX_NODES = MAX_NETWORK_NODES;

/** Where a node is in its life. */
export type NodeStatus =
  /** Process/container running (started and not yet seen to exit). */
  | "running"
  /** Stopped by the harness (graceful stop or kill) and may be started again. */
  | "stopped"
  /** Exited on its own (crash) while the harness expected it to run. */
  | "exited"
  /** Frozen by the harness (SIGSTOP, `docker pause`): holds its state, reads and writes nothing until resumed. */
  | "paused"
  /** Removed from the network (leave); cannot be started again. */
  | "removed";

export interface NodeExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** True when the harness caused the exit (stop/kill/restart/leave/dispose). */
  readonly expected: boolean;
  /**
   * True when the container engine killed it for exceeding its memory limit (docker's `State.OOMKilled`); false when
   * the engine says it did not; absent where nobody can know (local processes).
   */
  readonly oomKilled?: boolean | undefined;
}

export interface NodeInfo {
  readonly id: string;
  readonly status: NodeStatus;
  /** Base URL of the node's HTTP control API, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly controlUrl: string;
  readonly dataDir: boolean;
  /** Last exit of the node, if it has exited at least once. */
  readonly lastExit?: NodeExit | undefined;
  /** How many times the node has been started (1 after the initial start). */
  readonly starts: number;
}

export interface LinkInfo extends LinkSpec {
  /** True while the link is cut (partition), in at least one direction. */
  readonly cut: boolean;
  /** When only one direction is cut: the node whose bytes no longer reach the other end. */
  readonly blockedFrom?: string | undefined;
  readonly shape: LinkShape;
}

/** A snapshot of the network, for reporters and the dashboard. */
export interface NetworkSnapshot {
  readonly name: string;
  readonly runtime: string;
  readonly nodes: readonly NodeInfo[];
  readonly links: readonly LinkInfo[];
}

export type NetworkEvent =
  | { readonly type: "node"; readonly node: NodeInfo }
  | { readonly type: "link"; readonly link: LinkInfo }
  | { readonly type: "link-removed"; readonly link: LinkSpec };

/** What crossed one direction of a link so far: bytes, and frames of the 0x04-terminated framing (sumnet/1, p2pnetwork). */
export interface LinkTraffic {
  /** The node whose bytes these are. */
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
  readonly frames: number;
}

/** One message between two nodes, as a runtime that sees messages (the simulator) traced it. */
export interface TracedMessage {
  readonly from: string;
  readonly to: string;
  /** The message's type on the wire (`numbers`, `digest`, `hello`, ...). */
  readonly type: string;
  /** Numbers it carried, for `numbers` messages. */
  readonly numbers?: number | undefined;
  /** When it was sent and when it arrived, in ms of the network's clock; `at` undefined: lost with its connection. */
  readonly sentAt: number;
  readonly at?: number | undefined;
}

/** Every message of a small network, for a space-time diagram. */
export interface MessageTrace {
  readonly messages: readonly TracedMessage[];
  /** True when the trace stopped at its limit (the first messages are kept). */
  readonly truncated: boolean;
}

/** A node operation failed (did not start, did not answer); names the node so results can say which. */
export class NodeError extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
    /** How the node's process ended, when that is the error (it exited before it was healthy). */
    readonly exit?: NodeExit,
  ) {
    super(message);
    this.name = "NodeError";
  }
}

export interface StopOptions {
  /** How long to wait for a graceful exit before SIGKILL (default 5000 ms). */
  readonly timeoutMs?: number;
}

export interface StartNodeOptions {
  /** How long to wait for `GET /health` to answer 200 (default 15000 ms). */
  readonly healthTimeoutMs?: number;
}

/** A running network. All node/link arguments are node ids; unknown ids reject with an Error naming them. */
export interface StartedNetwork extends AsyncDisposable {
  readonly name: string;
  /** Name of the runtime (`local`, `docker`). */
  readonly runtime: string;

  /** Current state of every node and link (removed nodes are listed with status `removed`). */
  snapshot(): NetworkSnapshot;
  /** Subscribe to node/link changes; returns an unsubscribe function. */
  subscribe(listener: (event: NetworkEvent) => void): () => void;

  /**
   * Base URL of the node's control API (GET /total, POST /numbers, ...). Valid while the node is running. A runtime
   * whose nodes have no HTTP endpoint (the simulator) throws an Error saying so: use `client`.
   */
  controlUrl(nodeId: string): string;
  /** The node's control API as calls (HTTP to `controlUrl` on real runtimes, direct calls on the simulator). */
  client(nodeId: string): NodeClient;
  /**
   * The clock this network runs on: the machine's (`realClock`) for processes and containers, a virtual one for the
   * simulator. The runner times every wait, poll and load with it.
   */
  readonly clock: Clock;

  /**
   * Learn how the listed nodes ended, where they did: a node whose control API stopped answering may have exited
   * without the runtime knowing yet (the swarm runtime polls the manager's tasks). Resolves once none of them is
   * running any more by the runtime's word, or after the longest this runtime takes to learn of an exit; a node still
   * running then stays as it is. Nothing is asked of the nodes.
   */
  settleExits(nodeIds: readonly string[]): Promise<void>;

  /** Start a stopped node again (same id, same DATA_DIR if any, same links). Resolves when healthy. */
  startNode(nodeId: string, options?: StartNodeOptions): Promise<void>;
  /** Graceful stop: SIGTERM (or the runtime's equivalent), SIGKILL after the timeout. Resolves when it is gone. */
  stopNode(nodeId: string, options?: StopOptions): Promise<void>;
  /** Hard kill (SIGKILL): no chance to flush anything. Resolves when it is gone. */
  killNode(nodeId: string): Promise<void>;
  /** Freeze a running node (SIGSTOP, `docker pause`): it keeps its state and connections but does nothing. */
  pauseNode(nodeId: string): Promise<void>;
  /** Undo `pauseNode`. */
  resumeNode(nodeId: string): Promise<void>;
  /** Stop (graceful unless `hard`) if running, then start again; resolves when healthy. */
  restartNode(nodeId: string, options?: StopOptions & StartNodeOptions & { readonly hard?: boolean }): Promise<void>;

  /**
   * Join: add and start a new node. `links` must each have the new node as one end; the new node is the dialer of
   * links where it is `from`. Resolves when healthy.
   */
  addNode(node: NodeSpec, links: readonly LinkSpec[], options?: StartNodeOptions): Promise<void>;
  /** Leave: stop the node gracefully and remove it with all its links. Its id cannot be reused. */
  removeNode(nodeId: string, options?: StopOptions): Promise<void>;

  /** Cut a link in both directions: live connections over it break, new ones fail, until restored. */
  cutLink(a: string, b: string): Promise<void>;
  /**
   * Cut one direction of a link: bytes from `from` to `to` no longer cross (held back, never delivered, as in a
   * one-way partition), bytes the other way still do; connections stay open. `restoreLink` undoes it.
   */
  cutLinkOneWay(from: string, to: string): Promise<void>;
  /** Undo `cutLink` and `cutLinkOneWay`. */
  restoreLink(a: string, b: string): Promise<void>;
  /** Break every live connection over the link now (a TCP reset at both ends); new connections are allowed. */
  resetLink(a: string, b: string): Promise<void>;
  /** Apply delay/jitter/loss to a link (both directions); replaces any previous shape. */
  shapeLink(a: string, b: string, shape: LinkShape): Promise<void>;
  /** Same as `shapeLink(a, b, CLEAN_LINK)`. */
  clearLinkShape(a: string, b: string): Promise<void>;

  /**
   * Bytes and 0x04-terminated frames that crossed every link since the network started, one entry per direction.
   * Counters only grow: a link removed with its node (leave) keeps its last figures.
   */
  linkTraffic(): LinkTraffic[];

  /**
   * Every message sent between nodes so far, where the runtime sees messages and the network is small enough to draw
   * (the simulator, up to 20 nodes); undefined elsewhere (relays see bytes, not messages).
   */
  messageTrace?(): MessageTrace | undefined;

  /** The node's log so far (stdout and stderr, all starts of the node, in order). */
  readLog(nodeId: string): Promise<string>;
  /**
   * Write every node's log to `dir/<node>.log` (creating `dir`); returns the written paths. Safe to call after
   * nodes stopped or were removed, and before dispose.
   */
  collectLogs(dir: string): Promise<string[]>;

  /** Stop everything, remove every process/container, relay and temporary directory. Idempotent. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options every runtime understands when starting a network. */
export interface StartNetworkOptions {
  /** How long to wait for every node's `GET /health` (default 15000 ms). */
  readonly healthTimeoutMs?: number;
  /** Seed for the runtime's randomness (jitter, loss), so runs can be repeated. */
  readonly seed?: number;
  /** Aborts a start in progress (everything started so far is removed). */
  readonly signal?: AbortSignal;
}

export interface Runtime {
  /** `local`, `docker`, ... */
  readonly name: string;
  /**
   * The most nodes a network on this runtime may have (a property of the runtime, not of scenarios: processes and
   * containers stop at a few hundred on one machine, the simulator takes a hundred thousand).
   */
  readonly maxNodes: number;
  /** Start every node of `spec`, wired by its links; resolves when all nodes are healthy. */
  start(spec: NetworkSpec, options?: StartNetworkOptions): Promise<StartedNetwork>;
}
