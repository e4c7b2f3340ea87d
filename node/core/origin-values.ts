/**
 * The values a replica holds for one origin, keyed by sequence number: the compact store behind `Replica`.
 *
 * An origin's sequence numbers are mostly contiguous from 1, and almost every value fits in 64 bits. So:
 * - the first `SMALL_SLOTS` sequence numbers live in a plain array indexed by `seq - 1` (most origins of a big network
 *   write a few numbers, and an array costs less to make than a typed array and its buffer);
 * - past that, values live in one `BigInt64Array` indexed by `seq - 1`: 8 bytes per number, nothing for the garbage
 *   collector to walk (a `Map<number, bigint>` costs a hash entry and a heap bigint per number, and in a simulator of
 *   10,000 replicas holding 10,000 numbers each the collector's time goes to walking them). A slot holding `ABSENT` is
 *   empty;
 * - what fits neither goes to a `Map`: a value outside 64 bits (or `ABSENT` itself), and a sequence number so far past
 *   what is held that a dense slot for it would mostly hold empties (a peer may send any positive seq).
 */
const ABSENT = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SMALL_SLOTS = 32;
/** A dense slot is made for `seq` only when at most about half the slots up to it would stay empty. */
const SLACK = 64;

const fitsDense = (value: bigint): boolean => value > ABSENT && value <= INT64_MAX;

export class OriginValues {
  private small: (bigint | undefined)[] | undefined = [];
  private dense: BigInt64Array | undefined;
  private sparse: Map<number, bigint> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(seq: number): bigint | undefined {
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

  /** Every (seq, value) held, in sequence order. */
  entries(): [number, bigint][] {
    const out: [number, bigint][] = [];
    if (this.small) {
      for (let i = 0; i < this.small.length; i++) if (this.small[i] !== undefined) out.push([i + 1, this.small[i]!]);
    } else {
      for (let i = 0; i < this.dense!.length; i++) if (this.dense![i] !== ABSENT) out.push([i + 1, this.dense![i]!]);
    }
    if (this.sparse?.size) {
      out.push(...this.sparse);
      out.sort((a, b) => a[0] - b[0]);
    }
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
