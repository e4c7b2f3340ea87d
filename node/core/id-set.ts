/**
 * A set of number identities (origin, seq), for what a replica learned recently, what it announces on a link, what a
 * repair or a pull brought. In a big network most origins write one number, so number 1 of an origin the index knows
 * is one bit, by the origin's number; everything else is ranges by origin name. Each origin is in one of the two.
 */
import type { OriginIndex } from "./origin-index.js";
import { SeqRanges, type Range } from "./seq-ranges.js";

export class IdSet {
  /** Bit `id` set: number 1 of origin `id` is in the set (and the origin has no entry in `more`). */
  private bits: Uint32Array | undefined;
  private ones = 0;
  private more: Map<string, SeqRanges> | undefined;

  constructor(private readonly index: OriginIndex) {}

  /** How many origins have a number in the set. */
  get size(): number {
    return this.ones + (this.more?.size ?? 0);
  }

  has(origin: string, seq: number): boolean {
    if (seq === 1 && this.ones) {
      const id = this.index.find(origin);
      if (id !== undefined && this.bit(id)) return true;
    }
    return this.more?.get(origin)?.has(seq) ?? false;
  }

  add(origin: string, seq: number): void {
    this.addRange(origin, seq, seq);
  }

  addRange(origin: string, lo: number, hi: number): void {
    if (lo === 1 && hi === 1 && !this.more?.has(origin)) {
      const id = this.index.find(origin);
      if (id !== undefined) return this.setBit(id);
    }
    this.ranges(origin).addRange(lo, hi);
  }

  addSeqs(origin: string, seqs: SeqRanges): void {
    this.ranges(origin).addAll(seqs);
  }

  /** Union with another set (over the same index). */
  addAll(other: IdSet): void {
    const bits = other.bits;
    if (bits && other.ones) {
      for (let w = 0; w < bits.length; w++) {
        let word = bits[w]!;
        while (word) {
          const low = word & -word;
          const id = w * 32 + (31 - Math.clz32(low));
          word ^= low;
          const mine = this.more?.get(this.index.name(id));
          if (mine) mine.addRange(1, 1);
          else this.setBit(id);
        }
      }
    }
    for (const [origin, set] of other.more ?? []) this.ranges(origin).addAll(set);
  }

  /** The set as a digest: origin -> ranges (new arrays). */
  toDigest(): Record<string, Range[]> {
    const out: Record<string, Range[]> = {};
    if (this.bits && this.ones) {
      for (let w = 0; w < this.bits.length; w++) {
        let word = this.bits[w]!;
        while (word) {
          const low = word & -word;
          word ^= low;
          out[this.index.name(w * 32 + (31 - Math.clz32(low)))] = [[1, 1]];
        }
      }
    }
    for (const [origin, set] of this.more ?? []) out[origin] = set.toJSON();
    return out;
  }

  /** The entry in `more` for an origin, made (taking over its bit) if it has none. */
  private ranges(origin: string): SeqRanges {
    const more = (this.more ??= new Map());
    let set = more.get(origin);
    if (!set) {
      set = new SeqRanges();
      more.set(origin, set);
      const id = this.ones ? this.index.find(origin) : undefined;
      if (id !== undefined && this.bit(id)) {
        const bits = this.bits!;
        bits[id >>> 5] = bits[id >>> 5]! & ~(1 << (id & 31));
        this.ones--;
        set.addRange(1, 1);
      }
    }
    return set;
  }

  private bit(id: number): boolean {
    const bits = this.bits;
    return bits !== undefined && id >>> 5 < bits.length && (bits[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  private setBit(id: number): void {
    const w = id >>> 5;
    if (!this.bits || w >= this.bits.length) {
      const grown = new Uint32Array(Math.max(w + 1, Math.min(2 * (this.bits?.length ?? 0), (this.index.size + 31) >>> 5)));
      if (this.bits) grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (id & 31);
    if (!(this.bits[w]! & mask)) {
      this.bits[w] = this.bits[w]! | mask;
      this.ones++;
    }
  }
}
