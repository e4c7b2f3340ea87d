/**
 * Real peers on 127.0.0.1 in several shapes: numbers injected concurrently at every peer, some beyond 2^64, some
 * negative; every GET /total must equal the exact sum.
 */
import { afterEach, describe, expect, it } from "vitest";
import { seededRandom, type SeededRandom } from "../../harness/base/seeded-random.js";
import { PeerProcesses, type PeerSpec } from "../support/peer-processes.js";

let peers: PeerProcesses;
afterEach(async () => {
  await peers?.dispose();
});

type Edge = [number, number];
const line = (n: number): Edge[] => Array.from({ length: n - 1 }, (_, i) => [i + 1, i]);
const ring = (n: number): Edge[] => [...line(n), [0, n - 1]];
const star = (n: number): Edge[] => Array.from({ length: n - 1 }, (_, i) => [i + 1, 0]);
/** A random spanning tree (so it is connected) plus extra random edges. */
function randomConnected(n: number, extra: number, rnd: SeededRandom): Edge[] {
  const edges: Edge[] = [];
  for (let i = 1; i < n; i++) edges.push([i, rnd.int(0, i - 1)]);
  for (let k = 0; k < extra; k++) {
    const a = rnd.int(0, n - 1);
    const b = rnd.int(0, n - 1);
    if (a !== b) edges.push([a, b]);
  }
  return edges;
}

function specs(n: number, edges: Edge[]): PeerSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    dials: edges.filter(([a]) => a === i).map(([, b]) => `p${b}`),
  }));
}

/** 200+ values: small, negative, and beyond 2^64 either way. */
function values(rnd: SeededRandom, count: number): bigint[] {
  return Array.from({ length: count }, (_, i) => {
    switch (i % 4) {
      case 0:
        return rnd.bigint(2n ** 64n, 2n ** 100n);
      case 1:
        return -rnd.bigint(1n, 2n ** 70n);
      default:
        return BigInt(rnd.int(-1000, 1000));
    }
  });
}

describe.each([
  ["a line of 5", 5, line(5)],
  ["a ring of 6", 6, ring(6)],
  ["a star of 7", 7, star(7)],
  ["a random connected graph of 20", 20, randomConnected(20, 12, seededRandom(20))],
])("%s", (_name, n, edges) => {
  it("reports the exact sum of numbers injected concurrently at every peer", async () => {
    peers = new PeerProcesses();
    await peers.startAll(specs(n, edges));
    const rnd = seededRandom(n);
    const perPeer = Math.ceil(200 / n);
    const injected: bigint[] = [];
    // Concurrently at every peer: single POSTs and batches, decimal strings and JSON integers.
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const vs = values(rnd.fork(`p${i}`), perPeer);
        injected.push(...vs);
        const half = Math.floor(vs.length / 2);
        await Promise.all(
          vs.slice(0, half).map(async (v) => {
            const r = await peers.post(`p${i}`, `{"value": ${v % 3n === 0n ? v.toString() : JSON.stringify(v.toString())}}`);
            expect(r.status).toBe(201);
          }),
        );
        const r = await peers.post(`p${i}`, { values: vs.slice(half).map(String) });
        expect(r.status).toBe(201);
        expect(r.json.numbers).toHaveLength(vs.length - half);
      }),
    );
    expect(injected.length).toBeGreaterThanOrEqual(200);
    const total = injected.reduce((a, b) => a + b, 0n);
    await peers.converge({ total, count: injected.length });
  });
});
