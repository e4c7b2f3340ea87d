/**
 * The values a replica holds for one origin, keyed by sequence number (see held-numbers.ts: an origin of which only
 * number 1 is held needs none of this).
 *
 * An origin's sequence numbers are mostly contiguous from 1, and almost every value fits in 64 bits. So:
 * - the first `SMALL_SLOTS` sequence numbers live in a plain array indexed by `seq - 1` (most origins of a big network
 *   write a few numbers, and an array costs less to make than a typed array and its buffer);
 * - past that, values live in one `BigInt64Array` indexed by `seq - 1`: 8 bytes per number, nothing for the garbage
 *   collector to walk (a `Map<number, bigint>` costs a hash entry and a heap bigint per number, and in a simulator of
 *   10,000 replicas holding 10,000 numbers each the collector's time goes to walking them). A slot holding `ABSENT` is
 *   empty;
 * - what fits neither goes to a `Map`: a value outside 64 bits (or `ABSENT` itself), and a sequence number so far past
 *   what is held that a dense slot for it would mostly hold empties (a peer may send any positive seq);
 * - a run of consecutive sequence numbers learned whole (`addRun`, a POST's numbers) is kept by reference, not copied:
 *   in the simulator every replica then shares one copy of it (10,000 replicas holding 10,000 numbers each would
 *   otherwise make 10^6 typed arrays and copy 10^8 values). Short runs, and runs past `MAX_RUNS` for one origin, are
 *   copied into the slots above, so a stream of small frames costs no more than before.
 */
const ABSENT = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SMALL_SLOTS = 32;
/** A dense slot is made for `seq` only when at most about half the slots up to it would stay empty. */
const SLACK = 64;

const fitsDense = (value: bigint): boolean => value > ABSENT && value <= INT64_MAX;
/** Runs shorter than this are copied (a run kept by reference costs an object and a search). */
export const MIN_SHARED_RUN = 8;
/** At most this many runs are kept by reference per origin, so `get` stays a short binary search. */
const MAX_RUNS = 64;

interface SharedRun {
  readonly lo: number;
  readonly values: ArrayLike<bigint>;
}

export class OriginValues {
  private small: (bigint | undefined)[] | undefined = [];
  private dense: BigInt64Array | undefined;
  private sparse: Map<number, bigint> | undefined;
  /** Runs kept by reference, in sequence order, disjoint from each other and from the slots. */
  private runs: SharedRun[] | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(seq: number): bigint | undefined {
    if (this.runs) {
      const v = this.fromRuns(seq);
      if (v !== undefined) return v;
    }
    if (seq >= 1) {
      if (this.small) {
        if (seq <= this.small.length) {
          const v = this.small[seq - 1];
          if (v !== undefined) return v;
        }
      } else if (seq <= this.dense!.length) {
        const v = this.dense![seq - 1]!;
        if (v !== ABSENT) return v;
      }
    }
    return this.sparse?.get(seq);
  }

  /** Stores a value for a sequence number not held yet (the caller checks with `get`). */
  set(seq: number, value: bigint): void {
    this.count++;
    if (Number.isSafeInteger(seq) && seq >= 1) {
      if (this.small && seq <= SMALL_SLOTS) {
        this.small[seq - 1] = value;
        return;
      }
      if (fitsDense(value)) {
        const length = this.small ? 0 : this.dense!.length;
        if (seq > length && seq <= 2 * this.count + SLACK) this.grow(seq);
        if (this.dense && seq <= this.dense.length) {
          this.dense[seq - 1] = value;
          return;
        }
      }
    }
    (this.sparse ??= new Map()).set(seq, value);
  }

  /**
   * Stores the values of seqs `lo`, `lo + 1`, ..., none of them held yet (the caller checks). A long run is kept by
   * reference: the caller must never change `values` afterwards.
   */
  addRun(lo: number, values: ArrayLike<bigint>): void {
    const runs = (this.runs ??= []);
    if (values.length < MIN_SHARED_RUN || runs.length >= MAX_RUNS) {
      for (let i = 0; i < values.length; i++) this.set(lo + i, values[i]!);
      return;
    }
    this.count += values.length;
    const run = { lo, values };
    if (!runs.length || runs[runs.length - 1]!.lo < lo) {
      runs.push(run);
      return;
    }
    let at = 0;
    while (at < runs.length && runs[at]!.lo < lo) at++;
    runs.splice(at, 0, run);
  }

  private fromRuns(seq: number): bigint | undefined {
    const runs = this.runs!;
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = runs[mid]!;
      if (seq < r.lo) hi = mid - 1;
      else if (seq >= r.lo + r.values.length) lo = mid + 1;
      else return r.values[seq - r.lo];
    }
    return undefined;
  }

  /** Every (seq, value) held, in sequence order. */
  entries(): [number, bigint][] {
    const out: [number, bigint][] = [];
    if (this.small) {
      for (let i = 0; i < this.small.length; i++) if (this.small[i] !== undefined) out.push([i + 1, this.small[i]!]);
    } else {
      for (let i = 0; i < this.dense!.length; i++) if (this.dense![i] !== ABSENT) out.push([i + 1, this.dense![i]!]);
    }
    if (this.sparse?.size) out.push(...this.sparse);
    for (const r of this.runs ?? []) for (let i = 0; i < r.values.length; i++) out.push([r.lo + i, r.values[i]!]);
    if (this.sparse?.size || this.runs?.length) out.sort((a, b) => a[0] - b[0]);
    return out;
  }

  private grow(seq: number): void {
    const length = this.dense?.length ?? SMALL_SLOTS;
    const next = new BigInt64Array(Math.max(seq, Math.min(4 * length, 2 * this.count + SLACK)));
    next.fill(ABSENT);
    if (this.dense) next.set(this.dense);
    // Leaving the small array: what it held moves over, unless it does not fit 64 bits.
    if (this.small) {
      for (let i = 0; i < this.small.length; i++) {
        const v = this.small[i];
        if (v === undefined) continue;
        if (fitsDense(v)) next[i] = v;
        else (this.sparse ??= new Map()).set(i + 1, v);
      }
      this.small = undefined;
    }
    this.dense = next;
    // Values that were too far ahead before may have a dense slot now.
    if (this.sparse) {
      for (const [s, v] of this.sparse) {
        if (Number.isInteger(s) && s >= 1 && s <= next.length && fitsDense(v)) {
          next[s - 1] = v;
          this.sparse.delete(s);
        }
      }
    }
  }
}
