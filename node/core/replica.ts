/**
 * The replica: what one peer knows and what it must send, as a pure state machine (sans-I/O).
 *
 * State is a grow-only set of numbers, each identified by (origin, seq). Merging two replicas is set union, so it is
 * commutative, associative and idempotent, and every number counts once however often and by whichever path it
 * arrives. Events go in (a local write, a link up or down, a message, a flush or sync tick); outputs come out
 * (messages to send on links, numbers newly learned). No sockets, timers or files here: `node/peer.ts` wires this to
 * TCP, HTTP and disk, and a simulator can drive it the same way.
 */
import { SeqRanges, type Range } from "./seq-ranges.js";
import { PROTOCOL, MAX_FRAME_BYTES, type WireMessage, type WireNumber } from "../wire/messages.js";

export interface NumberRecord {
  readonly origin: string;
  readonly seq: number;
  readonly value: bigint;
}

export type LinkId = number;

export type Output =
  | { readonly kind: "send"; readonly link: LinkId; readonly message: WireMessage }
  /** Numbers this replica did not know before (from a link or a local write), in the order they were added. */
  | { readonly kind: "learned"; readonly numbers: readonly NumberRecord[]; readonly from: LinkId | "local" }
  /** A message that must end its link: the link speaks another protocol. */
  | { readonly kind: "close"; readonly link: LinkId; readonly reason: string }
  /** A number arrived with an identity already held for a different value; the first value is kept. */
  | { readonly kind: "conflict"; readonly link: LinkId; readonly origin: string; readonly seq: number };

export type Digest = Record<string, Range[]>;

interface OriginState {
  readonly seqs: SeqRanges;
  readonly values: Map<number, bigint>;
}

interface LinkState {
  readonly peer: string;
  /** An acceptor stays silent until it has read the dialer's first frame (p2pnetwork's dialer reads the id whole). */
  active: boolean;
  /** What the other side is known to hold: its digests, plus what crossed this link either way. */
  readonly known: Map<string, SeqRanges>;
  /** Numbers to push at the next flush. */
  queue: NumberRecord[];
}

/** Keep a numbers frame well under the 1 MiB limit. */
const FRAME_BUDGET = Math.floor(MAX_FRAME_BYTES / 2);
const NUMBER_OVERHEAD = 48;

export class Replica {
  readonly nodeId: string;
  /** The origin under which this process writes: `<node>@<incarnation>`. */
  readonly origin: string;
  private nextSeq: number;
  private readonly origins = new Map<string, OriginState>();
  private readonly links = new Map<LinkId, LinkState>();
  private totalValue = 0n;
  private countValue = 0;

  constructor(opts: { nodeId: string; origin: string; nextSeq?: number }) {
    this.nodeId = opts.nodeId;
    this.origin = opts.origin;
    this.nextSeq = opts.nextSeq ?? 1;
  }

  get total(): bigint {
    return this.totalValue;
  }

  get count(): number {
    return this.countValue;
  }

  get hasPendingPushes(): boolean {
    for (const link of this.links.values()) if (link.queue.length) return true;
    return false;
  }

  digest(): Digest {
    const out: Digest = {};
    for (const [origin, state] of this.origins) out[origin] = state.seqs.toJSON();
    return out;
  }

  /** Assigns identities under this replica's origin without adding anything: the caller persists, then adds. */
  allocate(values: readonly bigint[]): NumberRecord[] {
    return values.map((value) => ({ origin: this.origin, seq: this.nextSeq++, value }));
  }

  /** Adds numbers written here (or recovered from disk, or contributed at start). */
  addLocal(records: readonly NumberRecord[]): Output[] {
    const learned = this.merge(records, "local", []);
    if (learned.length === 0) return [];
    this.queueForLinks(learned, undefined);
    return [{ kind: "learned", numbers: learned, from: "local" }];
  }

  /** A link has completed its handshake. The dialer speaks first; the acceptor waits for the dialer's first frame. */
  linkUp(link: LinkId, peer: string, role: "dialer" | "acceptor"): Output[] {
    this.links.set(link, { peer, active: role === "dialer", known: new Map(), queue: [] });
    return role === "dialer" ? this.greet(link) : [];
  }

  linkDown(link: LinkId): void {
    this.links.delete(link);
  }

  receive(link: LinkId, message: WireMessage): Output[] {
    const state = this.links.get(link);
    if (!state) return [];
    const out: Output[] = [];
    if (!state.active) {
      state.active = true;
      out.push(...this.greet(link));
    }
    switch (message.type) {
      case "hello":
        if (message.protocol !== PROTOCOL) {
          out.push({ kind: "close", link, reason: `peer speaks ${message.protocol}, expected ${PROTOCOL}` });
        }
        break;
      case "digest": {
        for (const [origin, ranges] of Object.entries(message.have)) {
          knownFor(state, origin).addAll(SeqRanges.from(ranges));
        }
        this.queueMissing(state);
        break;
      }
      case "numbers": {
        const records: NumberRecord[] = message.numbers.map((n) => ({
          origin: n.origin,
          seq: n.seq,
          value: BigInt(n.value),
        }));
        for (const r of records) knownFor(state, r.origin).add(r.seq);
        const learned = this.merge(records, link, out);
        if (learned.length) {
          this.queueForLinks(learned, link);
          out.push({ kind: "learned", numbers: learned, from: link });
        }
        break;
      }
    }
    return out;
  }

  /** Sends what is queued: called by the adapter at most one batching period after something was queued. */
  flush(): Output[] {
    const out: Output[] = [];
    for (const [link, state] of this.links) {
      if (!state.queue.length) continue;
      for (const numbers of chunk(state.queue)) out.push({ kind: "send", link, message: { type: "numbers", numbers } });
      state.queue = [];
    }
    return out;
  }

  /** Periodic anti-entropy: every active link gets this replica's digest, and answers with what is missing here. */
  sync(): Output[] {
    const out: Output[] = [];
    const have = this.digest();
    for (const [link, state] of this.links) {
      if (state.active) out.push({ kind: "send", link, message: { type: "digest", have } });
    }
    return out;
  }

  /** Numbers held for one origin, in sequence order (for the control API and tests). */
  numbersOf(origin: string): NumberRecord[] {
    const state = this.origins.get(origin);
    if (!state) return [];
    return [...state.values.entries()].sort((a, b) => a[0] - b[0]).map(([seq, value]) => ({ origin, seq, value }));
  }

  linkPeer(link: LinkId): string | undefined {
    return this.links.get(link)?.peer;
  }

  private greet(link: LinkId): Output[] {
    return [
      { kind: "send", link, message: { type: "hello", protocol: PROTOCOL, node: this.nodeId } },
      { kind: "send", link, message: { type: "digest", have: this.digest() } },
    ];
  }

  private merge(records: readonly NumberRecord[], from: LinkId | "local", out: Output[]): NumberRecord[] {
    const learned: NumberRecord[] = [];
    for (const r of records) {
      let state = this.origins.get(r.origin);
      if (!state) {
        state = { seqs: new SeqRanges(), values: new Map() };
        this.origins.set(r.origin, state);
      }
      const held = state.values.get(r.seq);
      if (held !== undefined) {
        if (held !== r.value && from !== "local") out.push({ kind: "conflict", link: from, origin: r.origin, seq: r.seq });
        continue;
      }
      state.values.set(r.seq, r.value);
      state.seqs.add(r.seq);
      this.totalValue += r.value;
      this.countValue++;
      learned.push(r);
    }
    // A recovered or restarted writer must never reuse a sequence number of its own origin.
    for (const r of learned) if (r.origin === this.origin && r.seq >= this.nextSeq) this.nextSeq = r.seq + 1;
    return learned;
  }

  private queueForLinks(records: readonly NumberRecord[], except: LinkId | undefined): void {
    for (const [link, state] of this.links) {
      if (link === except || !state.active) continue;
      for (const r of records) {
        if (knownFor(state, r.origin).add(r.seq)) state.queue.push(r);
      }
    }
  }

  /** Queues on one link everything held here that its side is not known to hold. */
  private queueMissing(state: LinkState): void {
    for (const [origin, mine] of this.origins) {
      const theirs = knownFor(state, origin);
      for (const [lo, hi] of mine.seqs.minus(theirs)) {
        for (let seq = lo; seq <= hi; seq++) state.queue.push({ origin, seq, value: mine.values.get(seq)! });
        theirs.addRange(lo, hi);
      }
    }
  }
}

function knownFor(state: LinkState, origin: string): SeqRanges {
  let set = state.known.get(origin);
  if (!set) {
    set = new SeqRanges();
    state.known.set(origin, set);
  }
  return set;
}

export function toWire(r: NumberRecord): WireNumber {
  return { origin: r.origin, seq: r.seq, value: r.value.toString() };
}

function* chunk(records: readonly NumberRecord[]): Generator<WireNumber[]> {
  let batch: WireNumber[] = [];
  let bytes = 0;
  for (const r of records) {
    const n = toWire(r);
    const size = n.origin.length + n.value.length + NUMBER_OVERHEAD;
    if (batch.length && bytes + size > FRAME_BUDGET) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(n);
    bytes += size;
  }
  if (batch.length) yield batch;
}
