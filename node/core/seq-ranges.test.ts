import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SeqRanges } from "./seq-ranges.js";

const seqs = fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 120 });

function fromList(list: number[]): SeqRanges {
  const s = new SeqRanges();
  for (const n of list) s.add(n);
  return s;
}

function expand(ranges: [number, number][]): number[] {
  return ranges.flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
}

describe("SeqRanges", () => {
  it("holds exactly the numbers added, as sorted disjoint non-adjacent ranges", () => {
    fc.assert(
      fc.property(seqs, (list) => {
        const set = fromList(list);
        const model = [...new Set(list)].sort((a, b) => a - b);
        expect(expand(set.toJSON())).toEqual(model);
        expect(set.size).toBe(model.length);
        const ranges = set.toJSON();
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1] + 1);
        for (const n of model) expect(set.has(n)).toBe(true);
        expect(set.has(0)).toBe(false);
        expect(set.has(201)).toBe(false);
      }),
    );
  });

  it("add reports whether the number was new", () => {
    const s = new SeqRanges();
    expect(s.add(3)).toBe(true);
    expect(s.add(3)).toBe(false);
    expect(s.add(4)).toBe(true);
    expect(s.toJSON()).toEqual([[3, 4]]);
  });

  it("minus gives exactly the difference", () => {
    fc.assert(
      fc.property(seqs, seqs, (a, b) => {
        const diff = fromList(a).minus(fromList(b));
        const bset = new Set(b);
        expect(expand(diff)).toEqual([...new Set(a)].filter((n) => !bset.has(n)).sort((x, y) => x - y));
      }),
    );
  });

  it("addRange merges overlapping and adjacent ranges in any order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 10 }))), (parts) => {
        const set = new SeqRanges();
        const model = new Set<number>();
        for (const [lo, len] of parts) {
          set.addRange(lo, lo + len);
          for (let i = lo; i <= lo + len; i++) model.add(i);
        }
        expect(expand(set.toJSON())).toEqual([...model].sort((a, b) => a - b));
      }),
    );
  });

  it("from, fromSeqs and addAll give the same set as adding one by one, whatever the order", () => {
    const ranges = fc.array(
      fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 8 })).map(([lo, n]) => [lo, lo + n] as [number, number]),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(ranges, seqs, seqs, (rs, xs, ys) => {
        const model = fromList(rs.flatMap(([lo, hi]) => expand([[lo, hi]])));
        expect(SeqRanges.from(rs).equals(model)).toBe(true);
        expect(SeqRanges.fromSeqs(xs).equals(fromList(xs))).toBe(true);
        const union = fromList(xs);
        union.addAll(fromList(ys));
        expect(union.equals(fromList([...xs, ...ys]))).toBe(true);
        const ranged = fromList(xs);
        for (const [lo, hi] of rs) ranged.addRange(lo, hi);
        expect(ranged.equals(fromList([...xs, ...rs.flatMap(([lo, hi]) => expand([[lo, hi]]))]))).toBe(true);
      }),
    );
  });

  it("covers says none, some or all of [lo, hi] as checking each seq does", () => {
    fc.assert(
      fc.property(seqs, fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 30 }), (xs, lo, n) => {
        const set = fromList(xs);
        const held = Array.from({ length: n + 1 }, (_, i) => set.has(lo + i)).filter(Boolean).length;
        expect(set.covers(lo, lo + n)).toBe(held === 0 ? "none" : held === n + 1 ? "all" : "some");
      }),
      { numRuns: 500 },
    );
  });
});
