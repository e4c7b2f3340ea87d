import { describe, expect, it } from "vitest";
import { PeerCore, TOTAL_LOG_INTERVAL_MS, type Effect, type PeerCoreConfig } from "./peer-core.js";
import type { WireMessage } from "../wire/messages.js";

const config = (over: Partial<PeerCoreConfig> = {}): PeerCoreConfig => ({
  nodeId: "n1",
  dissemination: "flood",
  batchMs: 5,
  syncIntervalMs: 1000,
  numbers: [],
  ...over,
});

const numbersFrame = (origin: string, seq: number, value: number): WireMessage => ({
  type: "numbers",
  numbers: [{ origin, seq, value: String(value) }],
});

const totals = (effects: readonly Effect[]) => effects.filter((e) => e.kind === "log" && e.event === "total");

describe("PeerCore", () => {
  it("writes under the recovered origin, else under node@incarnation; recovered numbers and NUMBERS count once", () => {
    const fresh = new PeerCore(config({ numbers: [5n, 7n] }), { incarnation: "abc", durable: false, now: 0, random: Math.random });
    expect(fresh.origin).toBe("n1@abc");
    expect(fresh.replica.total).toBe(12n);
    // A restart with a data folder: its origin, what it held (including NUMBERS' fixed identities), NUMBERS again.
    const held = fresh.replica.numbersOf("n1@init");
    const again = new PeerCore(config({ numbers: [5n, 7n] }), {
      incarnation: "def",
      durable: true,
      recovered: { origin: "n1@abc", numbers: [...held, { origin: "n1@abc", seq: 1, value: 100n }] },
      now: 0,
      random: Math.random,
    });
    expect(again.origin).toBe("n1@abc");
    expect(again.recovered).toBe(3);
    expect(again.replica.total).toBe(112n);
    // The writer never reuses a recovered sequence number.
    expect(again.allocate([1n])[0]).toMatchObject({ origin: "n1@abc", seq: 2 });
  });

  it("persists numbers learned from links only when durable, and a client's numbers never (the shell did)", () => {
    for (const durable of [false, true]) {
      const core = new PeerCore(config(), { incarnation: "x", durable, now: 0, random: Math.random });
      core.linkUp(1, "n2", "dialer", 0);
      const fromLink = core.receive(1, numbersFrame("n2@y", 1, 4), 1);
      expect(fromLink.filter((e) => e.kind === "persist")).toHaveLength(durable ? 1 : 0);
      const records = core.allocate([9n]);
      const { effects, added } = core.commit(records, 2);
      expect(effects.filter((e) => e.kind === "persist")).toHaveLength(0);
      expect(added).toEqual([{ id: "n1@x:1", origin: "n1@x", seq: 1, value: "9" }]);
      expect(core.totalAnswer()).toEqual({ total: 13n, count: 2 });
    }
  });

  it("logs the total at most every TOTAL_LOG_INTERVAL_MS, and a pending change at a graceful stop", () => {
    const core = new PeerCore(config(), { incarnation: "x", durable: false, now: 0, random: Math.random });
    expect(totals([core.totalLine(0)])).toHaveLength(1);
    core.commit(core.allocate([1n]), 10);
    expect(core.nextWakeAt()).toBe(TOTAL_LOG_INTERVAL_MS);
    expect(totals(core.tick(50))).toHaveLength(0);
    const due = totals(core.tick(TOTAL_LOG_INTERVAL_MS));
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ fields: { total: 1n, count: 1 } });
    // Nothing changed since: no line, and nothing to wake for but the replica's own work.
    expect(totals(core.tick(500))).toHaveLength(0);
    core.commit(core.allocate([2n]), 510);
    const stop = core.stop(520);
    expect(totals(stop)).toHaveLength(1);
    expect(core.nextWakeAt()).toBe(Infinity);
  });

  it("turns a conflicting number into a warning the shell counts", () => {
    const core = new PeerCore(config(), { incarnation: "x", durable: false, now: 0, random: Math.random });
    core.linkUp(1, "n2", "dialer", 0);
    core.receive(1, numbersFrame("n2@y", 1, 4), 1);
    const effects = core.receive(1, numbersFrame("n2@y", 1, 5), 2);
    expect(effects).toContainEqual(
      expect.objectContaining({ kind: "log", level: "warn", event: "conflicting number ignored", conflict: true }),
    );
    expect(core.replica.total).toBe(4n);
  });

  it("at LOG_LEVEL debug, logs each batch learned with its identities as ranges and where it came from", () => {
    const learnedLines = (effects: readonly Effect[]) => effects.filter((e) => e.kind === "log" && e.event === "learned");
    const quiet = new PeerCore(config(), { incarnation: "x", durable: false, now: 0, random: Math.random });
    quiet.linkUp(1, "n2", "dialer", 0);
    expect(learnedLines(quiet.receive(1, numbersFrame("n2@y", 1, 4), 1))).toEqual([]);

    const core = new PeerCore(config({ logLevel: "debug" }), { incarnation: "x", durable: false, now: 0, random: Math.random });
    core.linkUp(1, "n2", "dialer", 0);
    const frame: WireMessage = {
      type: "numbers",
      numbers: [1, 2, 3, 5].map((seq) => ({ origin: "n2@y", seq, value: "1" })).concat([{ origin: "n3@z", seq: 7, value: "2" }]),
    };
    expect(learnedLines(core.receive(1, frame, 1))).toEqual([
      { kind: "log", level: "debug", event: "learned", fields: { from: "n2", count: 5, numbers: "n2@y:1-3,5 n3@z:7" } },
    ]);
    // What was known already is not learned again; a client's numbers come from "local".
    expect(learnedLines(core.receive(1, frame, 2))).toEqual([]);
    const { effects } = core.commit(core.allocate([9n, 10n]), 3);
    expect(learnedLines(effects)).toEqual([
      { kind: "log", level: "debug", event: "learned", fields: { from: "local", count: 2, numbers: "n1@x:1-2" } },
    ]);
  });
});
