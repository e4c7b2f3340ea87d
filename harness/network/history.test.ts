import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { line } from "../topology/generators.js";
import { NetworkHistory } from "./history.js";

const node = (id: string) => ({ id, env: {}, dataDir: false, numbers: [] });

describe("NetworkHistory", () => {
  it("follows lives, cuts and components through every kind of change", () => {
    const t = line(4);
    const h = new NetworkHistory(t.nodes.map((id) => ({ id })), t.links);
    expect(h.components()).toEqual([["n1", "n2", "n3", "n4"]]);
    h.apply({ kind: "cut", links: [{ from: "n3", to: "n2" }] });
    expect(h.components()).toEqual([["n1", "n2"], ["n3", "n4"]]);
    expect(h.cutLinks()).toEqual([{ from: "n3", to: "n2" }]);
    h.apply({ kind: "restore", links: [{ from: "n2", to: "n3" }] });
    h.apply({ kind: "pause", nodes: ["n2"] });
    expect(h.life("n2")).toBe("paused");
    expect(h.running()).toEqual(["n1", "n3", "n4"]);
    expect(h.components()).toEqual([["n1"], ["n3", "n4"]]);
    h.apply({ kind: "resume", nodes: ["n2"] });
    h.apply({ kind: "kill", nodes: ["n4"] });
    h.apply({ kind: "join", node: node("x"), links: [{ from: "x", to: "n1" }] });
    expect(h.components()).toEqual([["n1", "n2", "n3", "x"]]);
    h.apply({ kind: "leave", nodes: ["n1"], timeoutMs: 0 });
    expect(h.life("n1")).toBe("removed");
    expect(h.links().some((l) => l.from === "x" || l.to === "n1")).toBe(false);
    expect(h.components()).toEqual([["n2", "n3"], ["x"]]);
    expect(() => h.apply({ kind: "restart", nodes: ["n1"], hard: false, timeoutMs: 0 })).toThrow(/left the network/);
    expect(() => h.apply({ kind: "cut", links: [{ from: "n2", to: "x" }] })).toThrow(/no link/);
  });

  it("a one-way cut separates components for certain spread but not for possible spread", () => {
    const h = new NetworkHistory([{ id: "a" }, { id: "b" }], [{ from: "a", to: "b" }]);
    h.apply({ kind: "cut-one-way", directions: [{ from: "b", to: "a" }] });
    expect(h.isBlocked("b", "a")).toBe(true);
    expect(h.isBlocked("a", "b")).toBe(false);
    expect(h.oneWayCuts()).toEqual([{ from: "b", to: "a" }]);
    expect(h.components()).toEqual([["a"], ["b"]]);
    expect(h.looseComponents()).toEqual([["a", "b"]]);
    h.apply({ kind: "cut-one-way", directions: [{ from: "a", to: "b" }] });
    expect(h.looseComponents()).toEqual([["a"], ["b"]]);
  });

  it("a clone changes independently", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 6 }), (n, k) => {
        const t = line(n);
        const h = new NetworkHistory(t.nodes.map((id) => ({ id })), t.links);
        const c = h.clone();
        const victim = t.nodes[k % n] as string;
        c.apply({ kind: "kill", nodes: [victim] });
        expect(h.life(victim)).toBe("running");
        expect(c.life(victim)).toBe("stopped");
      }),
    );
  });
});
