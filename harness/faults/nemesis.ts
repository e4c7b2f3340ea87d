/**
 * The nemesis: faults drawn at random (from a seed) against the network as it is now, each with the operations that
 * undo it. Pure: it reads the network history and returns operations; the runner carries them out, the model follows
 * them, and the replay records them as ordinary steps. One fault at a time: the runner undoes a fault before it
 * draws the next, and heals everything at the end.
 */
import type { SeededRandom } from "../base/seeded-random.js";
import type { NetworkHistory } from "../network/history.js";
import type { NetworkOperation } from "../network/operation.js";
import { CLEAN_LINK, type LinkSpec } from "../network/spec.js";

/** The faults a nemesis can draw. */
export const NEMESIS_FAULTS = [
  "partition-halves",
  "isolate",
  "bridge",
  "ring",
  "one-way",
  "kill",
  "restart",
  "pause",
  "flaky",
  "bandwidth",
  "reset",
] as const;
export type NemesisFault = (typeof NEMESIS_FAULTS)[number];

export interface DrawnFault {
  readonly fault: NemesisFault;
  /** What happens, for people: `partition [n1, n4] | [n2, n3]`. */
  readonly label: string;
  readonly apply: readonly NetworkOperation[];
  /** Operations that undo it (empty for a fault that undoes itself, such as a reset). */
  readonly undo: readonly NetworkOperation[];
}

const list = (ids: readonly string[]): string => `[${ids.join(", ")}]`;

/** Links between running nodes that are not cut yet. */
function liveLinks(history: NetworkHistory): LinkSpec[] {
  return history
    .links()
    .filter((l) => history.life(l.from) === "running" && history.life(l.to) === "running" && !history.isCut(l.from, l.to));
}

function cutBetween(history: NetworkHistory, side: (id: string) => number): LinkSpec[] {
  return liveLinks(history).filter((l) => side(l.from) !== side(l.to));
}

function halves(rng: SeededRandom, nodes: readonly string[]): [string[], string[]] {
  const shuffled = rng.shuffle(nodes);
  const k = Math.floor(shuffled.length / 2);
  return [shuffled.slice(0, k), shuffled.slice(k)];
}

function cutFault(fault: NemesisFault, label: string, links: readonly LinkSpec[]): DrawnFault | undefined {
  if (links.length === 0) return undefined;
  return { fault, label, apply: [{ kind: "cut", links }], undo: [{ kind: "restore", links }] };
}

/** Draw one fault of `fault`'s kind against the network now; undefined when it does not apply (too few nodes). */
export function drawFault(fault: NemesisFault, rng: SeededRandom, history: NetworkHistory): DrawnFault | undefined {
  const running = history.running();
  switch (fault) {
    case "partition-halves": {
      if (running.length < 2) return undefined;
      const [a, b] = halves(rng, running);
      const inA = new Set(a);
      return cutFault(fault, `partition ${list(a)} | ${list(b)}`, cutBetween(history, (id) => (inA.has(id) ? 0 : 1)));
    }
    case "isolate": {
      if (running.length < 2) return undefined;
      const [node] = rng.shuffle(running) as [string];
      return cutFault(fault, `isolate ${node}`, liveLinks(history).filter((l) => l.from === node || l.to === node));
    }
    case "bridge": {
      // Two halves that reach each other only through one node.
      if (running.length < 3) return undefined;
      const [a, b] = halves(rng, running);
      const bridge = a[0] as string;
      const inA = new Set(a);
      const links = cutBetween(history, (id) => (inA.has(id) ? 0 : 1)).filter((l) => l.from !== bridge && l.to !== bridge);
      return cutFault(fault, `bridge: ${list(a)} | ${list(b)} joined only through ${bridge}`, links);
    }
    case "ring": {
      // Nodes on a ring keep only links to near neighbours on it: overlapping groups, none of them the whole network.
      if (running.length < 4) return undefined;
      const ring = rng.shuffle(running);
      const at = new Map(ring.map((id, i) => [id, i]));
      const reach = Math.max(1, Math.floor(ring.length / 4));
      const far = (l: LinkSpec): boolean => {
        const d = Math.abs((at.get(l.from) as number) - (at.get(l.to) as number));
        return Math.min(d, ring.length - d) > reach;
      };
      return cutFault(fault, `ring ${list(ring)}: each node keeps links within ${reach} places`, liveLinks(history).filter(far));
    }
    case "one-way": {
      if (running.length < 2) return undefined;
      const [a, b] = halves(rng, running);
      const inA = new Set(a);
      const links = cutBetween(history, (id) => (inA.has(id) ? 0 : 1));
      if (links.length === 0) return undefined;
      const directions = links.map((l) => (inA.has(l.from) ? { from: l.from, to: l.to } : { from: l.to, to: l.from }));
      return {
        fault,
        label: `one way: ${list(a)} cannot send to ${list(b)}`,
        apply: [{ kind: "cut-one-way", directions }],
        undo: [{ kind: "restore", links }],
      };
    }
    case "kill": {
      if (running.length < 2) return undefined;
      const [node] = rng.shuffle(running) as [string];
      return {
        fault,
        label: `kill ${node}`,
        apply: [{ kind: "kill", nodes: [node] }],
        undo: [{ kind: "restart", nodes: [node], hard: false, timeoutMs: 5000 }],
      };
    }
    case "restart": {
      if (running.length < 1) return undefined;
      const [node] = rng.shuffle(running) as [string];
      const hard = rng.next() < 0.5;
      return { fault, label: `restart ${node}${hard ? " (hard)" : ""}`, apply: [{ kind: "restart", nodes: [node], hard, timeoutMs: 5000 }], undo: [] };
    }
    case "pause": {
      if (running.length < 2) return undefined;
      const [node] = rng.shuffle(running) as [string];
      return { fault, label: `pause ${node}`, apply: [{ kind: "pause", nodes: [node] }], undo: [{ kind: "resume", nodes: [node] }] };
    }
    case "flaky": {
      const links = rng.shuffle(liveLinks(history)).slice(0, Math.max(1, Math.ceil(liveLinks(history).length / 2)));
      if (links.length === 0) return undefined;
      const shape = { delayMs: rng.int(20, 200), jitterMs: rng.int(0, 50), loss: rng.int(0, 30) / 100 };
      return {
        fault,
        label: `flaky ${links.length} link${links.length === 1 ? "" : "s"}: ${shape.delayMs} ms ±${shape.jitterMs} ms, loss ${Math.round(shape.loss * 100)}%`,
        apply: [{ kind: "shape", links, shape }],
        undo: [{ kind: "shape", links, shape: CLEAN_LINK }],
      };
    }
    case "bandwidth": {
      const links = rng.shuffle(liveLinks(history)).slice(0, Math.max(1, Math.ceil(liveLinks(history).length / 2)));
      if (links.length === 0) return undefined;
      const shape = { ...CLEAN_LINK, bandwidthBytesPerSec: rng.int(2, 20) * 1000 };
      return {
        fault,
        label: `bandwidth ${shape.bandwidthBytesPerSec} B/s on ${links.length} link${links.length === 1 ? "" : "s"}`,
        apply: [{ kind: "shape", links, shape }],
        undo: [{ kind: "shape", links, shape: CLEAN_LINK }],
      };
    }
    case "reset": {
      const links = rng.shuffle(liveLinks(history)).slice(0, Math.max(1, Math.ceil(liveLinks(history).length / 3)));
      if (links.length === 0) return undefined;
      return { fault, label: `reset connections on ${links.length} link${links.length === 1 ? "" : "s"}`, apply: [{ kind: "reset", links }], undo: [] };
    }
  }
}

/** Draw a fault of one of `faults` that applies now (tries each kind at most once, in a seeded order). */
export function drawAnyFault(faults: readonly NemesisFault[], rng: SeededRandom, history: NetworkHistory): DrawnFault | undefined {
  for (const fault of rng.shuffle(faults)) {
    const drawn = drawFault(fault, rng, history);
    if (drawn) return drawn;
  }
  return undefined;
}
