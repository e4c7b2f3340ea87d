/**
 * An order-independent hash of a set of (origin, seq) identities, updated in O(1) per identity added: the sum, in
 * each of two 32-bit lanes, of a hash of every identity. Two replicas holding the same set have the same count and
 * hash whatever order they learned it in; the anti-entropy summary of tree/1 compares these instead of digests.
 */
export class SetHash {
  private a = 0;
  private b = 0;

  add(origin: string, seq: number): void {
    const h = originHash(origin);
    this.a = (this.a + laneA(h, seq)) >>> 0;
    this.b = (this.b + laneB(h, seq)) >>> 0;
  }

  /** Adds the lanes of another set (disjoint from this one): a share worked out once and added to many. */
  addShare(a: number, b: number): void {
    this.a = (this.a + a) >>> 0;
    this.b = (this.b + b) >>> 0;
  }

  lanes(): [number, number] {
    return [this.a, this.b];
  }

  toHex(): string {
    return this.a.toString(16).padStart(8, "0") + this.b.toString(16).padStart(8, "0");
  }
}

const originHashes = new Map<string, [number, number]>();

/** Two independent 32-bit hashes of "origin seq" (FNV-1a of the origin, then mixed with the seq). */
export function identityHash(origin: string, seq: number): [number, number] {
  const h = originHash(origin);
  return [laneA(h, seq), laneB(h, seq)];
}

function originHash(origin: string): readonly [number, number] {
  let h = originHashes.get(origin);
  if (!h) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < origin.length; i++) {
      const c = origin.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h = [h1 >>> 0, h2 >>> 0];
    if (originHashes.size < 1_000_000) originHashes.set(origin, h);
  }
  return h;
}

function laneA(h: readonly [number, number], seq: number): number {
  const hi = Math.floor(seq / 0x1_0000_0000) >>> 0;
  return mix(h[0] ^ mix((seq >>> 0) ^ 0x9e3779b9) ^ Math.imul(hi, 0x85ebca6b));
}

function laneB(h: readonly [number, number], seq: number): number {
  const hi = Math.floor(seq / 0x1_0000_0000) >>> 0;
  return mix(h[1] ^ mix((seq >>> 0) + 0x7f4a7c15) ^ Math.imul(hi, 0xc2b2ae35));
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
