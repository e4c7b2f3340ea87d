/**
 * What carries one link, as the started network sees it: a relay the dialer connects to, which forwards to the
 * target's P2P port and applies the link's faults. `LinkRelay` (link-relay.ts) is the carrier of the runtimes whose
 * relays run in the harness's process (local, docker, compose); the swarm runtime's carriers are relays in a link
 * agent on the dialer's machine, driven over HTTP (runtime/swarm/agent-client.ts). Either way the same faults, with
 * the same meaning, are written once in link-relay.ts.
 *
 * Operations may complete later (a round trip to an agent); a carrier applies them in the order they were called.
 * The state getters answer at once from what was last asked, and `getStats` from the latest counters known (a remote
 * carrier refreshes them in the background).
 */
import type { LinkShape } from "../network/spec.js";
import type { LinkDirection, RelayStats, RelayTarget } from "./link-relay.js";

export interface LinkCarrier {
  /** The port the dialer connects to (on the carrier's host). */
  readonly port: number;
  readonly isCut: boolean;
  readonly blockedDirections: readonly LinkDirection[];
  readonly currentShape: LinkShape;
  cut(): void | Promise<void>;
  cutOneWay(direction: LinkDirection): void | Promise<void>;
  restore(): void | Promise<void>;
  /** Aborts every live connection with a TCP RST; the link stays up. */
  reset(): unknown;
  shape(shape: LinkShape): void | Promise<void>;
  /** Where the link now leads (a node that restarted may listen at another address). */
  retarget(target: RelayTarget): void | Promise<void>;
  getStats(): RelayStats;
  close(): Promise<void>;
}
