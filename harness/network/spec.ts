/**
 * The vocabulary of a network, shared by every layer: nodes, links, how a link misbehaves, and the invariants of a
 * network spec. Pure data and pure functions; the runtimes start what these describe, the planner and the checker
 * reason about it.
 */

/**
 * The most nodes any network may have. Each runtime has its own, lower or equal limit (`Runtime.maxNodes`): a few
 * hundred processes or containers on one machine, this many simulated nodes.
 */
export const MAX_NETWORK_NODES = 100_000;

/** Node ids: letters, digits, `.`, `_`, `-` (the peer contract's NODE_ID). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** One node of a network, fully resolved: nothing is left to defaults of the runtime except command/image. */
export interface NodeSpec {
  /** NODE_ID of the peer. */
  readonly id: string;
  /**
   * Command line of the peer for process runtimes (e.g. `node dist/node/main.js`); split like a shell would split
   * words (quotes honoured, no operators). Undefined: the runtime's default (`--peer-command` or the reference peer).
   */
  readonly command?: string | undefined;
  /** Image of the peer for container runtimes. Undefined: the runtime's default (`--image` or the reference image). */
  readonly image?: string | undefined;
  /**
   * Extra environment variables for this node (e.g. SYNC_INTERVAL_MS). The runtime sets the contract variables
   * itself (NODE_ID, P2P_HOST, P2P_PORT, PEERS, HTTP_PORT, DATA_DIR, NUMBERS) and they win over these.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Give the node a DATA_DIR that survives stop/kill/restart of this node (removed on dispose). */
  readonly dataDir: boolean;
  /** Integers (decimal strings) passed as NUMBERS; contributed by the peer at every start, counted once. */
  readonly numbers: readonly string[];
}

/**
 * A link between two nodes. `from` dials `to` (it is in `from`'s PEERS). Faults act on both directions of the link
 * unless they name one; functions that take a link accept either orientation.
 */
export interface LinkSpec {
  readonly from: string;
  readonly to: string;
}

/** A network to start. Node ids are unique; links name existing nodes, no self-links, at most one link per pair. */
export interface NetworkSpec {
  /** Human name (scenario name); runtimes use it in labels, temp dir names, container names. */
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly links: readonly LinkSpec[];
}

/** How a link misbehaves. All zero = a clean link. */
export interface LinkShape {
  /** Added one-way delay in milliseconds (applied in both directions). */
  readonly delayMs: number;
  /** Uniform jitter +/- jitterMs around delayMs; byte order inside a connection is always preserved. */
  readonly jitterMs: number;
  /**
   * Probability in [0, 1] that a chunk of bytes is "lost". TCP semantics: the bytes are not dropped or corrupted, the
   * chunk and everything behind it on that connection are held for a retransmission timeout (~200 ms).
   */
  readonly loss: number;
  /** Bytes per second in each direction; 0 or absent: unlimited. */
  readonly bandwidthBytesPerSec?: number | undefined;
}

export const CLEAN_LINK: LinkShape = Object.freeze({ delayMs: 0, jitterMs: 0, loss: 0 });

/** Find the link between a and b in either orientation. */
export function findLink<L extends LinkSpec>(links: Iterable<L>, a: string, b: string): L | undefined {
  for (const link of links) {
    if ((link.from === a && link.to === b) || (link.from === b && link.to === a)) return link;
  }
  return undefined;
}

/** Canonical key of an undirected link, independent of orientation. */
export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** The problems of a spec (unique ids matching NODE_ID_PATTERN, links between known distinct nodes, one per pair). */
export function networkSpecProblems(spec: Pick<NetworkSpec, "nodes" | "links">): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const node of spec.nodes) {
    if (!NODE_ID_PATTERN.test(node.id)) problems.push(`node id "${node.id}" must match ${NODE_ID_PATTERN}`);
    if (ids.has(node.id)) problems.push(`node id "${node.id}" appears twice`);
    ids.add(node.id);
  }
  const seen = new Set<string>();
  for (const link of spec.links) {
    if (!ids.has(link.from)) problems.push(`link ${link.from}->${link.to}: unknown node "${link.from}"`);
    if (!ids.has(link.to)) problems.push(`link ${link.from}->${link.to}: unknown node "${link.to}"`);
    if (link.from === link.to) problems.push(`link ${link.from}->${link.to}: a node cannot link to itself`);
    const key = linkKey(link.from, link.to);
    if (seen.has(key)) problems.push(`link ${link.from}->${link.to}: more than one link between these nodes`);
    seen.add(key);
  }
  return problems;
}

/**
 * Throws an Error listing why `node` cannot join a running network with `links` (`exists(id)`: the id names a node of
 * the network that has not left; `taken(id)`: the id was ever used). Every runtime checks a join with it.
 */
export function assertCanJoin(
  networkName: string,
  node: Pick<NodeSpec, "id">,
  links: readonly LinkSpec[],
  taken: (id: string) => boolean,
  exists: (id: string) => boolean,
): void {
  const problems: string[] = [];
  if (!NODE_ID_PATTERN.test(node.id)) problems.push(`node id "${node.id}" must match ${NODE_ID_PATTERN}`);
  if (taken(node.id)) problems.push(`node id "${node.id}" is already used in network "${networkName}"`);
  for (const link of links) {
    const other = link.from === node.id ? link.to : link.from;
    if (link.from !== node.id && link.to !== node.id) {
      problems.push(`link ${link.from}->${link.to} does not have the joining node "${node.id}" as an end`);
    } else if (other === node.id) {
      problems.push(`link ${link.from}->${link.to}: a node cannot link to itself`);
    } else if (!exists(other)) {
      problems.push(`link ${link.from}->${link.to}: unknown node "${other}"`);
    } else if (link.to === node.id) {
      // A running node's environment (PEERS) is fixed when it starts.
      problems.push(`link ${link.from}->${link.to}: the running node "${link.from}" cannot be made to dial a joining node; give the link as ${node.id}->${link.from}`);
    }
  }
  if (problems.length > 0) throw new Error(`cannot add node "${node.id}": ${problems.join("; ")}`);
}

/** Throws an Error listing every problem of the spec. Runtimes call it before starting anything. */
export function assertValidNetworkSpec(spec: NetworkSpec): void {
  const problems = networkSpecProblems(spec);
  if (problems.length > 0) throw new Error(`invalid network spec "${spec.name}": ${problems.join("; ")}`);
}
