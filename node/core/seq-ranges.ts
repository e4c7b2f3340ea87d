/**
 * A set of positive integer sequence numbers, kept as sorted, disjoint, non-adjacent inclusive ranges.
 * A digest is one of these per origin: it stays compact because an origin's numbers are mostly contiguous.
 */
export type Range = [lo: number, hi: number];

export class SeqRanges {
  // Invariant: sorted by lo, and for consecutive a, b: a.hi + 1 < b.lo.
  private ranges: [number, number][] = [];

  /** Any ranges, in any order, overlapping or not. O(n log n): a peer's digest may list them in any order. */
  static from(ranges: readonly Range[]): SeqRanges {
    const set = new SeqRanges();
    const sorted = ranges.filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
    for (const [lo, hi] of sorted) {
      const last = set.ranges[set.ranges.length - 1];
      if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
      else set.ranges.push([lo, hi]);
    }
    return set;
  }

  /** Single sequence numbers, in any order, duplicates allowed. O(n log n). */
  static fromSeqs(seqs: readonly number[]): SeqRanges {
    // One pass, with no pair per seq: seqs mostly come in order (a frame lists an origin's numbers as they were
    // written), and are sorted as plain numbers when not.
    let ordered = true;
    for (let i = 1; i < seqs.length && ordered; i++) ordered = seqs[i - 1]! <= seqs[i]!;
    const list = ordered ? seqs : [...seqs].sort((a, b) => a - b);
    const set = new SeqRanges();
    let last: [number, number] | undefined;
    for (const seq of list) {
      if (last && seq <= last[1] + 1) {
        if (seq > last[1]) last[1] = seq;
      } else set.ranges.push((last = [seq, seq]));
    }
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

  /** How much of [lo, hi] is in this set: "none", "some" or "all". */
  covers(lo: number, hi: number): "none" | "some" | "all" {
    const ranges = this.ranges;
    // The common cases first: nothing held, or [lo, hi] past the end (an origin's stream), or within the last range.
    const last = ranges[ranges.length - 1];
    if (!last || lo > last[1]) return "none";
    // The first range that ends at or after lo.
    let first = 0;
    let end = ranges.length;
    while (first < end) {
      const mid = (first + end) >> 1;
      if (ranges[mid]![1] < lo) first = mid + 1;
      else end = mid;
    }
    const r = ranges[first]!;
    if (r[0] > hi) return "none";
    return r[0] <= lo && r[1] >= hi ? "all" : "some";
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
    // Binary search for the first range that touches or follows [lo, hi], then replace the ranges it merges with:
    // O(log n) plus the splice, never a scan of every range (a peer's input may arrive in any order).
    let first = 0;
    let end = this.ranges.length;
    while (first < end) {
      const mid = (first + end) >> 1;
      if (this.ranges[mid]![1] + 1 < lo) first = mid + 1;
      else end = mid;
    }
    let stop = first;
    let merged: [number, number] = [lo, hi];
    while (stop < this.ranges.length && this.ranges[stop]![0] <= hi + 1) {
      const r = this.ranges[stop]!;
      merged = [Math.min(merged[0], r[0]), Math.max(merged[1], r[1])];
      stop++;
    }
    this.ranges.splice(first, stop - first, merged);
  }

  /** Union with another set: one linear merge of the two sorted lists. */
  addAll(other: SeqRanges): void {
    if (other.ranges.length === 0) return;
    if (this.ranges.length === 0) {
      this.ranges = other.toJSON();
      return;
    }
    const out: [number, number][] = [];
    const a = this.ranges;
    const b = other.ranges;
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const next = j >= b.length || (i < a.length && a[i]![0] <= b[j]![0]) ? a[i++]! : b[j++]!;
      const tail = out[out.length - 1];
      if (tail && next[0] <= tail[1] + 1) tail[1] = Math.max(tail[1], next[1]);
      else out.push([next[0], next[1]]);
    }
    this.ranges = out;
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
