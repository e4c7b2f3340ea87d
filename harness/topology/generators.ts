/**
 * Topology generators. Every generator returns node ids `<prefix>1..<prefix>N` and links where `from` dials `to`;
 * the later-numbered node dials the earlier one (as a node joining an existing network would), except where noted.
 * All are deterministic; `random` is deterministic for a given seed and always connected.
 */
import { linkKey, type LinkSpec } from "../network/spec.js";
import { seededRandom } from "../base/seeded-random.js";

export interface Topology {
  readonly nodes: readonly string[];
  readonly links: readonly LinkSpec[];
}

const ids = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

function positive(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

/** n1 - n2 - ... - nN. */
export function line(n: number, prefix = "n"): Topology {
  positive("line nodes", n);
  const nodes = ids(n, prefix);
  const links = nodes.slice(1).map((id, i) => ({ from: id, to: nodes[i] as string }));
  return { nodes, links };
}

/** A line closed into a cycle (n1 dials nN). For n < 3 it is a line. */
export function ring(n: number, prefix = "n"): Topology {
  positive("ring nodes", n);
  const { nodes, links } = line(n, prefix);
  if (n < 3) return { nodes, links };
  return { nodes, links: [...links, { from: nodes[0] as string, to: nodes[n - 1] as string }] };
}

/** n1 is the hub; every other node dials it. */
export function star(n: number, prefix = "n"): Topology {
  positive("star nodes", n);
  const nodes = ids(n, prefix);
  return { nodes, links: nodes.slice(1).map((id) => ({ from: id, to: nodes[0] as string })) };
}

/** Every pair linked; the later node dials the earlier. */
export function full(n: number, prefix = "n"): Topology {
  positive("full nodes", n);
  const nodes = ids(n, prefix);
  const links: LinkSpec[] = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) links.push({ from: nodes[j] as string, to: nodes[i] as string });
  return { nodes, links };
}

/** A k-ary tree of n nodes in breadth-first order: n1 is the root, node i's parent is node floor((i-2)/k)+1. */
export function tree(n: number, branching: number, prefix = "n"): Topology {
  positive("tree nodes", n);
  positive("tree branching", branching);
  const nodes = ids(n, prefix);
  const links = nodes.slice(1).map((id, i) => ({ from: id, to: nodes[Math.floor(i / branching)] as string }));
  return { nodes, links };
}

/** A width x height grid, row by row (n1 top-left); each node dials its left and upper neighbour. */
export function grid(width: number, height: number, prefix = "n"): Topology {
  positive("grid width", width);
  positive("grid height", height);
  const nodes = ids(width * height, prefix);
  const at = (x: number, y: number): string => nodes[y * width + x] as string;
  const links: LinkSpec[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x > 0) links.push({ from: at(x, y), to: at(x - 1, y) });
      if (y > 0) links.push({ from: at(x, y), to: at(x, y - 1) });
    }
  }
  return { nodes, links };
}

/**
 * A connected random graph of n nodes with about `degree` links per node on average: a random spanning tree (each
 * node, in shuffled order, dials a random node placed before it), then random extra links until
 * round(n * degree / 2) links exist (capped at a full graph). Same (n, degree, seed) = same graph.
 */
export function random(n: number, degree: number, seed: number, prefix = "n"): Topology {
  positive("random nodes", n);
  if (!(degree >= 0) || !Number.isFinite(degree)) throw new RangeError(`random degree must be >= 0, got ${degree}`);
  const rng = seededRandom(seed);
  const nodes = ids(n, prefix);
  const order = rng.shuffle(nodes);
  const links: LinkSpec[] = [];
  const present = new Set<string>();
  const add = (from: string, to: string): void => {
    links.push({ from, to });
    present.add(linkKey(from, to));
  };
  for (let i = 1; i < n; i++) add(order[i] as string, order[rng.int(0, i - 1)] as string);
  const maxLinks = (n * (n - 1)) / 2;
  const target = Math.min(maxLinks, Math.max(n - 1, Math.round((n * degree) / 2)));
  while (links.length < target) {
    const a = rng.int(0, n - 1);
    const b = rng.int(0, n - 1);
    if (a === b) continue;
    const from = nodes[Math.max(a, b)] as string;
    const to = nodes[Math.min(a, b)] as string;
    if (present.has(linkKey(from, to))) continue;
    add(from, to);
  }
  return { nodes, links };
}
