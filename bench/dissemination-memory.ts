/**
 * The load of `bench:dissemination` driven in memory (node/core/timed-net.ts): the same topologies, 100 ms per link,
 * 100 numbers per second at random nodes, no processes, so the figures show the protocol alone, without the CPU of 25
 * processes on 2 cores. Seconds of wall time per run: the fast feedback loop for tuning tree/1.
 */
import type { Topology } from "../harness/topology/generators.js";
import { seededRandom } from "../harness/base/seeded-random.js";
import { TimedNet } from "../node/core/timed-net.js";
import type { Dissemination, ReplicaTiming } from "../node/core/replica.js";

export interface MemoryLoadResult {
  numbers: number;
  unstable: number;
  /** Frames sent from the first number until the last became stable, per number. */
  framesPerNumber: number;
  p50: number;
  p95: number;
  max: number;
  /** Frames of each type, per number. */
  byType: Record<string, number>;
  /** Median of the numbers' floors: each number's writer's eccentricity (hops to its farthest node) x the delay. */
  floorP50: number;
}

/** Hops from every node to its farthest node (the latency floor of a number injected there is that times the delay). */
export function eccentricities(t: Topology): Map<string, number> {
  const adj = new Map<string, string[]>(t.nodes.map((n) => [n, []]));
  for (const l of t.links) {
    adj.get(l.from)!.push(l.to);
    adj.get(l.to)!.push(l.from);
  }
  const out = new Map<string, number>();
  for (const s of t.nodes) {
    const dist = new Map([[s, 0]]);
    const q = [s];
    for (let i = 0; i < q.length; i++) {
      for (const m of adj.get(q[i]!)!) {
        if (!dist.has(m)) {
          dist.set(m, dist.get(q[i]!)! + 1);
          q.push(m);
        }
      }
    }
    out.set(s, Math.max(...dist.values()));
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

export function memoryLoad(
  t: Topology,
  mode: Dissemination,
  opts: {
    seconds?: number;
    rate?: number;
    delayMs?: number;
    timing?: Partial<ReplicaTiming>;
    depth?: boolean;
    /** The node that writes the first number, which shapes the tree (default the first node). */
    first?: number;
  } = {},
): MemoryLoadResult {
  const { seconds = 5, rate = 100, delayMs = 100, depth = true } = opts;
  const rnd = seededRandom(9);
  const index = new Map(t.nodes.map((id, i) => [id, i]));
  const n = t.nodes.length;
  const net = new TimedNet(n, () => delayMs, mode, opts.timing, () => depth);
  for (const l of t.links) net.connect(index.get(l.from)!, index.get(l.to)!);
  net.run(1000);
  // A first number shapes the tree, as in the benchmark with processes.
  net.inject(opts.first ?? 0, [1n]);
  net.run(3000);
  const pending = new Map<string, { at: number; count: number; stable?: number }>();
  const ecc = eccentricities(t);
  const floors: number[] = [];
  net.onLearned = (_replica, numbers, at) => {
    for (const x of numbers) {
      const p = pending.get(`${x.origin}:${x.seq}`);
      if (p && ++p.count === n) p.stable = at;
    }
  };
  const sentBefore = net.sent.length;
  const total = seconds * rate;
  const start = net.now;
  for (let i = 0; i < total; i++) {
    net.run(start + (i * 1000) / rate);
    const at = rnd.int(0, n - 1);
    floors.push(ecc.get(t.nodes[at]!)! * delayMs);
    const replica = net.replicas[at]!;
    const [record] = replica.allocate([BigInt(i + 2)]);
    pending.set(`${record!.origin}:${record!.seq}`, { at: net.now, count: 0 });
    net.addLocal(at, [record!]);
  }
  const deadline = net.now + 60_000;
  while (net.now < deadline && [...pending.values()].some((p) => p.stable === undefined)) net.run(net.now + 50);
  const sent = net.sent.slice(sentBefore);
  const byType: Record<string, number> = {};
  for (const s of sent) byType[s.msg.type] = (byType[s.msg.type] ?? 0) + 1 / total;
  const lat = [...pending.values()].filter((p) => p.stable !== undefined).map((p) => p.stable! - p.at).sort((a, b) => a - b);
  return {
    numbers: total,
    unstable: total - lat.length,
    framesPerNumber: sent.length / total,
    p50: quantile(lat, 0.5),
    p95: quantile(lat, 0.95),
    max: lat[lat.length - 1] ?? NaN,
    byType,
    floorP50: quantile(floors.sort((a, b) => a - b), 0.5),
  };
}
