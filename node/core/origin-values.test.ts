import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OriginValues } from "./origin-values.js";

describe("OriginValues", () => {
  it("holds exactly what a Map would, in sequence order, for any seqs and values", () => {
    const seq = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    const value = fc.oneof(
      fc.bigInt({ min: -1000n, max: 1000n }),
      fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n) - 1n, 10n ** 30n),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(seq, value), { maxLength: 400 }), (writes) => {
        const store = new OriginValues();
        const model = new Map<number, bigint>();
        for (const [s, v] of writes) {
          expect(store.get(s)).toBe(model.get(s));
          if (model.has(s)) continue;
          store.set(s, v);
          model.set(s, v);
        }
        expect(store.size).toBe(model.size);
        for (const [s, v] of model) expect(store.get(s)).toBe(v);
        expect(store.entries()).toEqual([...model].sort((a, b) => a[0] - b[0]));
      }),
      { numRuns: 300 },
    );
  });

  it("holds exactly what a Map would when runs are added whole (kept by reference or copied) among single numbers", () => {
    const value = fc.oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n, 10n ** 30n));
    const single = fc.tuple(fc.integer({ min: 1, max: 400 }), value).map(([seq, v]) => ({ lo: seq, values: [v] }));
    const run = fc
      .tuple(fc.integer({ min: 1, max: 120 }), fc.array(value, { minLength: 1, maxLength: 24 }), fc.boolean())
      .map(([lo, values, typed]) => ({
        lo,
        values: typed && values.every((v) => v > -(2n ** 63n) && v < 2n ** 63n) ? BigInt64Array.from(values) : values,
      }));
    fc.assert(
      fc.property(fc.array(fc.oneof(single, run), { maxLength: 120 }), (writes) => {
        const store = new OriginValues();
        const model = new Map<number, bigint>();
        for (const { lo, values } of writes) {
          for (let i = 0; i < values.length; i++) expect(store.get(lo + i)).toBe(model.get(lo + i));
          // The caller's promise: nothing of a run is held yet.
          if (Array.from({ length: values.length }, (_, i) => lo + i).some((s) => model.has(s))) continue;
          if (values.length === 1) store.set(lo, values[0]!);
          else store.addRun(lo, values);
          for (let i = 0; i < values.length; i++) model.set(lo + i, values[i]!);
        }
        expect(store.size).toBe(model.size);
        for (const [s, v] of model) expect(store.get(s)).toBe(v);
        expect(store.entries()).toEqual([...model].sort((a, b) => a[0] - b[0]));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a contiguous stream dense and a far-off seq out of the dense slots", () => {
    const store = new OriginValues();
    for (let s = 1; s <= 10_000; s++) store.set(s, BigInt(s));
    store.set(1e15, 5n);
    expect(store.get(10_000)).toBe(10_000n);
    expect(store.get(1e15)).toBe(5n);
    expect(store.get(10_001)).toBeUndefined();
    // 10,000 numbers in at most 2x slots: the far seq did not allocate 10^15.
    expect(store.entries()).toHaveLength(10_001);
  });
});
