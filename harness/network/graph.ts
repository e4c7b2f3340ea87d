/** Graph questions the harness asks about a set of nodes and links. */
import type { LinkSpec } from "./spec.js";

/** Adjacency lists over `nodes`, ignoring links that touch nodes outside it. */
export function adjacency(nodes: Iterable<string>, links: Iterable<LinkSpec>): Map<string, Set<string>> {
  const adj = new Map<string, Set<string>>();
  for (const n of nodes) adj.set(n, new Set());
  for (const { from, to } of links) {
    const a = adj.get(from);
    const b = adj.get(to);
    if (a && b && from !== to) {
      a.add(to);
      b.add(from);
    }
  }
  return adj;
}

/** Connected components (each sorted in the order nodes were given). */
export function components(nodes: Iterable<string>, links: Iterable<LinkSpec>): string[][] {
  const adj = adjacency(nodes, links);
  const seen = new Set<string>();
  const result: string[][] = [];
  const position = new Map([...adj.keys()].map((n, i) => [n, i]));
  for (const start of adj.keys()) {
    if (seen.has(start)) continue;
    const component: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length > 0) {
      const n = stack.pop() as string;
      component.push(n);
      for (const m of adj.get(n) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
    component.sort((x, y) => (position.get(x) as number) - (position.get(y) as number));
    result.push(component);
  }
  return result;
}

export function isConnected(nodes: readonly string[], links: Iterable<LinkSpec>): boolean {
  return nodes.length === 0 || components(nodes, links).length === 1;
}

/** Number of links per node. */
export function degrees(nodes: Iterable<string>, links: Iterable<LinkSpec>): Map<string, number> {
  const adj = adjacency(nodes, links);
  return new Map([...adj].map(([n, s]) => [n, s.size]));
}

/** Longest shortest path (hops) in a connected graph; Infinity when disconnected. */
export function diameter(nodes: readonly string[], links: Iterable<LinkSpec>): number {
  const adj = adjacency(nodes, links);
  let best = 0;
  for (const start of nodes) {
    const dist = new Map([[start, 0]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const n = queue[i] as string;
      for (const m of adj.get(n) ?? []) {
        if (!dist.has(m)) {
          dist.set(m, (dist.get(n) as number) + 1);
          queue.push(m);
        }
      }
    }
    if (dist.size < nodes.length) return Infinity;
    for (const d of dist.values()) best = Math.max(best, d);
  }
  return best;
}
