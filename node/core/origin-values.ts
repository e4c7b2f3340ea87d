/**
 * The values a replica holds for one origin, keyed by sequence number: the compact store behind `Replica`.
 *
 * An origin's sequence numbers are mostly contiguous from 1, and almost every value fits in 64 bits, so values live in
 * one `BigInt64Array` indexed by `seq - 1`: 8 bytes per number and no object per number (a `Map<number, bigint>` costs
 * a hash entry and a heap bigint each, about 60 bytes, and in a simulator of 10,000 replicas holding 10,000 numbers
 * each the garbage collector's time goes to walking them). A slot holding `ABSENT` is empty. What does not fit goes to
 * a `Map`: a value outside 64 bits, the value `ABSENT` itself, and a sequence number so far past what is held that a
 * dense slot for it would mostly hold empties (a peer may send any positive seq).
 */
const ABSENT = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** A dense slot is made for `seq` only when at most about half the slots up to it would stay empty. */
const SLACK = 64;

export class OriginValues {
  private dense = new BigInt64Array(0);
  private sparse: Map<number, bigint> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(seq: number): bigint | undefined {
    if (seq >= 1 && seq <= this.dense.length) {
      const v = this.dense[seq - 1]!;
      if (v !== ABSENT) return v;
    }
    return this.sparse?.get(seq);
  }

  /** Stores a value for a sequence number not held yet (the caller checks with `get`). */
  set(seq: number, value: bigint): void {
    this.count++;
    if (value > ABSENT && value <= INT64_MAX && Number.isSafeInteger(seq) && seq >= 1) {
      if (seq > this.dense.length && seq <= 2 * this.count + SLACK) this.grow(seq);
      if (seq <= this.dense.length) {
        this.dense[seq - 1] = value;
        return;
      }
    }
    (this.sparse ??= new Map()).set(seq, value);
  }

  /** Every (seq, value) held, in sequence order. */
  entries(): [number, bigint][] {
    const out: [number, bigint][] = [];
    for (let i = 0; i < this.dense.length; i++) if (this.dense[i] !== ABSENT) out.push([i + 1, this.dense[i]!]);
    if (this.sparse?.size) {
      out.push(...this.sparse);
      out.sort((a, b) => a[0] - b[0]);
    }
    return out;
  }

  private grow(seq: number): void {
    const next = new BigInt64Array(Math.max(seq, Math.min(Math.max(2 * this.dense.length, 8), 2 * this.count + SLACK)));
    next.fill(ABSENT);
    next.set(this.dense);
    this.dense = next;
    // Values that were too far ahead before may have a dense slot now.
    if (this.sparse) {
      for (const [s, v] of this.sparse) {
        if (Number.isInteger(s) && s >= 1 && s <= next.length && v > ABSENT && v <= INT64_MAX) {
          next[s - 1] = v;
          this.sparse.delete(s);
        }
      }
    }
  }
}
