/**
 * What a replica holds: for every origin, its sequence numbers and their values. The store behind `Replica`.
 *
 * Kept in an array indexed by the origin's number in an `OriginIndex`. An origin of which only number 1 is held (in a
 * big network, most origins write one number) is that number's value itself in the array: 8 bytes, not a set of
 * ranges and a store of values. Any other origin gets an `OriginValues` and a `SeqRanges` (see those files).
 */
import { OriginValues } from "./origin-values.js";
import type { OriginIndex } from "./origin-index.js";
import { SeqRanges, type Range } from "./seq-ranges.js";

class Several {
  readonly seqs = new SeqRanges();
  readonly values = new OriginValues();
}

/** undefined: nothing held; a bigint: number 1 alone, with this value. */
type Slot = bigint | Several | undefined;

/** Number 1 alone, as a set. Only ever read (passed to `minus`): never handed out. */
const FIRST_ONLY = SeqRanges.from([[1, 1]]);

export class HeldNumbers {
  private slots: Slot[] = [];

  constructor(readonly index: OriginIndex) {}

  /** The numbers of the origins held, ascending. */
  *ids(): Generator<number> {
    for (let id = 0; id < this.slots.length; id++) if (this.slots[id] !== undefined) yield id;
  }

  value(origin: string, seq: number): bigint | undefined {
    const id = this.index.find(origin);
    return id === undefined ? undefined : this.valueAt(id, seq);
  }

  valueAt(id: number, seq: number): bigint | undefined {
    const s = this.slots[id];
    if (s === undefined) return undefined;
    if (typeof s === "bigint") return seq === 1 ? s : undefined;
    return s.values.get(seq);
  }

  /** How much of [lo, hi] (lo <= hi) is held: "none", "some" or "all". */
  covers(origin: string, lo: number, hi: number): "none" | "some" | "all" {
    const id = this.index.find(origin);
    const s = id === undefined ? undefined : this.slots[id];
    if (s === undefined) return "none";
    if (typeof s === "bigint") return lo === 1 && hi === 1 ? "all" : lo <= 1 && hi >= 1 ? "some" : "none";
    return s.seqs.covers(lo, hi);
  }

  /** The sequence numbers held of one origin, as ranges (a new array). */
  rangesAt(id: number): Range[] {
    const s = this.slots[id];
    if (s === undefined) return [];
    return typeof s === "bigint" ? [[1, 1]] : s.seqs.toJSON();
  }

  /** The sequence numbers held of one origin that `other` lacks. */
  minusAt(id: number, other: SeqRanges | undefined): Range[] {
    const s = this.slots[id];
    if (s === undefined) return [];
    if (typeof s === "bigint") return other?.has(1) ? [] : [[1, 1]];
    return s.seqs.minus(other);
  }

  /** The part of `wanted` not held, of one origin. */
  lacking(origin: string, wanted: SeqRanges): Range[] {
    const id = this.index.find(origin);
    const s = id === undefined ? undefined : this.slots[id];
    return wanted.minus(s === undefined ? undefined : typeof s === "bigint" ? FIRST_ONLY : s.seqs);
  }

  /** Every (seq, value) held of one origin, in sequence order. */
  entries(origin: string): [number, bigint][] {
    const id = this.index.find(origin);
    const s = id === undefined ? undefined : this.slots[id];
    if (s === undefined) return [];
    return typeof s === "bigint" ? [[1, s]] : s.values.entries();
  }

  /**
   * Stores the value of a number not held yet (the caller checks with `value`). Its sequence number joins the held
   * ranges with `addSeqs`, once for many numbers (they may come in any order), except number 1 of an origin not held
   * until now, which is complete at once.
   */
  setValue(origin: string, seq: number, value: bigint): void {
    const id = this.slotFor(origin);
    const s = this.slots[id];
    if (s === undefined && seq === 1) this.slots[id] = value;
    else this.several(id, s).values.set(seq, value);
  }

  /** Adds a sequence number whose value `setValue` stored. */
  addSeq(origin: string, seq: number): void {
    const id = this.slotFor(origin);
    const s = this.slots[id];
    if (typeof s === "bigint" && seq === 1) return;
    this.several(id, s).seqs.addRange(seq, seq);
  }

  /** Adds sequence numbers whose values `setValue` stored. */
  addSeqs(origin: string, seqs: SeqRanges): void {
    const id = this.slotFor(origin);
    const s = this.slots[id];
    if (typeof s === "bigint" && seqs.minus(FIRST_ONLY).length === 0) return;
    this.several(id, s).seqs.addAll(seqs);
  }

  /** Stores a run of numbers, `lo` to `lo + values.length - 1`, none of them held yet (the caller checks). */
  addRun(origin: string, lo: number, values: ArrayLike<bigint>): void {
    const id = this.slotFor(origin);
    const s = this.several(id, this.slots[id]);
    s.values.addRun(lo, values);
    s.seqs.addRange(lo, lo + values.length - 1);
  }

  private slotFor(origin: string): number {
    const id = this.index.id(origin);
    if (id >= this.slots.length) {
      // Made anew at the size wanted, never written past its end (an array written past its end by much is kept as a
      // dictionary, at many times the cost per slot): at once to every origin the index knows (in the simulator the
      // replicas' own writes number every origin early), and by half again as the index grows one origin at a time.
      const length = Math.max(id + 1, this.index.size, this.slots.length + (this.slots.length >> 1));
      const slots: Slot[] = new Array<Slot>(length).fill(undefined);
      for (let i = 0; i < this.slots.length; i++) slots[i] = this.slots[i];
      this.slots = slots;
    }
    return id;
  }

  private several(id: number, s: Slot): Several {
    if (s instanceof Several) return s;
    const n = new Several();
    if (typeof s === "bigint") {
      n.values.set(1, s);
      n.seqs.addRange(1, 1);
    }
    this.slots[id] = n;
    return n;
  }
}
