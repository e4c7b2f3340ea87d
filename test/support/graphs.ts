/**
 * For the replica's tests in a timed network (timed-net.ts): random connected graphs for fast-check, and a seeded
 * stream of numbers for delays and choices (xorshift32), so a failing case replays exactly from its seed.
 */
import fc from "fast-check";

/** A connected graph of `min` to `max` nodes: a random spanning tree first (`edges.slice(0, n - 1)`), then up to `extra` x n more links. */
export function connectedGraph(min: number, max: number, extra: number): fc.Arbitrary<{ n: number; edges: [number, number][] }> {
  return fc.integer({ min, max }).chain((n) =>
    fc
      .tuple(
        fc.array(fc.nat(), { minLength: n - 1, maxLength: n - 1 }),
        fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })), { maxLength: Math.round(extra * n) }),
      )
      .map(([parents, more]) => {
        const edges: [number, number][] = parents.map((p, i) => [i + 1, p % (i + 1)]);
        const seen = new Set(edges.map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`));
        for (const [a, b] of more) {
          const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
          if (a !== b && !seen.has(key)) {
            edges.push([a, b]);
            seen.add(key);
          }
        }
        return { n, edges };
      }),
  );
}

export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}
