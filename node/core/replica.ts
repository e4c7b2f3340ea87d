/**
 * The replica: what one peer knows and what it must send, as a pure state machine (sans-I/O).
 *
 * State is a grow-only set of numbers, each identified by (origin, seq). Merging two replicas is set union, so it is
 * commutative, associative and idempotent, and every number counts once however often and by whichever path it
 * arrives. Events go in (a local write, a link up or down, a message, a flush or sync tick); outputs come out
 * (messages to send on links, numbers newly learned). No sockets, timers or files here: `node/peer.ts` wires this to
 * TCP, HTTP and disk, and a simulator can drive it the same way. Time is an input (`now` on events, `tick(now)`), and
 * `nextTickAt()` says when the replica next needs a tick.
 *
 * Dissemination, per link (negotiated in the hellos, see PROTOCOL.md):
 * - flood (plain sumnet/1, and every link to a peer that does not offer tree/1): every number is pushed on every link
 *   whose side is not known to hold it; a full digest crosses every link every `syncIntervalMs`.
 * - tree (tree/1, Plumtree): numbers are pushed on eager links only; a frame that taught nothing new prunes its link to
 *   lazy; lazy links get announcements (`ihave`) of recent numbers, and one that names something still missing after
 *   `graftTimeoutMs` grafts the link back to eager. Anti-entropy exchanges a constant-size summary on links that have
 *   been quiet for `summaryIdleMs`, and full digests only where summaries differ. Pushes gather longer on a peer with
 *   many eager links (a hub sends each frame on all of them), announcements longer on one with many lazy links.
 * - depth (depth/1, taken with tree/1): the two sides of a tree link tell each other the depth of the tree behind them
 *   and measure the link's round trip, and a number bound for a branch shallower than the deepest it goes down waits up
 *   to the difference (tree-depth.ts): it still arrives before the deepest branch's end has it.
 */
import { SeqRanges, type Range } from "./seq-ranges.js";
import { MIN_SHARED_RUN } from "./origin-values.js";
import { HeldNumbers } from "./held-numbers.js";
import { IdSet } from "./id-set.js";
import { OriginIndex } from "./origin-index.js";
import { SetHash } from "./set-hash.js";
import { joinNumbers } from "../wire/numbers-bytes.js";
import { hiddenField } from "../wire/hidden-field.js";
import {
  PROTOCOL,
  MAX_FRAME_BYTES,
  TREE_EXTENSION,
  DEPTH_EXTENSION,
  MAX_DEPTH_HOPS,
  type WireMessage,
  type WireNumber,
} from "../wire/messages.js";
import { LinkDelay, depthsToTell, slackFor, type Branch } from "./tree-depth.js";

export interface NumberRecord {
  readonly origin: string;
  readonly seq: number;
  readonly value: bigint;
  /** The wire form this record arrived in, sent on as it is (a number crosses many links; see `toWire`). */
  readonly wire?: WireNumber | undefined;
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

export type Dissemination = "tree" | "flood";

export interface ReplicaTiming {
  /** Pushes on a link leave at once after a quiet spell, and under load gather for at most this long (flood links). */
  readonly batchMs: number;
  /**
   * The bound for the tree links of a peer that forwards (two eager links or more), times (eager links /
   * `eagerFanout`) up to `maxTreeBatchMs`: a peer with many eager links (a hub of the tree) sends each of its frames on
   * all of them, so it gathers longer and sends about `eagerFanout` frames per `treeBatchMs` whatever its degree; a
   * peer with two to `eagerFanout` eager links forwards within `treeBatchMs`. A peer with one eager link has nothing
   * from other links to gather on it (it sends only what it writes, and what it pulled): its link has `leafBatchMs`.
   * 70 ms and 6: on the tree topology of `bench:dissemination` (25 peers, 100 ms links, 100 numbers/s) the frames per
   * number and the median latency trade against each other through this bound: 4.9 frames at 1.22 times the floor in
   * memory; 40 ms and 3 gave 5.2 frames at 1.23 (BENCHMARKS.md, Dissemination, seventh round).
   */
  readonly treeBatchMs: number;
  readonly eagerFanout: number;
  /**
   * 100 ms: a hub's frames reach its leaves within one link delay of its first number. On the full mesh of
   * `bench:dissemination` (a star of 24 leaves) 150 ms gave 3.9 frames per number at a maximum of 350 ms in memory, 100
   * gives 4.7 at 300, which leaves more of the 600 ms target to the CPU of 25 processes (BENCHMARKS.md, Dissemination,
   * eleventh round). Below about 8 eager links (the tree and random topologies) it does not bind.
   */
  readonly maxTreeBatchMs: number;
  readonly leafBatchMs: number;
  /** Period of full digests on flood links. */
  readonly syncIntervalMs: number;
  /** A tree link on which nothing crossed either way for this long gets a summary. */
  readonly summaryIdleMs: number;
  /**
   * Period of the rounds that age what was learned recently (a digest's answer leaves out what is probably still in
   * flight on the tree, and a push of something that came as a repair does not prune), and what was pulled (a pull
   * not followed by a push within about two rounds grafts its link). Two rounds must cover how much later a push on
   * the tree's longest path may come than an announcement the short way round: with 500 ms, deep trees under load
   * grafted and pruned without end (replica-tree.test.ts, "a deep tree under load").
   */
  readonly announceMs: number;
  /**
   * Announcements (`ihave`) on a lazy link leave at once after a quiet spell, and under load gather for this long
   * times (lazy links / `announceFanout`); a peer sends at most `announceFanout` announcements per `ihaveBatchMs`
   * whatever its degree (paced: see `ihaveDueAt`), and every lazy link still hears of every number.
   */
  readonly ihaveBatchMs: number;
  readonly announceFanout: number;
  /**
   * The least time between two announcements on one lazy link under load. Announcements only repair (a lazy link's
   * numbers come first down the tree), so a peer with one or two lazy links need not announce every `ihaveBatchMs`:
   * on the random graph of bench:dissemination that was 0.9 frames per number, 0.3 with a gap of 1,000 ms, at the
   * same latency. A number missing behind a cut eager link is announced up to this much later.
   */
  readonly ihaveGapMs: number;
  /** How long an announced number may stay missing before the lazy link that announced it is grafted. */
  readonly graftTimeoutMs: number;
  /**
   * depth/1: the longest a number waits for a shallower branch (tree-depth.ts), and how often an eager link that
   * carried pushes measures its round trip again (once at link up, then only under load: nothing more at rest).
   */
  readonly maxSlackMs: number;
  readonly pingIntervalMs: number;
}

export const DEFAULT_TIMING: ReplicaTiming = {
  batchMs: 5,
  treeBatchMs: 80,
  eagerFanout: 6,
  maxTreeBatchMs: 100,
  leafBatchMs: 5,
  syncIntervalMs: 1000,
  summaryIdleMs: 5000,
  announceMs: 1000,
  ihaveBatchMs: 200,
  announceFanout: 1,
  ihaveGapMs: 1000,
  graftTimeoutMs: 1000,
  maxSlackMs: 400,
  pingIntervalMs: 10_000,
};

/** Bounds on per-link memory in tree mode. */
const MAX_WANTS_PER_LINK = 64;
/** Under traffic that never lets a link go quiet, summaries still cross it this many quiet periods apart. */
const BUSY_SUMMARY_FACTOR = 10;
/** depth/1: the least time between two `depth` messages on a link (see `tellDepths`). */
const DEPTH_GAP_MS = 100;
/** A number sent as a repair on a link is not sent there again for one to two times this many quiet periods. */
const REPAIR_MEMORY_FACTOR = 2;

interface LinkState {
  readonly peer: string;
  readonly dialer: boolean;
  /** An acceptor stays silent until it has read the dialer's first frame (p2pnetwork's dialer reads the id whole). */
  active: boolean;
  /** "pending" until the other side's hello: behaves as flood, which every peer understands. */
  mode: "pending" | "flood" | "tree";
  /** Flood links: what the other side is known to hold (its digests, plus what crossed this link either way). */
  known: Map<string, SeqRanges>;
  /**
   * Numbers to push at the next flush, as segments: a batch learned whole is queued as the same array (and, in the
   * simulator, leaves as the same frame it came in), single numbers gather in `loose`, the last segment.
   */
  queue: (readonly NumberRecord[])[];
  loose: NumberRecord[] | undefined;
  lastFlushAt: number;
  /** When the first number now in `queue` was queued (the flush is due from then, within the batching bound). */
  queuedAt: number;
  /** Tree links: eager (push) or lazy (announce). */
  eager: boolean;
  /** Tree links: last time a frame crossed either way (anti-entropy runs mostly on quiet links). */
  lastTrafficAt: number;
  lastSummaryAt: number;
  /** When the link switched to tree/1: numbers learned before then were never pushed on it. */
  treeSince: number;
  /** Tree links: numbers announced here and still missing, with the time they graft the link. */
  wants: { readonly at: number; readonly have: Digest }[];
  /** Tree links: numbers to send in answer to a digest or graft. */
  repair: NumberRecord[];
  /**
   * The identities of the numbers queued or sent as repairs on this link, in the generation begun at `repairIdsSince`
   * and the one before: a number goes again only once it has left both, one to two periods of `REPAIR_MEMORY_FACTOR`
   * x `summaryIdleMs` later. A link delivers in order and whole while it is up (a new connection is a new link), so
   * what was sent arrives; a digest that crosses it asks again, and answering would send it twice (explore --runtime sim, seed 61530: on a link throttled to 3,000 B/s, a
   * repair of 216 numbers took 5 s to cross, and the digests that crossed it made n4 send it twice more).
   */
  repairIds: IdSet;
  repairIdsPrev: IdSet;
  repairIdsSince: number;
  /** Lazy tree links: identities to announce at the next announcement flush, and its schedule. */
  ihave: IdSet;
  ihaveQueuedAt: number;
  lastIhaveAt: number;
  /** When this side last grafted the link for missing numbers, and what those grafts brought (this round and last). */
  graftedAt: number;
  pulled: IdSet;
  pulledPrev: IdSet;
  /**
   * depth/1 (a tree link on which both sides took it): the hops the other side last said the tree behind it has (null:
   * it does not know; undefined: it has not said), what this side last said, the link's delay, and the round trip being
   * measured (the clock value its ping carries).
   */
  depth: boolean;
  behind: number | null | undefined;
  toldBehind: number | null | undefined;
  /** When this side last told the link a depth, and whether a newer one waits for `DEPTH_GAP_MS` to pass. */
  lastDepthAt: number;
  depthPending: boolean;
  delay: LinkDelay;
  pingT: number | undefined;
  lastPingAt: number;
  /** When this side sent its hello: the other side's answer to it (its hello, or the upgrade) gives a round trip. */
  greetedAt: number;
}

/** Values summed as plain numbers stay exact: |value| <= 2^40 and a running sum within 2^52 (the sum stays below 2^53). */
const SMALL = 2n ** 40n;
const SMALL_SUM = 2 ** 52;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Keep a numbers frame well under the 1 MiB limit. */
const FRAME_BUDGET = Math.floor(MAX_FRAME_BYTES / 2);
const NUMBER_OVERHEAD = 48;

export class Replica {
  readonly nodeId: string;
  /** The origin under which this process writes: `<node>@<incarnation>`. */
  readonly origin: string;
  private nextSeq: number;
  /** Origins by number, shared with the other replicas of this process if the caller says so (see OriginIndex). */
  private readonly index: OriginIndex;
  private readonly held: HeldNumbers;
  private readonly links = new Map<LinkId, LinkState>();
  private totalValue = 0n;
  private countValue = 0;
  private readonly setHash = new SetHash();
  readonly dissemination: Dissemination;
  readonly timing: ReplicaTiming;
  /** The latest time given to any event or tick. */
  private clock = 0;
  private nextSyncAt = 0;
  private nextAnnounceAt = 0;
  /** Identities learned in this round. Bounded by the traffic. */
  private recent: IdSet;
  /**
   * Identities learned in this announcement round and the one before, and those of them that came as repairs: a
   * digest's answer leaves out what is probably still in flight on the tree, and a pushed duplicate of something that
   * first came as a repair does not prune (the tree did nothing wrong). Bounded by two rounds of traffic.
   */
  private learnedPrev: IdSet;
  private repaired: IdSet;
  private repairedPrev: IdSet;
  /** Whether tree links offer and take depth/1. */
  readonly depth: boolean;
  /** Set when the eager links change or a depth arrives: what each link was told may have to be told again. */
  private shapeChanged = false;
  /** When this replica last sent an announcement on any link (they are paced: see `ihaveDueAt`). */
  private lastIhaveAnyAt = -Infinity;

  constructor(opts: {
    nodeId: string;
    origin: string;
    nextSeq?: number;
    dissemination?: Dissemination;
    /** Offer and take depth/1 on tree links (the default); false speaks tree/1 alone, as peers before it did. */
    depth?: boolean;
    timing?: Partial<ReplicaTiming>;
    now?: number;
    /** An index shared by many replicas of one process (the simulator's); by default the replica's own. */
    origins?: OriginIndex;
  }) {
    this.nodeId = opts.nodeId;
    this.index = opts.origins ?? new OriginIndex();
    this.held = new HeldNumbers(this.index);
    this.recent = new IdSet(this.index);
    this.learnedPrev = new IdSet(this.index);
    this.repaired = new IdSet(this.index);
    this.repairedPrev = new IdSet(this.index);
    this.origin = opts.origin;
    this.nextSeq = opts.nextSeq ?? 1;
    // The protocol's baseline; the reference peer asks for tree/1 unless DISSEMINATION=flood (node/config.ts).
    this.dissemination = opts.dissemination ?? "flood";
    this.depth = opts.depth ?? true;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.clock = opts.now ?? 0;
    this.nextSyncAt = this.clock + this.timing.syncIntervalMs;
    this.nextAnnounceAt = this.clock + this.timing.announceMs;
  }

  get total(): bigint {
    return this.totalValue;
  }

  get count(): number {
    return this.countValue;
  }

  get hasPendingPushes(): boolean {
    for (const link of this.links.values()) if (link.queue.length || link.repair.length || link.ihave.size) return true;
    return false;
  }

  /** Whether a link uses tree/1, plain flooding, or has not heard the other side's hello yet. */
  linkMode(link: LinkId): { mode: LinkState["mode"]; eager: boolean } | undefined {
    const s = this.links.get(link);
    return s && { mode: s.mode, eager: s.eager };
  }

  /**
   * depth/1 on a link: whether both sides took it, the hops to the farthest peer through it (the other side's word plus
   * one; undefined when not known), and its one-way delay as measured.
   */
  linkDepth(
    link: LinkId,
  ): { depth: boolean; hops: number | undefined; oneWayMs: number | undefined; pending: boolean } | undefined {
    const s = this.links.get(link);
    if (!s) return undefined;
    return {
      depth: s.depth,
      hops: typeof s.behind === "number" ? s.behind + 1 : undefined,
      oneWayMs: s.delay.oneWayMs,
      pending: s.depthPending,
    };
  }

  /** The constant-size anti-entropy summary of everything held. */
  summary(): { count: number; hash: string } {
    return { count: this.countValue, hash: this.setHash.toHex() };
  }

  digest(): Digest {
    const out: Digest = {};
    for (const id of this.held.ids()) out[this.index.name(id)] = this.held.rangesAt(id);
    return out;
  }

  /** Assigns identities under this replica's origin without adding anything: the caller persists, then adds. */
  allocate(values: readonly bigint[]): NumberRecord[] {
    return values.map((value) => ({ origin: this.origin, seq: this.nextSeq++, value }));
  }

  /** Adds numbers written here (or recovered from disk, or contributed at start). */
  addLocal(records: readonly NumberRecord[], now?: number): Output[] {
    this.advance(now);
    const learned = this.merge(records, "local", []);
    if (learned.length === 0) return [];
    this.spread([learned], undefined);
    return [{ kind: "learned", numbers: learned, from: "local" }];
  }

  /** A link has completed its handshake. The dialer speaks first; the acceptor waits for the dialer's first frame. */
  linkUp(link: LinkId, peer: string, role: "dialer" | "acceptor", now?: number): Output[] {
    this.advance(now);
    this.links.set(link, {
      peer,
      dialer: role === "dialer",
      active: role === "dialer",
      mode: "pending",
      known: new Map(),
      queue: [],
      loose: undefined,
      lastFlushAt: -Infinity,
      queuedAt: 0,
      eager: true,
      lastTrafficAt: this.clock,
      lastSummaryAt: this.clock,
      treeSince: Infinity,
      wants: [],
      repair: [],
      repairIds: new IdSet(this.index),
      repairIdsPrev: new IdSet(this.index),
      repairIdsSince: this.clock,
      ihave: new IdSet(this.index),
      ihaveQueuedAt: 0,
      lastIhaveAt: -Infinity,
      graftedAt: -Infinity,
      pulled: new IdSet(this.index),
      pulledPrev: new IdSet(this.index),
      depth: false,
      behind: undefined,
      toldBehind: undefined,
      lastDepthAt: -Infinity,
      depthPending: false,
      delay: new LinkDelay(),
      pingT: undefined,
      lastPingAt: -Infinity,
      greetedAt: this.clock,
    });
    if (role === "acceptor") return [];
    this.shapeChanged = true;
    const out = this.greet(link);
    this.tellDepths(out);
    return out;
  }

  /**
   * A link is gone. If it was an eager tree link, the part of the tree behind it no longer hears from here: every
   * lazy link is grafted (the duplicates that follow prune the tree back into shape), and gets a summary, so what was
   * in flight on the lost link is found by anti-entropy even while traffic never lets a link go quiet.
   */
  linkDown(link: LinkId, now?: number): Output[] {
    this.advance(now);
    const state = this.links.get(link);
    this.links.delete(link);
    const out: Output[] = [];
    if (state?.active) this.shapeChanged = true;
    if (state?.mode === "tree" && state.eager) {
      for (const [other, s] of this.links) {
        if (s.mode !== "tree" || !s.active || s.eager) continue;
        this.setEager(s, true);
        this.send(out, other, s, { type: "graft", want: {} });
        this.sendSummary(out, other, s);
      }
    }
    this.tellDepths(out);
    return out;
  }

  receive(link: LinkId, message: WireMessage, now?: number): Output[] {
    this.advance(now);
    const state = this.links.get(link);
    if (!state) return [];
    const out: Output[] = [];
    if (!state.active) {
      state.active = true;
      this.shapeChanged = true;
      out.push(...this.greet(link));
    }
    state.lastTrafficAt = this.clock;
    switch (message.type) {
      case "hello":
        if (message.protocol !== PROTOCOL) {
          out.push({ kind: "close", link, reason: `peer speaks ${message.protocol}, expected ${PROTOCOL}` });
        } else if (state.mode === "pending" && state.dialer) {
          // The acceptor's hello: take tree/1 (and depth/1 with it) if offered, else this link floods for good.
          const offered = message.extensions ?? [];
          if (this.dissemination === "tree" && offered.includes(TREE_EXTENSION)) {
            const depth = this.depth && offered.includes(DEPTH_EXTENSION);
            this.send(out, link, state, { type: "upgrade", extensions: depth ? [TREE_EXTENSION, DEPTH_EXTENSION] : [TREE_EXTENSION] });
            this.becomeTree(state, depth);
          } else state.mode = "flood";
        }
        break;
      case "upgrade":
        // An acceptor that offered tree/1 (only those get an upgrade); anything else keeps the link flooding.
        if (!state.dialer && state.mode === "pending" && this.dissemination === "tree") {
          if (message.extensions.includes(TREE_EXTENSION)) {
            this.becomeTree(state, this.depth && message.extensions.includes(DEPTH_EXTENSION));
          }
        }
        break;
      case "digest": {
        if (state.mode === "tree") {
          this.answerDigest(link, state, message.have, out);
          break;
        }
        for (const [origin, ranges] of Object.entries(message.have)) {
          knownFor(state, origin).addAll(SeqRanges.from(ranges));
        }
        this.queueMissing(state);
        break;
      }
      case "numbers": {
        // A frame made in this process comes as the batches it was made of (see `frames`), one from a socket as one.
        const batches = BATCHES.get(message.numbers) ?? [decode(message.numbers)];
        let total = 0;
        const learned: (readonly NumberRecord[])[] = [];
        let learnedCount = 0;
        // In the frame's order: batches of runs merged whole, one by one; the others between them together, number by
        // number (many small batches cost more one by one than as one).
        let parts: readonly (readonly NumberRecord[])[] = batches;
        if (batches.length > 1) {
          const joined: (readonly NumberRecord[])[] = [];
          let short: (readonly NumberRecord[])[] = [];
          for (const batch of batches) {
            if (!runsOf(batch)) {
              short.push(batch);
              continue;
            }
            if (short.length) joined.push(concat(short));
            short = [];
            joined.push(batch);
          }
          if (short.length) joined.push(concat(short));
          parts = joined;
        }
        for (const batch of batches) total += batch.length;
        for (const batch of parts) {
          if (state.mode !== "tree") {
            const runs = runsOf(batch);
            if (runs) for (const run of runs) knownFor(state, run.origin).addRange(run.lo, run.hi);
            else for (const [origin, seqs] of seqsByOrigin(batch)) knownFor(state, origin).addAll(SeqRanges.fromSeqs(seqs));
          }
          const l = this.merge(batch, link, out);
          if (l.length) {
            learned.push(l);
            learnedCount += l.length;
          }
        }
        if (state.mode === "tree") {
          if (learnedCount) this.settleWants(state);
          if (message.repair) for (const l of learned) for (const r of l) this.repaired.add(r.origin, r.seq);
          if (message.repair && this.clock - state.graftedAt < 2 * this.timing.announceMs) {
            for (const l of learned) for (const r of l) state.pulled.add(r.origin, r.seq);
          }
          if (!message.repair && learnedCount < total) this.confirmPulls(link, batches);
          const pushedTwice = () =>
            batches.some((b) => b.some((r) => !this.repaired.has(r.origin, r.seq) && !this.repairedPrev.has(r.origin, r.seq)));
          if (!learnedCount && total && !message.repair && state.eager && pushedTwice()) {
            // Everything here arrived first by another path: this link is a redundant edge of the tree.
            this.setEager(state, false);
            this.send(out, link, state, { type: "prune" });
          }
        }
        if (learnedCount) {
          this.spread(learned, link);
          out.push({ kind: "learned", numbers: concat(learned), from: link });
        }
        break;
      }
      case "prune":
        if (state.mode === "tree") this.setEager(state, false);
        break;
      case "graft":
        if (state.mode === "tree") {
          if (!message.pull) this.setEager(state, true);
          this.queueHeld(state, message.want);
        }
        break;
      case "ihave":
        if (state.mode === "tree") {
          const missing = this.missingFrom(message.have);
          if (missing && state.wants.length < MAX_WANTS_PER_LINK) {
            state.wants.push({ at: this.clock + this.timing.graftTimeoutMs, have: missing });
          }
        }
        break;
      case "summary":
        if (state.mode === "tree") {
          const mine = this.summary();
          if (mine.count !== message.count || mine.hash !== message.hash) {
            this.send(out, link, state, { type: "digest", have: this.digest() });
          }
        }
        break;
      // depth/1, on links that took it (a peer that sends them elsewhere is ignored, not cut off).
      case "depth":
        if (state.mode === "tree" && state.depth && state.behind !== message.hops) {
          state.behind = message.hops;
          this.shapeChanged = true;
        }
        break;
      case "ping":
        if (state.mode === "tree" && state.depth) this.send(out, link, state, { type: "pong", t: message.t });
        break;
      case "pong":
        if (state.depth && state.pingT === message.t) {
          state.delay.add(this.clock - message.t);
          state.pingT = undefined;
        }
        break;
    }
    this.tellDepths(out);
    return out;
  }

  /** Sends every queued push and repair now, whatever the batching bound (for shutdown and tests). */
  flush(now?: number): Output[] {
    this.advance(now);
    const out: Output[] = [];
    for (const [link, state] of this.links) {
      this.flushLink(link, state, out);
      if (state.ihave.size) this.flushIhave(link, state, out);
    }
    return out;
  }

  /**
   * Periodic anti-entropy for all links at once: every active link gets this replica's full digest, and answers with
   * what is missing here. `tick` does this on its own schedule for flood links only; this is for tests and tools.
   */
  sync(): Output[] {
    const out: Output[] = [];
    const have = this.digest();
    for (const [link, state] of this.links) {
      if (state.active) this.send(out, link, state, { type: "digest", have });
    }
    return out;
  }

  /** Does whatever is due at `now`: batched pushes, digests on flood links, announcements, grafts, summaries. */
  tick(now: number): Output[] {
    this.advance(now);
    const out: Output[] = [];
    const t = this.timing;
    for (const [link, state] of this.links) {
      if ((state.queue.length || state.repair.length) && this.flushDueAt(state) <= this.clock) {
        this.flushLink(link, state, out);
      }
      if (state.mode !== "tree" || !state.active) continue;
      const due = state.wants.filter((w) => w.at <= this.clock);
      if (due.length) {
        state.wants = state.wants.filter((w) => w.at > this.clock);
        const want: Digest = {};
        for (const w of due) {
          const missing = this.missingFrom(w.have);
          if (missing) for (const [origin, ranges] of Object.entries(missing)) (want[origin] ??= []).push(...ranges);
        }
        if (Object.keys(want).length) {
          // Pull only: if the tree is whole, the same numbers arrive by push soon, and an eager link here would close
          // a cycle whose duplicates prune links elsewhere. If they never do, `age` grafts the link for good.
          state.graftedAt = this.clock;
          this.send(out, link, state, state.eager ? { type: "graft", want } : { type: "graft", want, pull: true });
        }
      }
      if (this.clock >= this.summaryDueAt(state)) this.sendSummary(out, link, state);
      if (this.clock >= this.pingDueAt(state)) this.sendPing(out, link, state);
    }
    this.announceNext(out);
    if (this.clock >= this.nextSyncAt) {
      this.nextSyncAt = this.clock + t.syncIntervalMs;
      let have: Digest | undefined;
      for (const [link, state] of this.links) {
        if (state.active && state.mode !== "tree") this.send(out, link, state, { type: "digest", have: (have ??= this.digest()) });
      }
    }
    if (this.clock >= this.nextAnnounceAt) {
      this.nextAnnounceAt = this.clock + t.announceMs;
      this.age(out);
    }
    this.tellDepths(out);
    return out;
  }

  /** The earliest time at which `tick` has something to do. */
  nextTickAt(): number {
    const rotating = this.recent.size || this.learnedPrev.size || this.repaired.size || this.repairedPrev.size;
    let at = Math.min(this.nextSyncAt, rotating ? this.nextAnnounceAt : Infinity);
    for (const state of this.links.values()) {
      if (state.queue.length || state.repair.length) at = Math.min(at, this.flushDueAt(state));
      if (state.repairIds.size || state.repairIdsPrev.size) at = Math.min(at, this.nextAnnounceAt);
      if (state.mode !== "tree" || !state.active) continue;
      if (state.depthPending) at = Math.min(at, state.lastDepthAt + DEPTH_GAP_MS);
      if (state.ihave.size) at = Math.min(at, this.ihaveDueAt(state));
      for (const w of state.wants) at = Math.min(at, w.at);
      at = Math.min(at, this.summaryDueAt(state), this.pingDueAt(state));
    }
    return at;
  }

  /** Numbers held for one origin, in sequence order (for the control API and tests). */
  numbersOf(origin: string): NumberRecord[] {
    return this.held.entries(origin).map(([seq, value]) => ({ origin, seq, value }));
  }

  linkPeer(link: LinkId): string | undefined {
    return this.links.get(link)?.peer;
  }

  private becomeTree(state: LinkState, depth: boolean): void {
    state.mode = "tree";
    state.treeSince = this.clock;
    state.depth = depth;
    this.shapeChanged = true;
    // The first round trip costs nothing: the dialer's hello was answered by the acceptor's at once, and the acceptor's
    // by the upgrade. Pings measure it again only under load.
    if (depth) state.delay.add(this.clock - state.greetedAt);
    state.lastPingAt = this.clock;
    // What the link's other side is known to hold, or to be getting: its digest, and what crossed the link either way
    // while it flooded. Until the hellos settled it, a digest was answered with a push of everything it lacked; a
    // digest now is answered as a repair, which must not send that again (explore --runtime sim, seed 64511: 22.8 KB
    // pushed at link up, then 25.9 KB of the same numbers as a repair, down a link throttled to 3,000 B/s). It joins
    // the link's memory of what it sent; beyond that a tree link needs no per-link knowledge (memory stays bounded).
    for (const [origin, seqs] of state.known) state.repairIds.addSeqs(origin, seqs);
    state.known = new Map();
  }

  private greet(link: LinkId): Output[] {
    const state = this.links.get(link)!;
    state.greetedAt = this.clock;
    // The dialer's hello is plain sumnet/1; the acceptor's offers tree/1 (see UpgradeMessage).
    const hello: WireMessage =
      this.dissemination === "tree" && !state.dialer
        ? {
            type: "hello",
            protocol: PROTOCOL,
            node: this.nodeId,
            extensions: this.depth ? [TREE_EXTENSION, DEPTH_EXTENSION] : [TREE_EXTENSION],
          }
        : { type: "hello", protocol: PROTOCOL, node: this.nodeId };
    return [
      { kind: "send", link, message: hello },
      { kind: "send", link, message: { type: "digest", have: this.digest() } },
    ];
  }

  /**
   * A quiet link gets a summary every `summaryIdleMs`; a busy one still every `BUSY_SUMMARY_FACTOR` times that. A link
   * with an announcement waiting for its turn (`announceNext`) is not quiet: under a load that began after a quiet
   * spell, the lazy links late in the first round of announcements would otherwise exchange summaries, which differ
   * under load, and then whole digests.
   */
  private summaryDueAt(state: LinkState): number {
    // The acceptor waits longer, so on a quiet link the dialer's summary comes first and resets the acceptor's wait:
    // one summary per quiet period, not two crossing.
    const idle = this.timing.summaryIdleMs * (state.dialer ? 1 : 1.5);
    return Math.min(state.ihave.size ? Infinity : state.lastTrafficAt + idle, state.lastSummaryAt + idle * BUSY_SUMMARY_FACTOR);
  }

  private sendSummary(out: Output[], link: LinkId, state: LinkState): void {
    state.lastSummaryAt = this.clock;
    this.send(out, link, state, { type: "summary", ...this.summary() });
  }

  private advance(now: number | undefined): void {
    if (now !== undefined && now > this.clock) this.clock = now;
  }

  private send(out: Output[], link: LinkId, state: LinkState, message: WireMessage): void {
    state.lastTrafficAt = this.clock;
    out.push({ kind: "send", link, message });
  }

  /** Adaptive batching: at once after a quiet spell, else one batching bound after this link's last flush. */
  private flushDueAt(state: LinkState): number {
    const t = this.timing;
    let bound = t.batchMs;
    if (state.mode === "tree") {
      const eager = this.eagerLinks;
      bound = eager > 1 ? Math.min(t.maxTreeBatchMs, t.treeBatchMs * Math.max(1, eager / t.eagerFanout)) : t.leafBatchMs;
    }
    if (state.repair.length) return this.clock;
    return Math.max(state.queuedAt, state.lastFlushAt + bound);
  }

  private flushLink(link: LinkId, state: LinkState, out: Output[]): void {
    if (state.repair.length) {
      for (const numbers of frames([state.repair])) this.send(out, link, state, { type: "numbers", numbers, repair: true });
      state.repair = [];
    }
    if (!state.queue.length) return;
    for (const numbers of frames(state.queue)) this.send(out, link, state, { type: "numbers", numbers });
    state.queue = [];
    state.loose = undefined;
    state.lastFlushAt = this.clock;
  }

  private enqueue(state: LinkState, r: NumberRecord): void {
    this.dueFrom(state, 0);
    if (!state.loose) state.queue.push((state.loose = []));
    state.loose.push(r);
  }

  /** `slack`: how long these may wait for a shallower branch (depth/1) beyond the batching bound. */
  private enqueueAll(state: LinkState, records: readonly NumberRecord[], slack = 0): void {
    if (!records.length) return;
    this.dueFrom(state, slack);
    state.queue.push(records);
    state.loose = undefined;
  }

  /** The flush is due from the earliest time any queued number may leave (before anything is queued: unset). */
  private dueFrom(state: LinkState, slack: number): void {
    const at = this.clock + slack;
    state.queuedAt = state.queue.length ? Math.min(state.queuedAt, at) : at;
  }

  /**
   * New numbers go to flood links not known to hold them, to eager tree links, and into the next announcement on
   * every lazy tree link (so a part of the network the eager links no longer reach hears of them within one flush).
   */
  private spread(batches: readonly (readonly NumberRecord[])[], except: LinkId | undefined): void {
    // The batches' identities by origin, made once for every lazy link and `recent` (not one insertion per number each).
    let ids: IdSet | undefined;
    const identities = () => (ids ??= identitiesOf(batches, new IdSet(this.index)));
    const slack = this.slack(except);
    for (const [link, state] of this.links) {
      if (link === except || !state.active) continue;
      if (state.mode === "tree") {
        if (state.eager) for (const batch of batches) this.enqueueAll(state, batch, slack?.get(state) ?? 0);
        else {
          if (!state.ihave.size) state.ihaveQueuedAt = this.clock;
          state.ihave.addAll(identities());
        }
        continue;
      }
      for (const records of batches) {
        // A batch of runs none of which this link's side is known to hold goes whole (see `runsOf`).
        const runs = runsOf(records);
        if (runs && runs.every((run) => (state.known.get(run.origin)?.covers(run.lo, run.hi) ?? "none") === "none")) {
          this.enqueueAll(state, records);
          for (const run of runs) knownFor(state, run.origin).addRange(run.lo, run.hi);
          continue;
        }
        // Number by number: what this link's side is not known to hold (all of it: the batch goes whole).
        const unknown = records.filter((r) => !state.known.get(r.origin)?.has(r.seq));
        if (unknown.length === records.length) this.enqueueAll(state, records);
        else for (const r of unknown) this.enqueue(state, r);
        // One merge per origin, not one insertion per number: records may come in any order.
        for (const [origin, seqs] of seqsByOrigin(unknown)) knownFor(state, origin).addAll(SeqRanges.fromSeqs(seqs));
      }
    }
    if (this.dissemination === "tree") this.recent.addAll(identities());
  }

  private setEager(state: LinkState, eager: boolean): void {
    if (state.eager !== eager) this.shapeChanged = true;
    state.eager = eager;
  }

  /** A branch of the tree here: an active link on which numbers are pushed (an eager tree link, or any other link). */
  private branchOf(state: LinkState): Branch<LinkState> | undefined {
    if (!state.active || (state.mode === "tree" && !state.eager)) return undefined;
    const told = state.mode === "tree" && state.depth ? state.behind : undefined;
    return { key: state, hops: typeof told === "number" ? told + 1 : undefined };
  }

  /**
   * depth/1: tells every depth link the depth of the tree behind this peer, where that changed. Lazy links too: the
   * two ends of a link may disagree on whether it is eager (a prune and a graft that cross), and the end that pushes
   * must still know how far its pushes go; and a lazy link grafted knows at once.
   */
  private tellDepths(out: Output[]): void {
    if (!this.shapeChanged) {
      let due = false;
      for (const s of this.links.values()) if (s.depthPending && s.lastDepthAt + DEPTH_GAP_MS <= this.clock) due = true;
      if (!due) return;
    }
    this.shapeChanged = false;
    const branches: Branch<LinkState>[] = [];
    for (const s of this.links.values()) {
      const b = this.branchOf(s);
      if (b) branches.push(b);
    }
    // A lazy link is not a branch: what it is told is the deepest of all the branches, what a branch of 0 hops (the
    // `null` key, which changes nothing for the others) is told.
    const tell = depthsToTell<LinkState | null>([...branches, { key: null, hops: 0 }], MAX_DEPTH_HOPS);
    for (const [link, s] of this.links) {
      if (s.mode !== "tree" || !s.depth || !s.active) {
        s.depthPending = false;
        continue;
      }
      const hops = (tell.has(s) ? tell.get(s) : tell.get(null)) ?? null;
      s.depthPending = false;
      if (hops === s.toldBehind) continue;
      // Paced per link, the latest value going when the gap has passed: depths can chase each other around a cycle of
      // eager links (explore --runtime sim, seed 93998: 3.6 million depth messages within 5 ms of virtual time on a
      // full mesh of 6, until the simulator ran out of memory), and a link then carries a few a second, not all it can.
      if (s.lastDepthAt + DEPTH_GAP_MS > this.clock) {
        s.depthPending = true;
        continue;
      }
      s.toldBehind = hops;
      s.lastDepthAt = this.clock;
      this.send(out, link, s, { type: "depth", hops });
    }
  }

  /** depth/1: how long numbers learned from `except` (or written here) may wait on each eager link, if any. */
  private slack(except: LinkId | undefined): Map<LinkState, number> | undefined {
    if (this.dissemination !== "tree" || !this.depth) return undefined;
    const targets: Branch<LinkState>[] = [];
    let oneWay: number | undefined;
    for (const [link, s] of this.links) {
      const d = s.depth ? s.delay.oneWayMs : undefined;
      if (d !== undefined) oneWay = Math.min(oneWay ?? Infinity, d);
      if (link === except) continue;
      const b = this.branchOf(s);
      if (b) targets.push(b);
    }
    return slackFor(targets, oneWay, this.timing.maxSlackMs);
  }

  /** depth/1: an eager link that carried pushes since its last round trip measures it again every `pingIntervalMs`. */
  private pingDueAt(state: LinkState): number {
    if (state.mode !== "tree" || !state.depth || !state.active || !state.eager) return Infinity;
    if (state.lastFlushAt <= state.lastPingAt) return Infinity;
    const t = this.timing.pingIntervalMs;
    // A ping never answered (the other side is broken: the link delivers in order while it is up) is given up.
    return state.pingT === undefined ? state.lastPingAt + t : state.pingT + 6 * t;
  }

  private sendPing(out: Output[], link: LinkId, state: LinkState): void {
    state.pingT = state.lastPingAt = this.clock;
    this.send(out, link, state, { type: "ping", t: this.clock });
  }

  /** Active eager tree links. */
  private get eagerLinks(): number {
    let n = 0;
    for (const s of this.links.values()) if (s.mode === "tree" && s.active && s.eager) n++;
    return n;
  }

  private get lazyLinks(): number {
    let n = 0;
    for (const s of this.links.values()) if (s.mode === "tree" && s.active && !s.eager) n++;
    return n;
  }

  /**
   * A push brought numbers that a pull on another link had already brought: the tree reaches here, only more slowly
   * than the announcement, so that link need not become eager.
   */
  private confirmPulls(link: LinkId, batches: readonly (readonly NumberRecord[])[]): void {
    for (const [other, s] of this.links) {
      if (other === link || (!s.pulled.size && !s.pulledPrev.size)) continue;
      if (batches.some((b) => b.some((r) => s.pulled.has(r.origin, r.seq) || s.pulledPrev.has(r.origin, r.seq)))) {
        s.pulled = new IdSet(this.index);
        s.pulledPrev = new IdSet(this.index);
      }
    }
  }

  /**
   * Ages the record of what was learned recently, and of what came as a repair, by one round. A link whose pulls of a
   * round ago never arrived by push since is the only way here for them: the tree is cut, and the link is grafted.
   */
  private age(out: Output[]): void {
    const repairMemory = REPAIR_MEMORY_FACTOR * this.timing.summaryIdleMs;
    for (const [link, s] of this.links) {
      if (this.clock - s.repairIdsSince >= repairMemory && (s.repairIds.size || s.repairIdsPrev.size)) {
        s.repairIdsPrev = s.repairIds;
        s.repairIds = new IdSet(this.index);
        s.repairIdsSince = this.clock;
      }
      if (!s.pulled.size && !s.pulledPrev.size) continue;
      if (s.pulledPrev.size && s.mode === "tree" && s.active && !s.eager) {
        this.setEager(s, true);
        this.send(out, link, s, { type: "graft", want: {} });
      }
      s.pulledPrev = s.pulled;
      s.pulled = new IdSet(this.index);
    }
    this.repairedPrev = this.repaired;
    this.repaired = new IdSet(this.index);
    this.learnedPrev = this.recent;
    this.recent = new IdSet(this.index);
  }

  /**
   * Adaptive batching of announcements, as for pushes: at once after a quiet spell, else within `ihaveBatchMs` x (lazy
   * links / `announceFanout`), and at least `ihaveGapMs`, of the link's last. And paced across links: one announcement
   * per `ihaveBatchMs` / `announceFanout` from this replica. Without the pace, the lazy links that a load began on together announced
   * together at every period ever after: on the full mesh of 25, all 552 of them within 300 ms every 4.6 s, and the
   * numbers added then took up to 780 ms to reach every peer instead of 350 (bench:dissemination --slowest).
   */
  private ihaveDueAt(state: LinkState): number {
    const t = this.timing;
    return Math.max(
      state.ihaveQueuedAt,
      state.lastIhaveAt + Math.max(t.ihaveGapMs, t.ihaveBatchMs * (this.lazyLinks / t.announceFanout)),
      this.lastIhaveAnyAt + t.ihaveBatchMs / t.announceFanout,
    );
  }

  /** Sends the announcement that is due, if one is: the link that has waited longest since its last goes first. */
  private announceNext(out: Output[]): void {
    let next: [LinkId, LinkState] | undefined;
    for (const [link, state] of this.links) {
      if (state.mode !== "tree" || !state.active || !state.ihave.size || this.ihaveDueAt(state) > this.clock) continue;
      if (!next || state.lastIhaveAt < next[1].lastIhaveAt) next = [link, state];
    }
    if (next) this.flushIhave(next[0], next[1], out);
  }

  private flushIhave(link: LinkId, state: LinkState, out: Output[]): void {
    const have: Digest = state.ihave.toDigest();
    state.ihave = new IdSet(this.index);
    state.lastIhaveAt = this.lastIhaveAnyAt = this.clock;
    this.send(out, link, state, { type: "ihave", have });
  }

  /** The part of `have` not held here, or undefined when everything is. */
  private missingFrom(have: Digest): Digest | undefined {
    let missing: Digest | undefined;
    for (const [origin, ranges] of Object.entries(have)) {
      const lacking = this.held.lacking(origin, SeqRanges.from(ranges));
      if (lacking.length) (missing ??= {})[origin] = lacking;
    }
    return missing;
  }

  /** Drops announcements that are no longer missing, so a link is not grafted for something already here. */
  private settleWants(state: LinkState): void {
    if (state.wants.length) state.wants = state.wants.filter((w) => this.missingFrom(w.have) !== undefined);
  }

  /** Queues as a repair on a tree link the numbers held here among `want`. */
  private queueHeld(state: LinkState, want: Digest): void {
    for (const [origin, ranges] of Object.entries(want)) {
      const id = this.index.find(origin);
      if (id === undefined) continue;
      for (const [lo, hi] of ranges) {
        for (let seq = lo; seq <= hi; seq++) {
          const value = this.held.valueAt(id, seq);
          if (value !== undefined) queueRepair(state, { origin, seq, value });
        }
      }
    }
  }

  /**
   * tree/1 anti-entropy: answer a digest with what its sender lacks, and when it holds something missing here, send
   * this replica's digest back (once: the answer to that digest finds nothing more to ask for).
   */
  private answerDigest(link: LinkId, state: LinkState, have: Digest, out: Output[]): void {
    const theirs = new Map<string, SeqRanges>();
    for (const [origin, ranges] of Object.entries(have)) theirs.set(origin, SeqRanges.from(ranges));
    const settled = this.clock - state.treeSince > 2 * this.timing.announceMs;
    for (const id of this.held.ids()) {
      const origin = this.index.name(id);
      for (const [lo, hi] of this.held.minusAt(id, theirs.get(origin))) {
        for (let seq = lo; seq <= hi; seq++) {
          // Just learned here, on a link that has been in the tree for a while: most likely on its way there along
          // the tree; a later summary catches it if not. A new link gets everything.
          if (settled && (this.recent.has(origin, seq) || this.learnedPrev.has(origin, seq))) continue;
          queueRepair(state, { origin, seq, value: this.held.valueAt(id, seq)! });
        }
      }
    }
    if (this.missingFrom(have)) this.send(out, link, state, { type: "digest", have: this.digest() });
  }

  private merge(records: readonly NumberRecord[], from: LinkId | "local", out: Output[]): readonly NumberRecord[] {
    const whole = this.mergeRuns(records, from, out);
    if (whole) return whole;
    const learned: NumberRecord[] = [];
    // Small values are summed as plain numbers and added to the bigint total once: a bigint sum allocates every time.
    let small = 0;
    for (const r of records) {
      const held = this.held.value(r.origin, r.seq);
      if (held !== undefined) {
        if (held !== r.value && from !== "local") out.push({ kind: "conflict", link: from, origin: r.origin, seq: r.seq });
        continue;
      }
      this.held.setValue(r.origin, r.seq, r.value);
      this.setHash.add(r.origin, r.seq);
      if (r.value >= -SMALL && r.value <= SMALL && small >= -SMALL_SUM && small <= SMALL_SUM) small += Number(r.value);
      else this.totalValue += r.value;
      this.countValue++;
      learned.push(r);
    }
    if (small !== 0) this.totalValue += BigInt(small);
    // One merge per origin, not one insertion per number: a message may list sequence numbers in any order.
    if (learned.length === 1) this.held.addSeq(learned[0]!.origin, learned[0]!.seq);
    else {
      for (const [origin, seqs] of seqsByOrigin(learned)) {
        if (seqs.length === 1) this.held.addSeq(origin, seqs[0]!);
        else this.held.addSeqs(origin, SeqRanges.fromSeqs(seqs));
      }
    }
    // A recovered or restarted writer must never reuse a sequence number of its own origin.
    for (const r of learned) if (r.origin === this.origin && r.seq >= this.nextSeq) this.nextSeq = r.seq + 1;
    // All of it new: the batch itself, which then leaves whole (as the same frame, in this process).
    return learned.length === records.length ? records : learned;
  }

  /**
   * The whole-batch path of `merge`, for a batch of runs (see `runsOf`). None of it held here: it is added run by run,
   * with each run's sum and set-hash share worked out once for every replica it reaches, and the batch itself is what
   * was learned. All of it held (a duplicate): nothing is learned, and only the values are compared (a conflict is
   * reported as `merge` does). Otherwise, or when the batch is not runs, returns undefined having changed nothing, and
   * `merge` goes number by number.
   */
  private mergeRuns(records: readonly NumberRecord[], from: LinkId | "local", out: Output[]): readonly NumberRecord[] | undefined {
    const runs = runsOf(records);
    if (!runs) return undefined;
    let held = 0;
    for (const run of runs) {
      const covered = this.held.covers(run.origin, run.lo, run.hi);
      if (covered === "some") return undefined;
      if (covered === "all") held++;
    }
    if (held === runs.length) {
      if (from !== "local") {
        for (const run of runs) {
          for (let seq = run.lo; seq <= run.hi; seq++) {
            if (this.held.value(run.origin, seq) !== run.values[seq - run.lo]) out.push({ kind: "conflict", link: from, origin: run.origin, seq });
          }
        }
      }
      return NOTHING;
    }
    if (held) return undefined;
    for (const run of runs) {
      this.held.addRun(run.origin, run.lo, run.values);
      this.setHash.addShare(run.hashA, run.hashB);
      this.totalValue += run.sum;
      this.countValue += run.hi - run.lo + 1;
      if (run.origin === this.origin && run.hi >= this.nextSeq) this.nextSeq = run.hi + 1;
    }
    return records;
  }

  /** Queues on one link everything held here that its side is not known to hold. */
  private queueMissing(state: LinkState): void {
    for (const id of this.held.ids()) {
      const origin = this.index.name(id);
      const theirs = knownFor(state, origin);
      for (const [lo, hi] of this.held.minusAt(id, theirs)) {
        for (let seq = lo; seq <= hi; seq++) this.enqueue(state, { origin, seq, value: this.held.valueAt(id, seq)! });
        theirs.addRange(lo, hi);
      }
    }
  }
}

/** Batches as one array (`Array.prototype.flat` is many times slower than `concat`). */
function concat<T>(batches: readonly (readonly T[])[]): readonly T[] {
  return batches.length === 1 ? batches[0]! : ([] as T[]).concat(...batches);
}

/** The identities of batches of numbers. */
function identitiesOf(batches: readonly (readonly NumberRecord[])[], out: IdSet): IdSet {
  // Numbers not in runs are gathered by origin across the batches first: one set made per origin, not one per batch.
  let loose: Map<string, number[]> | undefined;
  for (const records of batches) {
    const runs = runsOf(records);
    if (!runs) {
      loose ??= new Map();
      for (const r of records) {
        const seqs = loose.get(r.origin);
        if (seqs) seqs.push(r.seq);
        else loose.set(r.origin, [r.seq]);
      }
      continue;
    }
    for (const run of runs) out.addRange(run.origin, run.lo, run.hi);
  }
  for (const [origin, seqs] of loose ?? []) {
    if (seqs.length === 1) out.add(origin, seqs[0]!);
    else out.addSeqs(origin, SeqRanges.fromSeqs(seqs));
  }
  return out;
}

/**
 * Queues a number to send on a link in answer to a digest or graft, unless it waits there already or was sent there
 * lately (see `LinkState.repairIds`): digests that cross before the answer leaves (a peer paused, a link still
 * negotiating gets a flood digest every sync) ask for the same numbers, and answering each in full multiplied the frame
 * (explore --runtime sim seed 513: 8 times, on a throttled link); so do digests that cross the answer on its way.
 */
function queueRepair(state: LinkState, r: NumberRecord): void {
  if (state.repairIds.has(r.origin, r.seq) || state.repairIdsPrev.has(r.origin, r.seq)) return;
  state.repairIds.add(r.origin, r.seq);
  state.repair.push(r);
}

function seqsByOrigin(records: readonly NumberRecord[]): Map<string, number[]> {
  const byOrigin = new Map<string, number[]>();
  for (const r of records) {
    let seqs = byOrigin.get(r.origin);
    if (!seqs) byOrigin.set(r.origin, (seqs = []));
    seqs.push(r.seq);
  }
  return byOrigin;
}

function knownFor(state: LinkState, origin: string): SeqRanges {
  let set = state.known.get(origin);
  if (!set) {
    set = new SeqRanges();
    state.known.set(origin, set);
  }
  return set;
}

/**
 * The batches of records a numbers frame was made from, kept on the frame's array in a hidden field
 * (../wire/hidden-field.ts): a frame that reaches another replica in the same process (the simulator hands messages
 * over as they are) is not decoded again, number by number, at every hop, and each batch is merged, and forwarded,
 * whole (see `runsOf`). Batches are immutable; a frame that came through a socket was parsed afresh and is decoded,
 * and so is a copy of the array.
 */
const BATCHES = hiddenField<readonly (readonly NumberRecord[])[]>();

function decode(numbers: readonly WireNumber[]): NumberRecord[] {
  return numbers.map((n) => ({ origin: n.origin, seq: n.seq, value: BigInt(n.value), wire: canonical(n.value) ? n : undefined }));
}

/** Whether a decimal string is how `bigint.toString()` writes its value (no leading zeros, no "-0"). */
function canonical(value: string): boolean {
  const digits = value[0] === "-" ? 1 : 0;
  return value[digits] !== "0" || (value.length === 1);
}

export function toWire(r: NumberRecord): WireNumber {
  // Wire numbers are never mutated: one received is forwarded as the same object, and one made here is kept on its
  // record (records are immutable too). In the simulator one object then crosses every link instead of a fresh one and
  // a decimal string per hop: with 10,000 replicas, what frames in flight hold.
  if (r.wire) return r.wire;
  const made = WIRE_NUMBER.get(r);
  if (made) return made;
  const w = { origin: r.origin, seq: r.seq, value: r.value.toString() };
  WIRE_NUMBER.set(r, w);
  return w;
}
const WIRE_NUMBER = hiddenField<WireNumber>();

/**
 * A batch of records as runs: each origin's numbers in one block of consecutive sequence numbers, ascending, and no
 * origin in two blocks. A POST's numbers are one run, and so is a frame of them, however far it travels. Worked out
 * once per array and kept on it: in the simulator the same array reaches every replica, which then adds it run by run
 * (`mergeRuns`) and forwards it whole. `null` when the batch is not runs, or shorter than `MIN_SHARED_RUN` (it then
 * goes number by number).
 */
interface Run {
  readonly origin: string;
  readonly lo: number;
  readonly hi: number;
  readonly sum: bigint;
  /** The run's values, stored by reference by every replica that learns the run whole (see `OriginValues.addRun`). */
  readonly values: ArrayLike<bigint>;
  /** The run's share of a `SetHash`. */
  readonly hashA: number;
  readonly hashB: number;
}
/** A batch's runs (null: not runs), with the batch's length when they were worked out. */
const RUNS = hiddenField<{ readonly runs: readonly Run[] | null; readonly length: number }>();
const NOTHING: readonly NumberRecord[] = Object.freeze([]);

function runsOf(records: readonly NumberRecord[]): readonly Run[] | null {
  // A short batch goes number by number: working out its runs would cost more than it saves.
  if (records.length < MIN_SHARED_RUN) return null;
  const cached = RUNS.get(records);
  // A batch must not change once handed over; one that grew anyway (a caller's bug) is worked out again, not half
  // counted.
  if (cached !== undefined && cached.length === records.length) return cached.runs;
  const runs = findRuns(records);
  RUNS.set(records, { runs, length: records.length });
  return runs;
}

function findRuns(records: readonly NumberRecord[]): Run[] | null {
  // Runs that average under MIN_SHARED_RUN numbers (a frame gathering many origins' single numbers) cost more to work
  // out and to merge one by one than the numbers do: counted first, before anything is made.
  let blocks = 1;
  for (let i = 1; i < records.length; i++) if (records[i]!.origin !== records[i - 1]!.origin) blocks++;
  if (blocks * MIN_SHARED_RUN > records.length) return null;
  const runs: Run[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < records.length) {
    const first = records[i]!;
    if (seen.has(first.origin) || !Number.isSafeInteger(first.seq) || first.seq < 1) return null;
    seen.add(first.origin);
    const share = new SetHash();
    let small = 0;
    let sum = 0n;
    let j = i;
    let fits = true;
    for (; j < records.length && records[j]!.origin === first.origin; j++) {
      const r = records[j]!;
      if (r.seq !== first.seq + (j - i)) return null;
      share.add(r.origin, r.seq);
      if (r.value >= -SMALL && r.value <= SMALL && small >= -SMALL_SUM && small <= SMALL_SUM) small += Number(r.value);
      else sum += r.value;
      if (r.value < INT64_MIN || r.value > INT64_MAX) fits = false;
    }
    const [hashA, hashB] = share.lanes();
    // One typed array per run when every value fits 64 bits (8 bytes a number, nothing for the collector to walk).
    const values: bigint[] = [];
    for (let k = i; k < j; k++) values.push(records[k]!.value);
    runs.push({
      origin: first.origin,
      lo: first.seq,
      hi: first.seq + (j - i) - 1,
      sum: sum + BigInt(small),
      values: fits && j - i >= MIN_SHARED_RUN ? BigInt64Array.from(values) : values,
      hashA,
      hashB,
    });
    i = j;
  }
  return runs;
}

/** A batch's wire form and its size, made once per batch (a batch crosses many links) and kept on it. */
const WIRE = hiddenField<Wired>();
interface Wired {
  readonly numbers: WireNumber[];
  readonly bytes: number;
}

function wired(records: readonly NumberRecord[]): Wired {
  const cached = WIRE.get(records);
  if (cached) return cached;
  const numbers = records.map(toWire);
  let bytes = 0;
  for (const n of numbers) bytes += n.origin.length + n.value.length + NUMBER_OVERHEAD;
  const w = { numbers, bytes };
  WIRE.set(records, w);
  // A frame of this batch alone is these numbers: it carries the batch for a replica in this process.
  BATCHES.set(numbers, [records]);
  return w;
}

/**
 * The frames that carry queued batches, each within the frame budget: whole batches are packed together (a frame of
 * one batch is the batch's own wire array, sent again at every hop); a batch too big for one frame is cut.
 */
function* frames(batches: readonly (readonly NumberRecord[])[]): Generator<WireNumber[]> {
  let packed: (readonly NumberRecord[])[] = [];
  let bytes = 0;
  function* pack(): Generator<WireNumber[]> {
    if (packed.length === 1) yield wired(packed[0]!).numbers;
    else if (packed.length) {
      const numbers = joinNumbers(packed.map((b) => wired(b).numbers));
      yield BATCHES.set(numbers, packed);
    }
    packed = [];
    bytes = 0;
  }
  for (const batch of batches) {
    if (!batch.length) continue;
    const w = wired(batch);
    if (w.bytes > FRAME_BUDGET) {
      yield* pack();
      yield* cut(batch);
      continue;
    }
    if (packed.length && bytes + w.bytes > FRAME_BUDGET) yield* pack();
    packed.push(batch);
    bytes += w.bytes;
  }
  yield* pack();
}

/** A batch too big for one frame, cut into frames. */
function* cut(records: readonly NumberRecord[]): Generator<WireNumber[]> {
  let batch: WireNumber[] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const n = toWire(records[i]!);
    const size = n.origin.length + n.value.length + NUMBER_OVERHEAD;
    if (batch.length && bytes + size > FRAME_BUDGET) {
      yield BATCHES.set(batch, [records.slice(from, i)]);
      batch = [];
      from = i;
      bytes = 0;
    }
    batch.push(n);
    bytes += size;
  }
  if (batch.length) yield BATCHES.set(batch, [records.slice(from)]);
}
