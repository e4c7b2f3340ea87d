import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { full, grid, line, random, ring, star, tree } from "./generators.js";
import { degrees, diameter, isConnected } from "../network/graph.js";
import { linkKey, type LinkSpec } from "../network/spec.js";

const noDuplicates = (links: readonly LinkSpec[]): boolean =>
  new Set(links.map((l) => linkKey(l.from, l.to))).size === links.length && links.every((l) => l.from !== l.to);

describe("topology generators", () => {
  it("line: n-1 links, diameter n-1, ends have degree 1", () => {
    const t = line(5);
    expect(t.nodes).toEqual(["n1", "n2", "n3", "n4", "n5"]);
    expect(t.links).toEqual([
      { from: "n2", to: "n1" },
      { from: "n3", to: "n2" },
      { from: "n4", to: "n3" },
      { from: "n5", to: "n4" },
    ]);
    expect(diameter(t.nodes, t.links)).toBe(4);
  });

  it("ring: every node has degree 2", () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 60 }), (n) => {
        const t = ring(n);
        expect(t.links).toHaveLength(n);
        expect([...degrees(t.nodes, t.links).values()].every((d) => d === 2)).toBe(true);
        expect(isConnected(t.nodes, t.links)).toBe(true);
      }),
    );
  });

  it("star: hub n1 has degree n-1, leaves 1", () => {
    const t = star(6);
    const d = degrees(t.nodes, t.links);
    expect(d.get("n1")).toBe(5);
    expect(t.nodes.slice(1).every((id) => d.get(id) === 1)).toBe(true);
  });

  it("full: n(n-1)/2 links, degree n-1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), (n) => {
        const t = full(n);
        expect(t.links).toHaveLength((n * (n - 1)) / 2);
        expect(noDuplicates(t.links)).toBe(true);
        expect([...degrees(t.nodes, t.links).values()].every((d) => d === n - 1)).toBe(true);
      }),
    );
  });

  it("tree(k): connected, n-1 links, no node has more than k children", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 6 }), (n, k) => {
        const t = tree(n, k);
        expect(t.links).toHaveLength(n - 1);
        expect(isConnected(t.nodes, t.links)).toBe(true);
        const children = new Map<string, number>();
        for (const l of t.links) children.set(l.to, (children.get(l.to) ?? 0) + 1);
        expect([...children.values()].every((c) => c <= k)).toBe(true);
      }),
    );
  });

  it("grid(w x h): w(h-1)+h(w-1) links, corner degree 2, connected", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (w, h) => {
        const t = grid(w, h);
        expect(t.nodes).toHaveLength(w * h);
        expect(t.links).toHaveLength(w * (h - 1) + h * (w - 1));
        expect(isConnected(t.nodes, t.links)).toBe(true);
        if (w > 1 && h > 1) expect(degrees(t.nodes, t.links).get("n1")).toBe(2);
      }),
    );
  });

  it("random: always connected, no duplicate links, average degree as asked, deterministic per seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 1, max: 8, noNaN: true }),
        fc.integer(),
        (n, degree, seed) => {
          const t = random(n, degree, seed);
          expect(isConnected(t.nodes, t.links)).toBe(true);
          expect(noDuplicates(t.links)).toBe(true);
          const expected = Math.min((n * (n - 1)) / 2, Math.max(n - 1, Math.round((n * degree) / 2)));
          expect(t.links).toHaveLength(expected);
          expect(random(n, degree, seed)).toEqual(t);
        },
      ),
    );
  });

  it("random: different seeds give different graphs", () => {
    const a = random(30, 3, 1);
    const b = random(30, 3, 2);
    expect(a.links).not.toEqual(b.links);
  });

  it("rejects nonsense sizes", () => {
    expect(() => line(0)).toThrow(/line nodes must be an integer >= 1/);
    expect(() => tree(5, 0)).toThrow(/branching/);
  });
});
