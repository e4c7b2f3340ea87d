import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HeldNumbers } from "./held-numbers.js";
import { IdSet } from "./id-set.js";
import { OriginIndex } from "./origin-index.js";
import { SeqRanges } from "./seq-ranges.js";

const origins = ["a", "b", "c", "d"];
/** Operations on one origin: seq 1 often (the compact case), a few others, runs. */
const op = fc.oneof(
  fc.record({ kind: fc.constant("one" as const), origin: fc.constantFrom(...origins), seq: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 12 })) }),
  fc.record({ kind: fc.constant("batch" as const), origin: fc.constantFrom(...origins), seqs: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant("run" as const), origin: fc.constantFrom(...origins), lo: fc.integer({ min: 1, max: 12 }), length: fc.integer({ min: 1, max: 10 }) }),
);

const valueOf = (origin: string, seq: number) => BigInt(origin.charCodeAt(0) * 1000 + seq);

function expand(ranges: [number, number][]): number[] {
  return ranges.flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
}

describe("HeldNumbers", () => {
  it("holds exactly what was stored, through number 1 alone and every way out of it", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.subarray(origins), (ops, early) => {
        const index = new OriginIndex();
        // Another replica's origins first: ids need not start at 0 or come in order.
        for (const o of early) index.id(o);
        const held = new HeldNumbers(index);
        const model = new Map<string, Set<number>>();
        const holds = (o: string, s: number) => model.get(o)?.has(s) ?? false;
        const put = (o: string, s: number) => (model.get(o) ?? model.set(o, new Set()).get(o)!).add(s);
        for (const o of ops) {
          if (o.kind === "one") {
            if (holds(o.origin, o.seq)) continue;
            held.setValue(o.origin, o.seq, valueOf(o.origin, o.seq));
            held.addSeq(o.origin, o.seq);
            put(o.origin, o.seq);
          } else if (o.kind === "batch") {
            // As `Replica.merge` does: values one by one (a duplicate in the batch is seen as held), seqs at the end.
            const learned: number[] = [];
            for (const s of o.seqs) {
              if (held.value(o.origin, s) !== undefined) continue;
              held.setValue(o.origin, s, valueOf(o.origin, s));
              learned.push(s);
            }
            if (learned.length) held.addSeqs(o.origin, SeqRanges.fromSeqs(learned));
            for (const s of learned) put(o.origin, s);
          } else {
            const seqs = Array.from({ length: o.length }, (_, i) => o.lo + i);
            const covered = held.covers(o.origin, o.lo, o.lo + o.length - 1);
            const n = seqs.filter((s) => holds(o.origin, s)).length;
            expect(covered).toBe(n === 0 ? "none" : n === seqs.length ? "all" : "some");
            if (n) continue;
            held.addRun(o.origin, o.lo, seqs.map((s) => valueOf(o.origin, s)));
            for (const s of seqs) put(o.origin, s);
          }
        }
        const ids = [...held.ids()];
        expect(ids.map((id) => index.name(id)).sort()).toEqual([...model.keys()].sort());
        for (const origin of origins) {
          const want = [...(model.get(origin) ?? [])].sort((a, b) => a - b);
          expect(ids.some((id) => index.name(id) === origin)).toBe(want.length > 0);
          expect(held.entries(origin)).toEqual(want.map((s) => [s, valueOf(origin, s)]));
          for (let s = 1; s <= 22; s++) expect(held.value(origin, s)).toBe(holds(origin, s) ? valueOf(origin, s) : undefined);
          const id = index.find(origin);
          if (id === undefined) continue;
          expect(expand(held.rangesAt(id))).toEqual(want);
          const theirs = SeqRanges.fromSeqs([1, 3, 4]);
          expect(expand(held.minusAt(id, theirs))).toEqual(want.filter((s) => ![1, 3, 4].includes(s)));
          expect(expand(held.lacking(origin, SeqRanges.from([[1, 6]])))).toEqual([1, 2, 3, 4, 5, 6].filter((s) => !want.includes(s)));
        }
      }),
    );
  });

  it("an origin not held is looked up without being numbered", () => {
    const index = new OriginIndex();
    const held = new HeldNumbers(index);
    expect(held.value("x", 1)).toBeUndefined();
    expect(held.covers("x", 1, 1)).toBe("none");
    expect(held.lacking("x", SeqRanges.from([[1, 2]]))).toEqual([[1, 2]]);
    expect(index.size).toBe(0);
  });
});

describe("IdSet", () => {
  const ids = fc.array(
    fc.record({ origin: fc.constantFrom("a", "b", "c", "unknown"), lo: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 })), length: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 })) }),
    { maxLength: 20 },
  );

  it("holds exactly what was added, by bits or by ranges, and unions and lists it", () => {
    fc.assert(
      fc.property(ids, ids, (xs, ys) => {
        const index = new OriginIndex();
        // "unknown" is never numbered: its number 1 goes by ranges.
        for (const o of ["c", "a", "b"]) index.id(o);
        const fill = (list: typeof xs) => {
          const set = new IdSet(index);
          const model = new Set<string>();
          for (const { origin, lo, length } of list) {
            if (length === 1 && lo % 2) set.add(origin, lo);
            else set.addRange(origin, lo, lo + length - 1);
            for (let s = lo; s < lo + length; s++) model.add(`${origin} ${s}`);
          }
          return [set, model] as const;
        };
        const [x, mx] = fill(xs);
        const [y, my] = fill(ys);
        const check = (set: IdSet, model: Set<string>) => {
          for (const o of ["a", "b", "c", "unknown"]) for (let s = 1; s <= 12; s++) expect(set.has(o, s)).toBe(model.has(`${o} ${s}`));
          const listed = Object.entries(set.toDigest()).flatMap(([o, r]) => expand(r).map((s) => `${o} ${s}`));
          expect(listed.sort()).toEqual([...model].sort());
          expect(set.size).toBe(new Set([...model].map((k) => k.split(" ")[0])).size);
        };
        check(x, mx);
        x.addAll(y);
        check(x, new Set([...mx, ...my]));
        check(y, my);
      }),
    );
  });
});
