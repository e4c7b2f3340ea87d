import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Replica, type NumberRecord, type Output } from "./replica.js";
import { SetHash } from "./set-hash.js";
import { SeqRanges } from "./seq-ranges.js";
import type { WireMessage } from "../wire/messages.js";

/**
 * Frames made in this process carry the batches they were made of, and a replica merges a batch of runs whole and
 * forwards it as the same frame (the simulator's fast path). These tests hold that path to a model of the set union,
 * number by number: the same frames, handed over as they are or through JSON (as a socket gives them), must leave
 * replicas that agree with the model in every respect.
 */

/** First value wins, number by number, in the order the frames arrived. */
function model(frames: readonly WireMessage[]) {
  const held = new Map<string, Map<number, bigint>>();
  const learned: string[] = [];
  let conflicts = 0;
  for (const f of frames) {
    if (f.type !== "numbers") continue;
    for (const n of f.numbers) {
      const mine = held.get(n.origin) ?? new Map<number, bigint>();
      held.set(n.origin, mine);
      const v = BigInt(n.value);
      const had = mine.get(n.seq);
      if (had !== undefined) {
        if (had !== v) conflicts++;
        continue;
      }
      mine.set(n.seq, v);
      learned.push(`${n.origin}/${n.seq}=${v}`);
    }
  }
  const hash = new SetHash();
  let total = 0n;
  let count = 0;
  const digest: Record<string, [number, number][]> = {};
  for (const [origin, mine] of held) {
    for (const [seq, v] of mine) {
      hash.add(origin, seq);
      total += v;
      count++;
    }
    digest[origin] = SeqRanges.fromSeqs([...mine.keys()]).toJSON();
  }
  return {
    total,
    count,
    summary: { count, hash: hash.toHex() },
    digest,
    numbers: ORIGINS.map((o) =>
      [...(held.get(o) ?? new Map<number, bigint>())].sort((a, b) => a[0] - b[0]).map(([seq, value]) => ({ origin: o, seq, value })),
    ),
    learned,
    conflicts,
  };
}

const ORIGINS = ["x@1", "y@1", "z@1"];
const value = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: -(2n ** 41n), max: 2n ** 41n }),
  fc.constantFrom(2n ** 52n, -(2n ** 53n), 2n ** 63n, -(2n ** 63n), 10n ** 30n),
);
/** A run (one origin, consecutive seqs: what a POST makes) or any records at all (repeats, gaps, several origins). */
const batch = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ORIGINS), fc.integer({ min: 1, max: 60 }), fc.array(value, { minLength: 1, maxLength: 30 }))
    .map(([origin, lo, values]) => values.map((v, i): NumberRecord => ({ origin, seq: lo + i, value: v }))),
  fc.array(
    fc.record({ origin: fc.constantFrom(...ORIGINS), seq: fc.integer({ min: 1, max: 90 }), value }),
    { minLength: 1, maxLength: 30 },
  ),
);

function numbersFrames(outputs: readonly Output[]): WireMessage[] {
  return outputs.flatMap((o) => (o.kind === "send" && o.message.type === "numbers" ? [o.message] : []));
}

function observe(r: Replica, outputs: Output[]) {
  return {
    total: r.total,
    count: r.count,
    summary: r.summary(),
    digest: r.digest(),
    numbers: ORIGINS.map((o) => r.numbersOf(o)),
    learned: outputs.flatMap((o) => (o.kind === "learned" ? o.numbers.map((n) => `${n.origin}/${n.seq}=${n.value}`) : [])),
    conflicts: outputs.filter((o) => o.kind === "conflict").length,
  };
}

describe("batches handed over in process", () => {
  it("leave a replica as a number-by-number model of the union does, as they are and through JSON, for any batches from any writers", () => {
    fc.assert(
      // A write that does not flush leaves its batch queued, so frames also carry several batches (packed whole).
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), batch, fc.boolean()), { minLength: 1, maxLength: 12 }), (writes) => {
        // Three writers, each linked to both receivers: one takes frames as they are, the other through JSON.
        const writers = [0, 1, 2].map((i) => new Replica({ nodeId: `w${i}`, origin: `w${i}@1` }));
        const inProcess = new Replica({ nodeId: "a", origin: "a@1" });
        const viaJson = new Replica({ nodeId: "b", origin: "b@1" });
        writers.forEach((w, i) => {
          w.linkUp(1, "a", "dialer", 0);
          w.linkUp(2, "b", "dialer", 0);
          inProcess.linkUp(i, `w${i}`, "acceptor", 0);
          viaJson.linkUp(i, `w${i}`, "acceptor", 0);
        });
        const outA: Output[] = [];
        const outB: Output[] = [];
        const received: WireMessage[] = [];
        let now = 0;
        const deliver = (w: number) => {
          for (const o of writers[w]!.flush(now)) {
            if (o.kind !== "send" || o.message.type !== "numbers") continue;
            if (o.link === 1) outA.push(...inProcess.receive(w, o.message, now));
            else {
              const copy = JSON.parse(JSON.stringify(o.message)) as WireMessage;
              received.push(copy);
              outB.push(...viaJson.receive(w, copy, now));
            }
          }
        };
        for (const [w, records, flush] of writes) {
          now += 10;
          writers[w]!.addLocal(records, now);
          if (flush) deliver(w);
        }
        for (const w of [0, 1, 2]) deliver(w);
        expect(observe(inProcess, outA)).toEqual(model(received));
        expect(observe(viaJson, outB)).toEqual(model(received));
      }),
      { numRuns: 300 },
    );
  });

  it("forwards a batch learned whole as the very frame it came in, and a copy of the frame is decoded afresh", () => {
    const writer = new Replica({ nodeId: "w", origin: "w@1" });
    const relay = new Replica({ nodeId: "r", origin: "r@1" });
    writer.linkUp(1, "r", "dialer", 0);
    relay.linkUp(1, "w", "acceptor", 0);
    relay.linkUp(2, "s", "dialer", 0);
    writer.addLocal(writer.allocate([1n, 2n, 3n]), 1);
    const [frame] = numbersFrames(writer.flush(1));
    relay.receive(1, frame!, 2);
    const [forwarded] = numbersFrames(relay.flush(2).filter((o) => o.kind === "send" && o.link === 2));
    expect(forwarded!.type === "numbers" && frame!.type === "numbers" && forwarded!.numbers === frame!.numbers).toBe(true);

    // A copy (what a socket gives) is not the frame: it is decoded, merged number by number, and sent as a new frame.
    const other = new Replica({ nodeId: "o", origin: "o@1" });
    other.linkUp(1, "w", "acceptor", 0);
    other.linkUp(2, "s", "dialer", 0);
    const copy = JSON.parse(JSON.stringify(frame)) as WireMessage;
    other.receive(1, copy, 2);
    const [fresh] = numbersFrames(other.flush(2).filter((o) => o.kind === "send" && o.link === 2));
    expect(fresh!.type === "numbers" && copy.type === "numbers" && fresh!.numbers !== copy.numbers).toBe(true);
    expect(other.total).toBe(6n);
    expect(relay.total).toBe(6n);
  });

  it("counts every number of a batch that grew after another replica had learned it whole", () => {
    // The simulator once handed its disk's array over at each start and appended to it in between (explore seed 77):
    // what one replica worked out about the batch must not stand for the grown batch at the next.
    const batch: NumberRecord[] = Array.from({ length: 10 }, (_, i) => ({ origin: "w@1", seq: i + 1, value: BigInt(i + 1) }));
    const first = new Replica({ nodeId: "a", origin: "a@1" });
    first.addLocal(batch);
    expect([first.total, first.count]).toEqual([55n, 10]);
    batch.push({ origin: "a@1", seq: 1, value: 100n });
    const second = new Replica({ nodeId: "a", origin: "a@1" });
    second.addLocal(batch);
    expect([second.total, second.count]).toEqual([155n, 11]);
    batch.push({ origin: "w@1", seq: 11, value: 11n });
    const third = new Replica({ nodeId: "a", origin: "a@1" });
    third.addLocal(batch);
    expect([third.total, third.count]).toEqual([166n, 12]);
  });
});
