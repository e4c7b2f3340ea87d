/**
 * A set of positive integer sequence numbers, kept as sorted, disjoint, non-adjacent inclusive ranges.
 * A digest is one of these per origin: it stays compact because an origin's numbers are mostly contiguous.
 */
export type Range = [lo: number, hi: number];

export class SeqRanges {
  // Invariant: sorted by lo, and for consecutive a, b: a.hi + 1 < b.lo.
  private ranges: [number, number][] = [];

  static from(ranges: readonly Range[]): SeqRanges {
    const set = new SeqRanges();
    for (const [lo, hi] of ranges) set.addRange(lo, hi);
    return set;
  }

  get size(): number {
    let n = 0;
    for (const [lo, hi] of this.ranges) n += hi - lo + 1;
    return n;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Highest sequence number held, or 0. */
  get max(): number {
    const last = this.ranges[this.ranges.length - 1];
    return last ? last[1] : 0;
  }

  toJSON(): Range[] {
    return this.ranges.map(([lo, hi]) => [lo, hi]);
  }

  clone(): SeqRanges {
    const copy = new SeqRanges();
    copy.ranges = this.ranges.map(([lo, hi]) => [lo, hi]);
    return copy;
  }

  has(seq: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (seq < r[0]) hi = mid - 1;
      else if (seq > r[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Adds one sequence number; returns true when it was not already present. */
  add(seq: number): boolean {
    if (this.has(seq)) return false;
    this.addRange(seq, seq);
    return true;
  }

  addRange(lo: number, hi: number): void {
    if (hi < lo) return;
    // Fast path: appending at the end, the common case for an origin's stream.
    const last = this.ranges[this.ranges.length - 1];
    if (!last || lo > last[1] + 1) {
      this.ranges.push([lo, hi]);
      return;
    }
    if (lo >= last[0]) {
      last[1] = Math.max(last[1], hi);
      return;
    }
    const out: [number, number][] = [];
    let placed = false;
    let cur: [number, number] = [lo, hi];
    for (const r of this.ranges) {
      if (r[1] + 1 < cur[0]) out.push(r);
      else if (cur[1] + 1 < r[0]) {
        if (!placed) {
          out.push(cur);
          placed = true;
        }
        out.push(r);
      } else cur = [Math.min(cur[0], r[0]), Math.max(cur[1], r[1])];
    }
    if (!placed) out.push(cur);
    this.ranges = out;
  }

  addAll(other: SeqRanges): void {
    for (const [lo, hi] of other.ranges) this.addRange(lo, hi);
  }

  /** The sequence numbers in this set that `other` lacks, as ranges. */
  minus(other: SeqRanges | undefined): Range[] {
    if (!other || other.ranges.length === 0) return this.toJSON();
    const out: Range[] = [];
    let j = 0;
    const theirs = other.ranges;
    for (const [lo0, hi] of this.ranges) {
      let lo = lo0;
      while (j < theirs.length && theirs[j]![1] < lo) j++;
      let k = j;
      while (lo <= hi) {
        const t = theirs[k];
        if (!t || t[0] > hi) {
          out.push([lo, hi]);
          break;
        }
        if (t[0] > lo) out.push([lo, t[0] - 1]);
        lo = Math.max(lo, t[1] + 1);
        k++;
      }
    }
    return out;
  }

  equals(other: SeqRanges): boolean {
    if (this.ranges.length !== other.ranges.length) return false;
    return this.ranges.every(([lo, hi], i) => other.ranges[i]![0] === lo && other.ranges[i]![1] === hi);
  }
}
