import { describe, expect, it } from "vitest";
import { EfficiencyLedger, efficiencyWanted, histogram, quantile, sampleIntervalFor } from "./efficiency.js";
import { efficiencyLine } from "./efficiency-figures.js";

const answer = (origin: string, seqs: number[]) => ({ node: "x", numbers: seqs.map((seq) => ({ id: `${origin}:${seq}`, origin, seq, value: "1" })) });
const must = (node: string, ids: number[]) => ({ node, certain: ids.map((id) => ({ id })) });

describe("quantile and histogram", () => {
  it("takes the nearest rank", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(v, 0.5)).toBe(50);
    expect(quantile(v, 0.95)).toBe(95);
    expect(quantile(v, 1)).toBe(100);
    expect(quantile([7], 0.5)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("buckets values from 0 to the largest, without empty buckets at the end", () => {
    const h = histogram([0, 5, 10, 99], 10);
    expect(h.reduce((n, b) => n + b.count, 0)).toBe(4);
    expect(h[0]).toEqual({ fromMs: 0, toMs: 10, count: 2 });
    expect(h.at(-1)).toMatchObject({ count: 1 });
    expect(histogram([])).toEqual([]);
  });
});

describe("EfficiencyLedger", () => {
  it("measures exactly by identity: from the acknowledgement until the last node that must hold it holds it", () => {
    const l = new EfficiencyLedger();
    l.traffic(0, 0, 0);
    l.acknowledged([0, 1], answer("a@1", [1, 2]), 100, 0);
    l.observe("a", 110, { count: 2, digest: { "a@1": [[1, 2]] } });
    l.observe("b", 150, { count: 1, digest: { "a@1": [[1, 1]] } });
    l.observe("c", 160, { count: 0, digest: {} });
    l.observe("b", 250, { count: 2, digest: { "a@1": [[1, 2]] } });
    l.observe("c", 300, { count: 2, digest: { "a@1": [[1, 2]] } });
    l.traffic(300, 1200, 8);
    l.settle([must("a", [0, 1]), must("b", [0, 1]), must("c", [0, 1])], 320);
    const f = l.figures({ fromMs: 0, toMs: 320 });
    expect(f.precision).toBe("exact");
    expect(f.latencies).toEqual([200, 200]);
    expect(f).toMatchObject({ numbers: 2, bytes: 1200, frames: 8, bytesPerNumber: 600, framesPerNumber: 4 });
    expect(f.latency).toEqual({ p50Ms: 200, p95Ms: 200, maxMs: 200, measured: 2, notStable: 0 });
  });

  it("takes a passed expect's moment as the latest a node can have first held a number the sampler missed", () => {
    const l = new EfficiencyLedger();
    l.acknowledged([0], answer("a@1", [1]), 100, 0);
    l.observe("b", 150, { count: 0, digest: {} });
    l.settle([must("b", [0])], 400);
    expect(l.figures({ fromMs: 0, toMs: 500 }).latencies).toEqual([300]);
  });

  it("is approximate by counts when a node gives no digest: the j-th number is held once the count stays at j", () => {
    const l = new EfficiencyLedger();
    l.acknowledged([0], answer("a@1", [1]), 100, 0);
    l.acknowledged([1], answer("a@1", [2]), 200, 0);
    l.observe("b", 150, { count: 1 });
    l.observe("b", 180, { count: 0 }); // lost it again (restarted without DATA_DIR): held from the next rise on
    l.observe("b", 260, { count: 1 });
    l.observe("b", 400, { count: 2 });
    l.settle([must("b", [0, 1])]);
    const f = l.figures({ fromMs: 0, toMs: 500 });
    expect(f.precision).toBe("approximate");
    expect(f.latencies).toEqual([160, 200]);
    expect(l.approximateBecause()).toMatch(/b gave no digest/);
  });

  it("is approximate when POST answers name no identities, and counts NUMBERS as added without a latency", () => {
    const l = new EfficiencyLedger();
    l.numbersGiven(3);
    l.acknowledged([3], { node: "a" }, 100, 0);
    l.observe("a", 120, { count: 4, digest: { "a@1": [[1, 4]] } });
    l.settle([must("a", [0, 1, 2, 3])]);
    const f = l.figures({ fromMs: 0, toMs: 200, withNumbersGiven: true });
    expect(f.precision).toBe("approximate");
    expect(f.numbers).toBe(4);
    expect(f.latencies).toEqual([20]);
    expect(l.approximateBecause()).toMatch(/1 acknowledged numbers had no identity/);
  });

  it("counts a number some node that must hold it never reported as not stable", () => {
    const l = new EfficiencyLedger();
    l.acknowledged([0], answer("a@1", [1]), 100, 0);
    l.observe("a", 110, { count: 1, digest: { "a@1": [[1, 1]] } });
    l.observe("b", 110, { count: 0, digest: {} });
    l.settle([must("a", [0]), must("b", [0])]); // the run ended before an expect confirmed it
    expect(l.figures({ fromMs: 0, toMs: 200 }).latency).toMatchObject({ measured: 0, notStable: 1 });
  });

  it("splits by window: numbers acknowledged in the time span, or those of one load's step; traffic between the ends", () => {
    const l = new EfficiencyLedger();
    l.traffic(0, 0, 0);
    l.acknowledged([0], answer("a@1", [1]), 100, 0);
    l.acknowledged([1], answer("a@1", [2]), 600, 3);
    l.traffic(500, 1000, 10);
    l.observe("a", 700, { count: 2, digest: { "a@1": [[1, 2]] } });
    l.traffic(1000, 1500, 14);
    l.settle([must("a", [0, 1])], 1000);
    expect(l.figures({ fromMs: 0, toMs: 500 })).toMatchObject({ numbers: 1, bytes: 1000, frames: 10, latencies: [600] });
    expect(l.figures({ fromMs: 500, toMs: 1000 })).toMatchObject({ numbers: 1, bytes: 500, frames: 4, latencies: [100] });
    expect(l.figures({ fromMs: 0, toMs: 1000, step: 3 })).toMatchObject({ numbers: 1, latencies: [100] });
  });

  it("keeps the first verdict on where a number must be held (later restarts do not move it)", () => {
    const l = new EfficiencyLedger();
    l.acknowledged([0], answer("a@1", [1]), 0, 0);
    l.observe("a", 50, { count: 1, digest: { "a@1": [[1, 1]] } });
    l.settle([must("a", [0])], 60);
    l.settle([must("a", [0]), must("late", [0])]);
    expect(l.figures({ fromMs: 0, toMs: 100 }).latency).toMatchObject({ measured: 1, notStable: 0, maxMs: 50 });
  });
});

describe("switches and formatting", () => {
  it("is on by default, off with SUMNET_EFFICIENCY=off, and refuses other values", () => {
    expect(efficiencyWanted({})).toBe(true);
    expect(efficiencyWanted({ SUMNET_EFFICIENCY: "off" })).toBe(false);
    expect(() => efficiencyWanted({ SUMNET_EFFICIENCY: "no" })).toThrow(/SUMNET_EFFICIENCY must be "on" or "off"/);
  });

  it("samples every 100 to 250 ms by network size", () => {
    expect(sampleIntervalFor(3)).toBe(100);
    expect(sampleIntervalFor(20)).toBe(200);
    expect(sampleIntervalFor(500)).toBe(250);
  });

  it("says it in one line, labelled", () => {
    const line = efficiencyLine({
      precision: "exact",
      numbers: 1200,
      bytes: 2_520_000,
      frames: 17_520,
      bytesPerNumber: 2100,
      framesPerNumber: 14.6,
      latency: { p50Ms: 462, p95Ms: 595, maxMs: 810, measured: 1200, notStable: 0 },
      durationMs: 20_000,
    });
    expect(line).toBe("1,200 numbers, 14.6 frames/number (0x04-framed), 2.1 kB/number, stable latency p50 462 / p95 595 / max 810 ms (exact)");
  });
});
