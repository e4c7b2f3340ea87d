import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Replica, type LinkId, type NumberRecord, type Output } from "./replica.js";
import type { WireMessage } from "../wire/messages.js";

/**
 * A deterministic in-memory network of replicas: the core needs no sockets, so a whole network runs inside a test.
 * Each link is two FIFO queues (as TCP gives); the scheduler picks which queue delivers next.
 */
class SimNet {
  readonly replicas: Replica[] = [];
  private readonly queues = new Map<LinkId, WireMessage[]>();
  /** link id -> [owner replica index, link id at the other end] */
  private readonly ends = new Map<LinkId, [number, LinkId]>();
  private nextLink = 1;
  readonly sent: WireMessage[] = [];

  constructor(n: number) {
    for (let i = 0; i < n; i++) this.replicas.push(new Replica({ nodeId: `n${i}`, origin: `n${i}@sim` }));
  }

  connect(a: number, b: number): [LinkId, LinkId] {
    const la = this.nextLink++;
    const lb = this.nextLink++;
    this.ends.set(la, [a, lb]);
    this.ends.set(lb, [b, la]);
    this.queues.set(la, []);
    this.queues.set(lb, []);
    this.apply(a, this.replicas[a]!.linkUp(la, `n${b}`, "dialer"));
    this.apply(b, this.replicas[b]!.linkUp(lb, `n${a}`, "acceptor"));
    return [la, lb];
  }

  disconnect(la: LinkId): void {
    const [a, lb] = this.ends.get(la)!;
    const [b] = this.ends.get(lb)!;
    this.replicas[a]!.linkDown(la);
    this.replicas[b]!.linkDown(lb);
    this.queues.delete(la);
    this.queues.delete(lb);
  }

  inject(i: number, values: bigint[]): void {
    const r = this.replicas[i]!;
    this.apply(i, r.addLocal(r.allocate(values)));
  }

  /** Messages queued for delivery *to* the owner of `link`'s far end, i.e. sent on `link`. */
  pending(): LinkId[] {
    return [...this.queues].filter(([, q]) => q.length).map(([l]) => l);
  }

  deliverOne(sentOn: LinkId, duplicate = false): void {
    const q = this.queues.get(sentOn)!;
    const msg = duplicate ? q[0]! : q.shift()!;
    const [, farLink] = this.ends.get(sentOn)!;
    const [owner] = this.ends.get(farLink)!;
    this.apply(owner, this.replicas[owner]!.receive(farLink, msg));
  }

  flushAll(): void {
    this.replicas.forEach((r, i) => this.apply(i, r.flush()));
  }

  syncAll(): void {
    this.replicas.forEach((r, i) => this.apply(i, r.sync()));
  }

  /** Delivers and flushes until nothing moves. */
  drain(pick: (n: number) => number = () => 0): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      this.flushAll();
      const p = this.pending();
      if (!p.length) return;
      this.deliverOne(p[pick(p.length) % p.length]!);
    }
    throw new Error("simulation did not quiesce");
  }

  private apply(i: number, outputs: readonly Output[]): void {
    for (const o of outputs) {
      if (o.kind !== "send") continue;
      const q = this.queues.get(o.link);
      if (!q) continue; // link gone
      q.push(o.message);
      this.sent.push(o.message);
      void i;
    }
  }
}

const bigValue = fc.oneof(
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.integer({ min: -1000, max: 1000 }).map(BigInt),
);

/** A random connected graph: a random spanning tree plus extra edges. */
const graph = fc.integer({ min: 2, max: 7 }).chain((n) =>
  fc
    .tuple(
      fc.array(fc.nat(), { minLength: n - 1, maxLength: n - 1 }),
      fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })), { maxLength: n }),
    )
    .map(([parents, extra]) => {
      const edges: [number, number][] = parents.map((p, i) => [i + 1, p % (i + 1)]);
      for (const [a, b] of extra) if (a !== b) edges.push([a, b]);
      return { n, edges };
    }),
);

function sum(values: bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}

describe("Replica in a simulated network", () => {
  it("every replica converges to the exact sum, whatever the delivery order, duplicates and sync ticks", () => {
    fc.assert(
      fc.property(
        graph,
        fc.array(fc.tuple(fc.nat(), fc.array(bigValue, { minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        ({ n, edges }, injections, schedule) => {
          const net = new SimNet(n);
          for (const [a, b] of edges) net.connect(a, b);
          const all: bigint[] = [];
          let s = 0;
          for (const [at, values] of injections) {
            net.inject(at % n, values);
            all.push(...values);
            // Interleave some deliveries, duplicate deliveries and sync ticks between injections.
            for (let k = 0; k < 5; k++) {
              const choice = schedule[s++ % schedule.length]!;
              const p = net.pending();
              if (choice % 7 === 0) net.syncAll();
              else if (choice % 7 === 1) net.flushAll();
              else if (p.length) net.deliverOne(p[choice % p.length]!, choice % 5 === 0);
            }
          }
          net.drain((len) => schedule[s++ % schedule.length]! % len);
          for (const r of net.replicas) {
            expect(r.total).toBe(sum(all));
            expect(r.count).toBe(all.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a line of N converges by forwarding alone, one push per link per number", () => {
    const n = 10;
    const net = new SimNet(n);
    for (let i = 0; i + 1 < n; i++) net.connect(i, i + 1);
    net.drain();
    const before = net.sent.length;
    net.inject(0, [5n]);
    net.drain();
    for (const r of net.replicas) expect(r.total).toBe(5n);
    const numbersFrames = net.sent.slice(before).filter((m) => m.type === "numbers");
    expect(numbersFrames).toHaveLength(n - 1);
  });

  it("resynchronises through digests after a link comes back", () => {
    const net = new SimNet(2);
    const [la] = net.connect(0, 1);
    net.drain();
    net.disconnect(la);
    net.inject(0, [1n, 2n]);
    net.inject(1, [10n]);
    net.drain();
    expect(net.replicas[1]!.total).toBe(10n);
    net.connect(1, 0);
    net.drain();
    expect(net.replicas.map((r) => r.total)).toEqual([13n, 13n]);
  });

  it("a restarted replica with a new origin relearns everything and adds under a fresh identity", () => {
    const net = new SimNet(3);
    net.connect(0, 1);
    net.connect(1, 2);
    net.inject(2, [7n, 8n]);
    net.drain();
    // Replica 2 restarts without its data: a new origin, an empty state.
    const fresh = new Replica({ nodeId: "n2", origin: "n2@second" });
    net.replicas[2] = fresh;
    net.connect(2, 1);
    net.inject(2, [100n]);
    net.drain();
    for (const r of net.replicas) expect([r.total, r.count]).toEqual([115n, 3]);
  });
});

describe("Replica merge", () => {
  const numbers = fc.array(
    fc.record({ origin: fc.constantFrom("a@1", "b@1", "c@x"), seq: fc.integer({ min: 1, max: 30 }), value: bigValue }),
    { maxLength: 40 },
  );

  /** Values are a function of identity, as they are in a correct network. */
  function normalise(records: { origin: string; seq: number; value: bigint }[]): NumberRecord[] {
    return records.map((r) => ({ ...r, value: BigInt(r.seq) * (r.origin === "a@1" ? 3n : -7n) + r.value * 0n }));
  }

  function fed(...batches: NumberRecord[][]): Replica {
    const r = new Replica({ nodeId: "x", origin: "x@1" });
    r.linkUp(1, "peer", "dialer");
    for (const b of batches) {
      r.receive(1, {
        type: "numbers",
        numbers: b.map((n) => ({ origin: n.origin, seq: n.seq, value: n.value.toString() })),
      });
    }
    return r;
  }

  const view = (r: Replica) => ({ total: r.total, count: r.count, digest: r.digest() });
  const sorted = (r: Replica) => {
    const d = r.digest();
    return Object.fromEntries(Object.keys(d).sort().map((k) => [k, d[k]]));
  };

  it("is commutative", () => {
    fc.assert(
      fc.property(numbers, numbers, (a, b) => {
        const [x, y] = [normalise(a), normalise(b)];
        const ab = fed(x, y);
        const ba = fed(y, x);
        expect([ab.total, ab.count, sorted(ab)]).toEqual([ba.total, ba.count, sorted(ba)]);
      }),
    );
  });

  it("is associative", () => {
    fc.assert(
      fc.property(numbers, numbers, numbers, (a, b, c) => {
        const [x, y, z] = [normalise(a), normalise(b), normalise(c)];
        const left = fed([...x, ...y], z);
        const right = fed(x, [...y, ...z]);
        expect([left.total, left.count, sorted(left)]).toEqual([right.total, right.count, sorted(right)]);
      }),
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(numbers, (a) => {
        const x = normalise(a);
        expect(view(fed(x, x, x))).toEqual(view(fed(x)));
      }),
    );
  });

  it("keeps the first value and reports a conflict when an identity comes back with another value", () => {
    const r = new Replica({ nodeId: "x", origin: "x@1" });
    r.linkUp(1, "p", "dialer");
    r.receive(1, { type: "numbers", numbers: [{ origin: "p@1", seq: 1, value: "5" }] });
    const out = r.receive(1, { type: "numbers", numbers: [{ origin: "p@1", seq: 1, value: "6" }] });
    expect(out).toContainEqual({ kind: "conflict", link: 1, origin: "p@1", seq: 1 });
    expect([r.total, r.count]).toEqual([5n, 1]);
  });
});

describe("Replica link protocol", () => {
  it("the dialer greets at once; the acceptor stays silent until the dialer's first frame", () => {
    const r = new Replica({ nodeId: "acc", origin: "acc@1" });
    r.addLocal(r.allocate([1n]));
    expect(r.linkUp(1, "dialer", "acceptor")).toEqual([]);
    r.addLocal(r.allocate([2n]));
    expect(r.flush()).toEqual([]);
    const out = r.receive(1, { type: "hello", protocol: "sumnet/1", node: "dialer" });
    expect(out.map((o) => o.kind === "send" && o.message.type)).toEqual(["hello", "digest"]);

    const d = new Replica({ nodeId: "dia", origin: "dia@1" });
    expect(d.linkUp(1, "acc", "dialer").map((o) => o.kind === "send" && o.message.type)).toEqual(["hello", "digest"]);
  });

  it("closes a link that speaks another protocol version", () => {
    const r = new Replica({ nodeId: "a", origin: "a@1" });
    r.linkUp(1, "b", "dialer");
    const out = r.receive(1, { type: "hello", protocol: "sumnet/9", node: "b" });
    expect(out).toContainEqual({ kind: "close", link: 1, reason: "peer speaks sumnet/9, expected sumnet/1" });
  });

  it("answers a digest with exactly what the other side lacks", () => {
    const r = new Replica({ nodeId: "a", origin: "a@1" });
    r.addLocal(r.allocate([1n, 2n, 3n, 4n]));
    r.linkUp(1, "b", "dialer");
    r.receive(1, { type: "digest", have: { "a@1": [[1, 1], [3, 3]] } });
    const sent = r.flush();
    expect(sent).toEqual([
      {
        kind: "send",
        link: 1,
        message: {
          type: "numbers",
          numbers: [
            { origin: "a@1", seq: 2, value: "2" },
            { origin: "a@1", seq: 4, value: "4" },
          ],
        },
      },
    ]);
  });

  it("never reuses its own sequence numbers after recovering them", () => {
    const r = new Replica({ nodeId: "a", origin: "a@1" });
    r.addLocal([{ origin: "a@1", seq: 9, value: 1n }]);
    expect(r.allocate([5n])[0]!.seq).toBe(10);
  });
});

describe("Replica under adversarial orderings (found by npm run fuzz)", () => {
  // Before the fix, every sequence number or range that arrived below the ones already held was inserted by a scan
  // of the whole set: one 850 kB digest frame of 60,000 ranges in descending order blocked a peer for 95 s.
  it("takes a digest of 60,000 ranges in descending order and answers with exactly what the other side lacks", () => {
    const replica = new Replica({ nodeId: "a", origin: "a@1" });
    replica.addLocal(replica.allocate(Array.from({ length: 10 }, (_, i) => BigInt(i))));
    replica.linkUp(1, "b", "dialer");
    const n = 60_000;
    const have = { "a@1": Array.from({ length: n }, (_, i) => [2 * (n - i), 2 * (n - i)] as [number, number]) };
    replica.receive(1, { type: "digest", have });
    const sent = replica.flush().flatMap((o) => (o.kind === "send" && o.message.type === "numbers" ? o.message.numbers : []));
    // The other side holds the even seqs: it lacks a@1's odd ones, 1 to 9.
    expect(sent.map((w) => w.seq)).toEqual([1, 3, 5, 7, 9]);
  }, 20_000);

  it("counts 30,000 numbers of one origin sent in descending order once each", () => {
    const replica = new Replica({ nodeId: "a", origin: "a@1" });
    replica.linkUp(1, "b", "dialer");
    replica.linkUp(2, "c", "dialer");
    const n = 30_000;
    const numbers = Array.from({ length: n }, (_, i) => ({ origin: "b@1", seq: 2 * (n - i) + 1, value: "1" }));
    replica.receive(1, { type: "numbers", numbers });
    replica.receive(1, { type: "numbers", numbers });
    expect(replica.count).toBe(n);
    expect(replica.total).toBe(BigInt(n));
    const forwarded = replica.flush().flatMap((o) => (o.kind === "send" && o.link === 2 && o.message.type === "numbers" ? o.message.numbers : []));
    expect(forwarded.length).toBe(n);
    expect(replica.digest()["b@1"]?.length).toBe(n);
  }, 20_000);
});


describe("Replica totals", () => {
  it("stays exact where a sum of plain numbers would round: thousands of values near 2^40, big ones between", () => {
    const r = new Replica({ nodeId: "n1", origin: "n1@t" });
    const values: bigint[] = [];
    for (let i = 0; i < 12_000; i++) values.push(i % 7 === 0 ? -(2n ** 40n) + BigInt(i) : 2n ** 40n - BigInt(i));
    values.push(2n ** 70n + 1n, -(2n ** 41n), 3n);
    // One batch (the running sum of small values passes 2^53), then the same values again from another origin, one
    // at a time.
    r.addLocal(r.allocate(values));
    const other = values.map((value, i) => ({ origin: "n2@t", seq: i + 1, value }));
    for (const rec of other) r.addLocal([rec]);
    const expected = 2n * values.reduce((a, b) => a + b, 0n);
    expect(r.total).toBe(expected);
    expect(r.count).toBe(2 * values.length);
  });
});
