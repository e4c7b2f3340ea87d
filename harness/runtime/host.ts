/**
 * The small interface a runtime implements: start, stop, kill, pause and remove one node's process or container,
 * and read its log. Everything else a started network does (status and events, relay links and their faults,
 * health checks, the contract's environment, clean-up on dispose and on signals) is written once, in
 * started-network.ts, over this interface. `runtime/local` and `runtime/docker` are hosts and nothing more.
 */
import type { LinkCarrier } from "../faults/link-carrier.js";
import type { RelayTarget } from "../faults/link-relay.js";
import type { SeededRandom } from "../base/seeded-random.js";
import type { LinkSpec, NodeSpec } from "../network/spec.js";
import type { NodeExit } from "./runtime.js";

/** Where a started node can be reached. */
export interface NodeAddress {
  /** Base URL of the node's control API as the harness reaches it, without a trailing slash. */
  readonly controlUrl: string;
  /** Where the relays of the node's incoming links forward to. */
  readonly p2p: RelayTarget;
}

/** The contract's settings as this host gives them to a node (the rest of the environment is decided elsewhere). */
export interface ContractPlacement {
  readonly p2pHost: string;
  readonly p2pPort: number;
  readonly httpPort: number;
  /** DATA_DIR as the node sees it, when the node has one. */
  readonly dataDir?: string | undefined;
}

/** How long a host told of exits by events may take to report one (see `NetworkHost.exitNoticeMs`). */
export const DEFAULT_EXIT_NOTICE_MS = 1000;

export interface NetworkHost {
  /** The runtime's name: `local`, `docker`. */
  readonly runtime: string;
  /** Id of this started network, unique on this machine (names its folders, labels its engine objects). */
  readonly runId: string;
  /** Address the link relays listen on when they run in the harness's process; nodes must be able to reach it. */
  readonly relayListenHost: string;
  /**
   * How long after a node's process or container ends this host may take to report it (`HostEvents.exited`): a host
   * that polls its engine, its period and the engine's own delay. Absent: DEFAULT_EXIT_NOTICE_MS (a host told by
   * events, whose request to a dying node can fail a moment before the event is handled).
   */
  readonly exitNoticeMs?: number;
  /** How the dialer of `link` names, in its PEERS, the carrier of that link listening on `port`. */
  relayAddress(port: number, link: LinkSpec): string;
  /**
   * Opens the carrier of `link`, when it does not run in the harness's process (the swarm runtime's link agents);
   * absent: a `LinkRelay` here, on `relayListenHost`.
   */
  openCarrier?(link: LinkSpec, target: RelayTarget, random: SeededRandom): Promise<LinkCarrier>;
  /**
   * The port the relay of `link` listens on, when the host decides it (a compose project's PEERS are written before
   * the network starts); undefined or absent: any free port.
   */
  relayPort?(link: LinkSpec): number | undefined;
  /** Called once per node before its first start (allocate ports, folders, names). */
  placeNode(spec: NodeSpec): Promise<ContractPlacement>;
  /** True when the node runs the reference peer (it then gets the reference peer's tuning). */
  runsReferencePeer(spec: NodeSpec): boolean;
  /** Start the node's process or container with exactly `env` (first time: create it). Resolves once it runs. */
  start(spec: NodeSpec, env: Readonly<Record<string, string>>): Promise<NodeAddress>;
  /** Graceful stop (SIGKILL after `timeoutMs`); resolves when it has exited. */
  stop(nodeId: string, timeoutMs: number): Promise<void>;
  /** SIGKILL; resolves when it has exited. */
  kill(nodeId: string): Promise<void>;
  pause(nodeId: string): Promise<void>;
  resume(nodeId: string): Promise<void>;
  /** After the node left and stopped: free what it holds (its log stays readable). */
  remove(nodeId: string): Promise<void>;
  /** The node's log so far, all its starts in order. */
  readLog(nodeId: string): Promise<string>;
  /**
   * After a start that never became healthy: when the cause is one the host can fix (a port taken between allocation
   * and bind), fix it and give the new placement; otherwise undefined.
   */
  replaceAfterFailedStart?(nodeId: string): Promise<ContractPlacement | undefined>;
  /** Removes everything the host created. May throw an Error naming what could not be removed. */
  dispose(): Promise<void>;
  /** Synchronous last resort at process exit: kill what runs, remove what can be removed at once. */
  destroyNow(): void;
}

/** What a host tells the network about its nodes. */
export interface HostEvents {
  /**
   * The node's process or container exited (whether or not the harness asked for it). `oomKilled` comes from the
   * engine (docker's `State.OOMKilled`); a host that cannot know (local processes) leaves it out.
   */
  exited(nodeId: string, exit: Omit<NodeExit, "expected">): void;
}
