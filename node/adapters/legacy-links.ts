/**
 * Legacy p2pnetwork links, wired: the sans-I/O core (`core/legacy-link.ts`) connected to the TCP links, the replica,
 * the number log, the log and the metrics, and to time (the silence rule for links this peer dialed). `peer.ts` calls
 * one hook per link event; everything about legacy links happens here.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "../logger.js";
import type { Replica, LinkId, NumberRecord } from "../core/replica.js";
import { LegacyLinks, type LegacyLinkView, type LegacyOutput } from "../core/legacy-link.js";
import type { NumberLog } from "./number-log.js";
import type { PeerMetrics } from "./metrics.js";
import type { Direction, TcpLinks } from "./tcp-links.js";

export class LegacyLinkAdapter {
  private readonly core: LegacyLinks;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deps: {
      nodeId: string;
      newIncarnation: () => string;
      replica: Replica;
      links: Pick<TcpLinks, "sendLegacy" | "markLegacy" | "close">;
      numberLog: NumberLog | undefined;
      log: Logger;
      metrics: PeerMetrics;
      /** Adds numbers written here to the replica and sends what that implies (the peer's `apply`). */
      addLocal: (numbers: readonly NumberRecord[]) => void;
      silenceMs?: number;
    },
  ) {
    this.core = new LegacyLinks({ nodeId: deps.nodeId, newIncarnation: deps.newIncarnation, silenceMs: deps.silenceMs });
  }

  get upCount(): number {
    return this.core.size;
  }

  views(): LegacyLinkView[] {
    return this.core.views();
  }

  /** A link completed its handshake. One this peer dialed turns legacy if the acceptor stays silent. */
  up(link: LinkId, peer: string, direction: Direction): void {
    if (direction !== "out") return;
    const deadline = this.core.dialed(link, peer, performance.now());
    const arm = (): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const now = performance.now();
        // Timers count whole milliseconds: one may fire a fraction of a millisecond before the deadline.
        if (now < deadline) return arm();
        for (const silent of this.core.expired(now)) {
          if (this.deps.links.markLegacy(silent.link)) this.become(silent.link, silent.peer, "no frame after hello");
        }
      }, Math.max(1, Math.ceil(deadline - performance.now())));
      timer.unref();
      this.timers.add(timer);
    };
    arm();
  }

  /** A sumnet message arrived on the link. */
  message(link: LinkId): void {
    this.core.heard(link);
  }

  /** A frame arrived on a legacy link; the first one is what made it legacy. */
  frame(link: LinkId, text: string): void {
    this.core.heard(link);
    if (!this.core.isLegacy(link)) this.become(link, this.deps.replica.linkPeer(link) ?? "?", "first frame is not hello");
    this.run(this.core.frame(link, text));
  }

  down(link: LinkId): void {
    this.core.end(link);
  }

  /** Numbers the replica learned, from anywhere: they go out on every legacy link but their own. */
  learned(numbers: readonly NumberRecord[]): void {
    if (this.core.size) this.run(this.core.learned(numbers));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private become(link: LinkId, peer: string, why: string): void {
    // The replica forgets the link: no sumnet message ever goes to it again.
    this.deps.replica.linkDown(link);
    const held = heldNumbers(this.deps.replica);
    const outputs = this.core.begin(link, peer, held);
    this.deps.log.info("legacy link", { peer, origin: this.core.originOf(link), why, sending: held.length });
    this.run(outputs);
  }

  private run(outputs: readonly LegacyOutput[]): void {
    const { links, log, metrics } = this.deps;
    for (const o of outputs) {
      switch (o.kind) {
        case "send":
          links.sendLegacy(o.link, o.values);
          break;
        case "add":
          metrics.legacyNumbers += o.numbers.length;
          for (const n of o.numbers) {
            log.info("legacy number", { peer: this.core.peerOf(o.link), origin: n.origin, seq: n.seq, value: n.value });
          }
          this.persistThenAdd(o.numbers);
          break;
        case "ignored":
          metrics.legacyFramesIgnored++;
          log.warn("legacy frame ignored", { peer: this.core.peerOf(o.link), why: o.why, frame: o.frame });
          break;
        case "close":
          metrics.reject("protocol");
          links.close(o.link, o.reason);
          break;
      }
    }
  }

  /** Like a POST: durable in DATA_DIR before the number counts or leaves this peer. */
  private persistThenAdd(numbers: readonly NumberRecord[]): void {
    const { numberLog, addLocal, log } = this.deps;
    if (!numberLog) {
      addLocal(numbers);
      return;
    }
    numberLog.append(numbers).then(
      () => addLocal(numbers),
      (err: Error) => log.error("number log write failed; legacy number dropped", { error: err.message }),
    );
  }
}

/** Every number the replica holds, origin by origin. */
function heldNumbers(replica: Replica): NumberRecord[] {
  return Object.keys(replica.digest()).flatMap((origin) => replica.numbersOf(origin));
}
