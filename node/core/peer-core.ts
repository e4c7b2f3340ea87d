/**
 * The reference peer as a state machine (sans-I/O): the replica and everything the peer decides around it, with time,
 * identity and what a data folder held given as inputs. Both shells run this same code: `node/peer.ts` (sockets,
 * timers, HTTP, the number log) and the simulator's `harness/runtime/sim/sim-node.ts` (virtual time, a simulated
 * disk). A shell feeds it events and carries out the effects it returns, then asks `nextWakeAt()` when to call `tick`.
 *
 * Decided here, once:
 * - the writer's identity: the origin recovered from the data folder, else `<node>@<incarnation>` (the shell draws the
 *   incarnation: the real peer from the clock and randomness, the simulator from its seed);
 * - recovery: what the data folder held is added first, then NUMBERS under the fixed identities `<node>@init`, seq
 *   i+1, so a restart counts them once;
 * - durability: numbers learned from links are persisted (`persist`) when the peer has a data folder; a client's
 *   numbers get identities (`allocate`), the shell makes them durable, and only then are they added (`commit`);
 * - the log of the total: at most every `TOTAL_LOG_INTERVAL_MS`, and once more at a graceful stop;
 * - when to redial a peer after a failed dial or a lost link (`redials`, with the randomness given by the shell);
 * - what the control API answers (`added`, `totalAnswer`, `state`).
 */
import { SeqRanges } from "./seq-ranges.js";
import { Replica, type Dissemination, type LinkId, type NumberRecord, type Output } from "./replica.js";
import type { WireMessage } from "../wire/messages.js";
import { Redials } from "./redial.js";
import type { OriginIndex } from "./origin-index.js";

/** The total goes to the log at most this often. */
export const TOTAL_LOG_INTERVAL_MS = 100;

/** What the core needs of the peer's configuration (node/config.ts's PeerConfig has it all). */
export interface PeerCoreConfig {
  readonly nodeId: string;
  readonly dissemination: Dissemination;
  readonly batchMs: number;
  readonly syncIntervalMs: number;
  /** NUMBERS: values contributed at every start under fixed identities. */
  readonly numbers: readonly bigint[];
  /** LOG_LEVEL: "debug" logs every batch of numbers learned, with their identities (for exact latency). */
  readonly logLevel?: "info" | "debug" | undefined;
}

/** What the data folder held at start (nothing without one). */
export interface Recovered {
  readonly origin?: string | undefined;
  readonly numbers: readonly NumberRecord[];
}

type LogValue = string | number | bigint | boolean | undefined;

export type Effect =
  | { readonly kind: "send"; readonly link: LinkId; readonly message: WireMessage }
  | { readonly kind: "close"; readonly link: LinkId; readonly reason: string }
  /** Numbers learned from a link, to append to the data folder (only for a peer that has one). */
  | { readonly kind: "persist"; readonly numbers: readonly NumberRecord[] }
  /** Numbers new here, from anywhere (the real peer relays them to its legacy p2pnetwork links). */
  | { readonly kind: "learned"; readonly numbers: readonly NumberRecord[]; readonly from: LinkId | "local" }
  | {
      readonly kind: "log";
      readonly level: "debug" | "info" | "warn";
      readonly event: string;
      readonly fields: Readonly<Record<string, LogValue>>;
      /** A number with an identity already held for a different value (the peer counts these). */
      readonly conflict?: true;
    };

/** One number as `POST /numbers` acknowledges it. */
export interface AddedNumber {
  readonly id: string;
  readonly origin: string;
  readonly seq: number;
  readonly value: string;
}

export class PeerCore {
  readonly replica: Replica;
  /** When to dial a peer again: the shells ask, and own the timers and the dialing. */
  readonly redials: Redials;
  readonly origin: string;
  /** How many numbers came back from the data folder. */
  readonly recovered: number;
  private readonly config: PeerCoreConfig;
  /** Whether the peer has a data folder (DATA_DIR): what it learns from links is then persisted. */
  private readonly durable: boolean;
  private totalLogAt = Infinity;
  private lastTotalLogged = -Infinity;
  private stopped = false;

  constructor(
    config: PeerCoreConfig,
    opts: {
      incarnation: string;
      durable: boolean;
      recovered?: Recovered | undefined;
      now: number;
      /** Uniform in [0, 1): the redial jitter's randomness (seeded in the simulator). */
      random: () => number;
      /** An index of origins shared by the peers of one process (the simulator's); by default the replica's own. */
      origins?: OriginIndex;
    },
  ) {
    this.config = config;
    this.redials = new Redials(opts.random);
    this.durable = opts.durable;
    this.origin = opts.recovered?.origin ?? `${config.nodeId}@${opts.incarnation}`;
    this.replica = new Replica({
      nodeId: config.nodeId,
      origin: this.origin,
      dissemination: config.dissemination,
      timing: { batchMs: config.batchMs, syncIntervalMs: config.syncIntervalMs },
      now: opts.now,
      origins: opts.origins,
    });
    const recovered = opts.recovered?.numbers ?? [];
    this.recovered = recovered.length;
    this.replica.addLocal(recovered);
    // Numbers given at start have identities fixed by node and position: restarts add nothing twice.
    this.replica.addLocal(config.numbers.map((value, i) => ({ origin: `${config.nodeId}@init`, seq: i + 1, value })));
  }

  /** The log line of the total, as the peer writes it at start, every change (throttled) and at stop. */
  totalLine(now: number): Effect {
    this.lastTotalLogged = now;
    this.totalLogAt = Infinity;
    return { kind: "log", level: "info", event: "total", fields: { total: this.replica.total, count: this.replica.count } };
  }

  linkUp(link: LinkId, peer: string, role: "dialer" | "acceptor", now: number): Effect[] {
    return this.effects(this.replica.linkUp(link, peer, role, now), now);
  }

  receive(link: LinkId, message: WireMessage, now: number): Effect[] {
    return this.effects(this.replica.receive(link, message, now), now);
  }

  linkDown(link: LinkId, now: number): Effect[] {
    return this.effects(this.replica.linkDown(link, now), now);
  }

  /** Identities for values a client writes: the shell makes them durable, then calls `commit` with them. */
  allocate(values: readonly bigint[]): NumberRecord[] {
    return this.replica.allocate(values);
  }

  /** Adds a client's numbers (durable by now) and says what `POST /numbers` answers. */
  commit(records: readonly NumberRecord[], now: number): { effects: Effect[]; added: AddedNumber[] } {
    return {
      effects: this.effects(this.replica.addLocal(records, now), now),
      added: records.map((r) => ({ id: `${r.origin}:${r.seq}`, origin: r.origin, seq: r.seq, value: r.value.toString() })),
    };
  }

  /** Numbers added from outside the replica's links (p2pnetwork's legacy links) as if they came from here. */
  addLocal(records: readonly NumberRecord[], now: number): Effect[] {
    return this.effects(this.replica.addLocal(records, now), now);
  }

  /** Whatever is due at `now`: the replica's batches and anti-entropy, and a throttled log of the total. */
  tick(now: number): Effect[] {
    const out = this.effects(this.replica.tick(now), now);
    if (now >= this.totalLogAt) out.push(this.totalLine(now));
    return out;
  }

  /** When `tick` next has something to do (Infinity: nothing until an event). */
  nextWakeAt(): number {
    return this.stopped ? Infinity : Math.min(this.replica.nextTickAt(), this.totalLogAt);
  }

  /** A graceful stop: what waits in a batch leaves now, and the total is logged if a change is not yet. */
  stop(now: number): Effect[] {
    this.stopped = true;
    const out = this.effects(this.replica.flush(now), now);
    if (this.totalLogAt !== Infinity) out.push(this.totalLine(now));
    return out;
  }

  totalAnswer(): { total: bigint; count: number } {
    return { total: this.replica.total, count: this.replica.count };
  }

  /** `GET /state` as the reference peer answers it, with the shell's view of its links. */
  state<L>(links: L): { node: string; origin: string; total: string; count: number; links: L; digest: ReturnType<Replica["digest"]> } {
    return {
      node: this.config.nodeId,
      origin: this.replica.origin,
      total: this.replica.total.toString(),
      count: this.replica.count,
      links,
      digest: this.replica.digest(),
    };
  }

  /**
   * The debug line of numbers learned: `from` (the peer's name, or "local" for a client's) and `numbers`, each origin
   * with its sequence numbers as ranges (`a@x:1-5,9 b@y:3`). Times in these lines give each number's exact arrival.
   */
  private learnedLine(numbers: readonly NumberRecord[], from: LinkId | "local"): Effect {
    const byOrigin = new Map<string, number[]>();
    for (const n of numbers) {
      const seqs = byOrigin.get(n.origin);
      if (seqs) seqs.push(n.seq);
      else byOrigin.set(n.origin, [n.seq]);
    }
    const parts: string[] = [];
    for (const [origin, seqs] of byOrigin) {
      const ranges = SeqRanges.fromSeqs(seqs).toJSON().map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`));
      parts.push(`${origin}:${ranges.join(",")}`);
    }
    const fromName = from === "local" ? "local" : (this.replica.linkPeer(from) ?? `link ${from}`);
    return { kind: "log", level: "debug", event: "learned", fields: { from: fromName, count: numbers.length, numbers: parts.join(" ") } };
  }

  private effects(outputs: readonly Output[], now: number): Effect[] {
    const out: Effect[] = [];
    for (const o of outputs) {
      switch (o.kind) {
        case "send":
          out.push(o);
          break;
        case "learned":
          if (o.from !== "local" && this.durable) out.push({ kind: "persist", numbers: o.numbers });
          out.push(o);
          if (this.config.logLevel === "debug") out.push(this.learnedLine(o.numbers, o.from));
          if (this.totalLogAt === Infinity && !this.stopped) {
            this.totalLogAt = Math.max(now, this.lastTotalLogged + TOTAL_LOG_INTERVAL_MS);
          }
          break;
        case "close":
          out.push(o);
          break;
        case "conflict":
          out.push({
            kind: "log",
            level: "warn",
            event: "conflicting number ignored",
            fields: { peer: this.replica.linkPeer(o.link), origin: o.origin, seq: o.seq },
            conflict: true,
          });
          break;
      }
    }
    return out;
  }
}
