import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DEFAULT_TIMING, Replica } from "./replica.js";
import { TimedNet } from "./timed-net.js";
import { connectedGraph, seeded } from "../../test/support/graphs.js";

/** A connected random graph: a random spanning tree plus a few more links. */
const graph = connectedGraph(3, 12, 1);

/**
 * Where each replica pushes: `adj[v]` holds w when v's end of the link to w is eager (the two ends may disagree, after
 * a prune and a graft crossed).
 */
function eagerGraph(net: TimedNet, n: number, edges: readonly (readonly [number, number])[]): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    if (net.replicas[a]!.linkMode(net.linkFrom(a, b)!)?.eager) adj[a]!.push(b);
    if (net.replicas[b]!.linkMode(net.linkFrom(b, a)!)?.eager) adj[b]!.push(a);
  }
  return adj;
}

/**
 * Hops from `v` to the farthest node its pushes to `w` reach (w pushes on, to every eager end but v's, and so on), or
 * undefined when they can go round a cycle (the eager links there were never pruned into a tree: nobody can know).
 */
function hopsThrough(adj: number[][], v: number, w: number, onPath = new Set<string>()): number | undefined {
  const edge = `${v}>${w}`;
  if (onPath.has(edge)) return undefined;
  onPath.add(edge);
  let best = 1;
  for (const u of adj[w]!) {
    if (u === v) continue;
    const h = hopsThrough(adj, w, u, onPath);
    if (h === undefined) return undefined;
    best = Math.max(best, 1 + h);
  }
  onPath.delete(edge);
  return best;
}

describe("depth/1: tree links that know how deep the tree behind them is", () => {
  it("every eager link learns the hops to the farthest peer behind it (unknown behind a cycle), and the link's delay", () => {
    let known = 0;
    let unknown = 0;
    fc.assert(
      fc.property(graph, fc.boolean(), fc.integer(), ({ n, edges: all }, spanning, seed) => {
        // The random spanning tree alone (every link's depth is known), or with the extra links (cycles may stay eager).
        const edges = spanning ? all.slice(0, n - 1) : all;
        const rnd = seeded(seed);
        const net = new TimedNet(n, () => 100);
        for (const [a, b] of edges) net.connect(a, b);
        net.run(1000);
        // Numbers from everywhere shape the tree (duplicates prune the links that close cycles).
        for (let i = 0; i < 4 * n; i++) {
          net.inject(Math.floor(rnd() * n), [BigInt(i)]);
          net.run(net.now + 30);
        }
        net.run(net.now + 20_000);
        for (const r of net.replicas) expect(r.count).toBe(4 * n);
        const adj = eagerGraph(net, n, edges);
        if (spanning) for (let v = 0; v < n; v++) for (const w of adj[v]!) expect(hopsThrough(adj, v, w)).toBeDefined();
        for (let v = 0; v < n; v++) {
          for (const w of adj[v]!) {
            const d = net.replicas[v]!.linkDepth(net.linkFrom(v, w)!)!;
            expect(d.depth).toBe(true);
            const hops = hopsThrough(adj, v, w);
            expect(d.hops).toBe(hops);
            expect(d.oneWayMs).toBe(100);
            if (hops === undefined) unknown++;
            else known++;
          }
        }
      }),
      { numRuns: 60 },
    );
    // A graph with cycles often keeps a cycle of eager links (a frame that brings anything new prunes nothing); the
    // spanning trees do not.
    expect(known).toBeGreaterThan(0);
    expect(unknown).toBeGreaterThan(0);
  });

  it("a number bound for a shallower branch waits for more company, and is still seen everywhere no later", () => {
    // Peer 0 has a deep branch (0 - 1 - 2 - 3) and two leaves (4, 5), and writes a number every 10 ms for 2 s.
    const run = (depth: boolean) => {
      const net = new TimedNet(6, () => 100, "tree", undefined, () => depth);
      for (const [a, b] of [[0, 1], [1, 2], [2, 3], [0, 4], [0, 5]] as const) net.connect(a, b);
      net.run(1000);
      const seen = new Map<string, number>();
      const stableAt = new Map<string, number>();
      net.onLearned = (_replica, numbers, at) => {
        for (const x of numbers) {
          const id = `${x.origin}:${x.seq}`;
          const k = (seen.get(id) ?? 0) + 1;
          seen.set(id, k);
          if (k === 6) stableAt.set(id, at);
        }
      };
      const before = net.sent.length;
      const start = net.now;
      const latencies: number[] = [];
      const writtenAt = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        net.run(start + i * 10);
        const [record] = net.replicas[0]!.allocate([BigInt(i + 1)]);
        writtenAt.set(`${record!.origin}:${record!.seq}`, net.now);
        net.addLocal(0, [record!]);
      }
      net.run(net.now + 3000);
      for (const r of net.replicas) expect(r.count).toBe(200);
      for (const [id, at] of writtenAt) latencies.push(stableAt.get(id)! - at);
      const pushes = net.sent.slice(before).filter((s) => s.msg.type === "numbers");
      const toLeaf = pushes.filter((s) => s.link === net.linkFrom(0, 4)).length;
      const toDeep = pushes.filter((s) => s.link === net.linkFrom(0, 1)).length;
      return { toLeaf, toDeep, latencies: latencies.sort((a, b) => a - b), hopsToLeaf: net.replicas[0]!.linkDepth(net.linkFrom(0, 4)!)!.hops };
    };
    const withDepth = run(true);
    const alone = run(false);
    expect(withDepth.hopsToLeaf).toBe(1);
    expect(alone.hopsToLeaf).toBeUndefined();
    // The deep branch gets the same frames either way; the leaf about one per (3 - 1) hops x 100 ms, not per treeBatchMs.
    expect(withDepth.toDeep).toBe(alone.toDeep);
    expect(alone.toLeaf).toBeGreaterThanOrEqual(Math.floor((200 * 10) / DEFAULT_TIMING.treeBatchMs));
    expect(withDepth.toLeaf).toBeLessThanOrEqual(Math.ceil((200 * 10) / 200) + 1);
    // Every number is seen everywhere as early as without depth/1: the deep branch decides when.
    expect(withDepth.latencies).toEqual(alone.latencies);
  });

  it("speaks tree/1 alone with a peer that does not take depth/1, and mixed networks converge exactly", () => {
    fc.assert(
      fc.property(
        graph,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 3000 })), { minLength: 1, maxLength: 20 }),
        fc.integer(),
        ({ n, edges }, takes, injections, seed) => {
          const rnd = seeded(seed);
          const net = new TimedNet(n, () => 1 + rnd() * 120, "tree", undefined, (i) => takes[i]!);
          for (const [a, b] of edges) net.connect(a, b);
          net.run(500);
          let expected = 0n;
          for (const [at, value, time] of [...injections].sort((x, y) => x[2] - y[2])) {
            net.run(500 + time);
            net.inject(at % n, [BigInt(value)]);
            expected += BigInt(value);
          }
          net.run(net.now + 30_000);
          for (const r of net.replicas) {
            expect(r.count).toBe(injections.length);
            expect(r.total).toBe(expected);
          }
          // No depth/1 message crosses a link one of whose ends does not take it.
          const plain = new Set<number>();
          for (const [a, b] of edges) {
            if (takes[a] && takes[b]) continue;
            plain.add(net.linkFrom(a, b)!);
            plain.add(net.linkFrom(b, a)!);
          }
          const crossed = net.sent.filter((s) => plain.has(s.link) && ["depth", "ping", "pong"].includes(s.msg.type));
          expect(crossed).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("negotiates depth/1 with tree/1, and ignores its messages on a link that did not take it", () => {
    const dialer = new Replica({ nodeId: "d", origin: "d@1", dissemination: "tree" });
    dialer.linkUp(1, "a", "dialer", 0);
    const old = new Replica({ nodeId: "a", origin: "a@1", dissemination: "tree", depth: false });
    old.linkUp(7, "d", "acceptor", 0);
    const offer = old.receive(7, { type: "hello", protocol: "sumnet/1", node: "d" }, 1);
    expect(offer).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ extensions: ["tree/1"] }) }));
    const taken = dialer.receive(1, { type: "hello", protocol: "sumnet/1", node: "a", extensions: ["tree/1"] }, 2);
    expect(taken).toContainEqual({ kind: "send", link: 1, message: { type: "upgrade", extensions: ["tree/1"] } });
    expect(taken.some((o) => o.kind === "send" && ["depth", "ping"].includes(o.message.type))).toBe(false);
    expect(dialer.linkDepth(1)).toEqual({ depth: false, hops: undefined, oneWayMs: undefined, pending: false });
    // A peer that sends depth/1's messages anyway is neither answered nor cut off.
    expect(dialer.receive(1, { type: "ping", t: 5 }, 3)).toEqual([]);
    expect(dialer.receive(1, { type: "depth", hops: 3 }, 3)).toEqual([]);
    expect(dialer.linkDepth(1)?.hops).toBeUndefined();

    // Both take it: the upgrade names both, each side says how deep the tree behind it is, and the hellos gave the
    // first round trip (the dialer's hello at 0, the acceptor's answer at 10).
    const d2 = new Replica({ nodeId: "d", origin: "d@1", dissemination: "tree" });
    d2.linkUp(1, "a", "dialer", 0);
    const up = d2.receive(1, { type: "hello", protocol: "sumnet/1", node: "a", extensions: ["tree/1", "depth/1"] }, 10);
    const sent = up.flatMap((o) => (o.kind === "send" ? [o.message] : []));
    expect(sent).toEqual([
      { type: "upgrade", extensions: ["tree/1", "depth/1"] },
      { type: "depth", hops: 0 },
    ]);
    expect(d2.linkDepth(1)).toEqual({ depth: true, hops: undefined, oneWayMs: 5, pending: false });
    expect(d2.receive(1, { type: "ping", t: 99 }, 11)).toEqual([{ kind: "send", link: 1, message: { type: "pong", t: 99 } }]);
    d2.receive(1, { type: "depth", hops: 2 }, 12);
    expect(d2.linkDepth(1)?.hops).toBe(3);

    // The acceptor's round trip: from its hello to the upgrade.
    const a2 = new Replica({ nodeId: "a", origin: "a@1", dissemination: "tree" });
    a2.linkUp(7, "d", "acceptor", 0);
    a2.receive(7, { type: "hello", protocol: "sumnet/1", node: "d" }, 100);
    a2.receive(7, { type: "upgrade", extensions: ["tree/1", "depth/1"] }, 340);
    expect(a2.linkDepth(7)?.oneWayMs).toBe(120);
  });

  it("measures a link's round trip again every pingIntervalMs while it carries pushes, and never at rest", () => {
    const t = DEFAULT_TIMING.pingIntervalMs;
    const r = new Replica({ nodeId: "d", origin: "d@1", dissemination: "tree", now: 0 });
    r.linkUp(1, "a", "dialer", 0);
    r.receive(1, { type: "hello", protocol: "sumnet/1", node: "a", extensions: ["tree/1", "depth/1"] }, 200);
    const pings = (out: ReturnType<Replica["tick"]>) => out.flatMap((o) => (o.kind === "send" && o.message.type === "ping" ? [o.message] : []));
    // At rest: nothing, however long.
    for (let at = 1000; at <= 5 * t; at += 1000) expect(pings(r.tick(at))).toEqual([]);
    // A push: the link is measured again with it (more than pingIntervalMs since it became a depth link, at 200).
    r.addLocal(r.allocate([1n]), 5 * t);
    const withPush = r.tick(5 * t + 10);
    expect(withPush.some((o) => o.kind === "send" && o.message.type === "numbers")).toBe(true);
    expect(pings(withPush)).toEqual([{ type: "ping", t: 5 * t + 10 }]);
    // More pushes right after: no ping while one waits for its pong.
    r.addLocal(r.allocate([2n]), 5 * t + 20);
    expect(pings(r.tick(5 * t + 30))).toEqual([]);
    // A pong that answers no ping is ignored; the right one is a round trip.
    r.receive(1, { type: "pong", t: 3 }, 5 * t + 50);
    expect(r.linkDepth(1)?.oneWayMs).toBe(100);
    r.receive(1, { type: "pong", t: 5 * t + 10 }, 5 * t + 90);
    expect(r.linkDepth(1)?.oneWayMs).toBe(40);
    // Pushes since that ping: the next comes pingIntervalMs after it, not before.
    expect(pings(r.tick(6 * t))).toEqual([]);
    expect(r.nextTickAt()).toBeLessThanOrEqual(6 * t + 10);
    expect(pings(r.tick(6 * t + 10))).toEqual([{ type: "ping", t: 6 * t + 10 }]);
    r.receive(1, { type: "pong", t: 6 * t + 10 }, 6 * t + 200);
    // Nothing pushed since: no more pings.
    for (let at = 7 * t; at <= 12 * t; at += 1000) expect(pings(r.tick(at))).toEqual([]);
  });

  it("tells a link at most one depth per 100 ms however fast depths chase round cycles, the latest in the end, and none at rest", () => {
    // explore --runtime sim, seed 93998: on a full mesh of 6 under a nemesis, with links of a few ms, depths chased each
    // other round a cycle of eager links (16, 18, 21, 16, ...) and a peer sent 3.6 million within 5 ms of virtual time.
    let sent = 0;
    fc.assert(
      fc.property(connectedGraph(3, 8, 6), fc.integer(), fc.array(fc.nat(), { maxLength: 6 }), ({ n, edges }, seed, cuts) => {
        const rnd = seeded(seed);
        const net = new TimedNet(n, () => rnd() * 3);
        for (const [a, b] of edges) net.connect(a, b);
        net.run(50);
        for (let i = 0; i < 6 * n; i++) {
          net.inject(Math.floor(rnd() * n), [BigInt(i)]);
          net.run(net.now + 1 + rnd() * 20);
          // Cut a link now and then and restore it soon after: the eager links change under the depths in flight.
          if (cuts.length && i % 5 === 0) {
            const [a, b] = edges[cuts[i % cuts.length]! % edges.length]!;
            net.cut(a, b);
            net.run(net.now + 30);
            net.connect(a, b);
          }
        }
        const busyUntil = net.now;
        net.run(net.now + 20_000);
        for (const r of net.replicas) expect(r.count).toBe(6 * n);
        const depths = net.sent.filter((x) => x.msg.type === "depth");
        sent += depths.length;
        const last = new Map<number, number>();
        for (const d of depths) {
          const prev = last.get(d.link);
          if (prev !== undefined) expect(d.at - prev).toBeGreaterThanOrEqual(100);
          last.set(d.link, d.at);
        }
        // At rest the depths settle: nothing after the last change has had time to go round.
        expect(depths.filter((d) => d.at > busyUntil + 10_000)).toEqual([]);
        // No value is left waiting for its turn, and each side knows what the other last told it.
        for (const [a, b] of edges) {
          for (const [v, w] of [[a, b], [b, a]] as const) {
            const link = net.linkFrom(v, w)!;
            expect(net.replicas[v]!.linkDepth(link)?.pending).toBe(false);
            const told = depths.filter((d) => d.link === link).at(-1)?.msg;
            const heard = net.replicas[w]!.linkDepth(net.linkFrom(w, v)!)!;
            if (told?.type === "depth" && heard.depth) expect(heard.hops).toBe(told.hops === null ? undefined : told.hops + 1);
          }
        }
      }),
      { numRuns: 80 },
    );
    expect(sent).toBeGreaterThan(0);
  });
});
