/**
 * Where things are in a compose project made from a scenario: decided once, here, and read by both the generator
 * (compose-file.ts, which writes every peer's PEERS ahead of time) and the driver inside the project
 * (compose-host.ts, whose relays must listen exactly where those PEERS point).
 *
 * Every link `from -> to` is a relay in the driver container listening on `driver:<port>`; `from`'s PEERS names that
 * relay, and the relay forwards to `<to>:7000`. Peers never name each other, so a cut in the driver is a real cut.
 */
import { linkKey, type LinkSpec, type NodeSpec } from "../network/spec.js";
import type { ContractPlacement } from "../runtime/host.js";

/** Service names of the harness's own containers (node ids may not take them). */
export const DRIVER_SERVICE = "driver";
export const DASHBOARD_SERVICE = "dashboard";
export const RESERVED_SERVICES: readonly string[] = [DRIVER_SERVICE, DASHBOARD_SERVICE];

/** Ports inside every peer container (each container has its own address, so the contract's defaults never clash). */
export const PEER_P2P_PORT = 7000;
export const PEER_HTTP_PORT = 8080;
/** Where a node's DATA_DIR volume is mounted in its peer container. */
export const PEER_DATA_DIR = "/sumnet-data";
/** Where the driver mounts every node's DATA_DIR volume (`<here>/<node>`), to start each round from empty. */
export const DRIVER_DATA_ROOT = "/sumnet-data";
/** Port of the driver's first link relay; the others follow in the order of the plan's links. */
export const FIRST_RELAY_PORT = 7101;
/** The dashboard's host port; peers get the ports after it (n-th peer: DASHBOARD_HOST_PORT + n). */
export const DASHBOARD_HOST_PORT = 8080;

/** The contract's settings of a peer container. */
export function peerPlacement(spec: NodeSpec): ContractPlacement {
  return { p2pHost: "0.0.0.0", p2pPort: PEER_P2P_PORT, httpPort: PEER_HTTP_PORT, dataDir: spec.dataDir ? PEER_DATA_DIR : undefined };
}

/** The relay port of every link (by linkKey), in the order given. */
export function relayPorts(links: readonly LinkSpec[]): Map<string, number> {
  return new Map(links.map((link, i) => [linkKey(link.from, link.to), FIRST_RELAY_PORT + i]));
}

/** How a peer names a relay of the driver in its PEERS. */
export function relayAddress(port: number): string {
  return `${DRIVER_SERVICE}:${port}`;
}

/** Name of the volume holding a node's DATA_DIR. */
export function dataVolume(nodeId: string): string {
  return `${nodeId}-data`;
}
