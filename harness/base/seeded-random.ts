/**
 * Deterministic pseudo-random numbers (mulberry32) so that topologies, injected values, jitter and loss repeat
 * exactly for a given seed.
 */
export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive), safe integers only. */
  int(min: number, max: number): number;
  /** Uniform bigint in [min, max] (inclusive), any size. */
  bigint(min: bigint, max: bigint): bigint;
  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** A new independent stream derived from this one and a label. */
  fork(label: string): SeededRandom;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextUint32() / 4294967296;
  const self: SeededRandom = {
    next,
    int(min, max) {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
        throw new RangeError(`int(${min}, ${max}): expected safe integers with min <= max`);
      }
      return min + Math.floor(next() * (max - min + 1));
    },
    bigint(min, max) {
      if (max < min) throw new RangeError(`bigint(${min}, ${max}): expected min <= max`);
      const span = max - min + 1n;
      // Draw enough 32-bit words to cover span with margin, then reduce (bias is negligible with 64 extra bits).
      const words = Math.ceil(span.toString(2).length / 32) + 2;
      let acc = 0n;
      for (let i = 0; i < words; i++) acc = (acc << 32n) | BigInt(nextUint32());
      return min + (acc % span);
    },
    shuffle(items) {
      const copy = items.slice();
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as (typeof copy)[number], copy[i] as (typeof copy)[number]];
      }
      return copy;
    },
    fork(label) {
      let h = nextUint32() ^ 0x9e3779b9;
      for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
      return seededRandom(h);
    },
  };
  return self;
}

/**
 * A seed derived from a base seed and a label (FNV-1a over "base:label", then murmur3's finaliser), stable across runs
 * and independent of call order. The base is hashed only as text: XOR-ing it into the start as well cancelled out
 * against its own first digit, so that seeds 0 to 9 all derived the same seed for every label.
 */
export function deriveSeed(base: number, label: string): number {
  let h = 0x811c9dc5;
  const text = `${base}:${label}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
