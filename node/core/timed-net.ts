/**
 * A deterministic, timed, in-memory network of replicas (no sockets): for the core's tests and the dissemination
 * benchmark. Every link delivers in FIFO order (as TCP does) after a per-message delay the caller chooses; time jumps
 * to the next delivery or to the next tick a replica asks for (`nextTickAt`), so announcements, grafts and summaries
 * run exactly as they would in a peer. One event heap: thousands of replicas run in reasonable time.
 */
import { Replica, type Dissemination, type LinkId, type Output, type ReplicaTiming } from "./replica.js";
import type { WireMessage } from "../wire/messages.js";
import { OriginIndex } from "./origin-index.js";

type Event =
  | { at: number; order: number; kind: "deliver"; link: LinkId; msg: WireMessage }
  | { at: number; order: number; kind: "tick"; replica: number };

export class TimedNet {
  readonly replicas: Replica[] = [];
  now = 0;
  /** link id -> [owner replica, link id at the other end], while the link exists. */
  private readonly ends = new Map<LinkId, [number, LinkId]>();
  /** Last scheduled delivery per link (FIFO: a later message never overtakes). */
  private readonly lastAt = new Map<LinkId, number>();
  private readonly edges = new Map<string, LinkId>();
  private nextLink = 1;
  private order = 0;
  private readonly heap: Event[] = [];
  /** The tick time each replica has in the heap (a stale heap entry is skipped). */
  private readonly tickAt: number[] = [];
  /** Every message sent (by which replica, when), unless `record` is false (a large simulation counts them instead). */
  readonly sent: { link: LinkId; msg: WireMessage; from: number; at: number }[] = [];
  messages = 0;
  record = true;
  /** Called for every number a replica learns (from a link or written locally), at the virtual time it learns it. */
  onLearned?: (replica: number, numbers: readonly { origin: string; seq: number }[], at: number) => void;

  constructor(
    n: number,
    private readonly delay: () => number,
    dissemination: Dissemination = "tree",
    timing?: Partial<ReplicaTiming>,
    /** Which replicas take depth/1 on their tree links (all by default). */
    depth: (replica: number) => boolean = () => true,
  ) {
    // One index of origins for every replica: each keeps per-origin state in arrays by origin number (OriginIndex).
    const origins = new OriginIndex();
    for (let i = 0; i < n; i++) {
      this.replicas.push(
        new Replica({ nodeId: `n${i}`, origin: `n${i}@sim`, dissemination, timing, now: 0, origins, depth: depth(i) }),
      );
      this.tickAt.push(Infinity);
      this.scheduleTick(i);
    }
  }

  connect(a: number, b: number): void {
    const la = this.nextLink++;
    const lb = this.nextLink++;
    this.ends.set(la, [a, lb]);
    this.ends.set(lb, [b, la]);
    this.edges.set(`${a}-${b}`, la);
    this.apply(a, this.replicas[a]!.linkUp(la, `n${b}`, "dialer", this.now));
    this.apply(b, this.replicas[b]!.linkUp(lb, `n${a}`, "acceptor", this.now));
  }

  /** The link by which `a` sends to `b` (connected as `connect(a, b)`). */
  linkFrom(a: number, b: number): LinkId | undefined {
    return this.edges.get(`${a}-${b}`) ?? this.ends.get(this.edges.get(`${b}-${a}`) ?? -1)?.[1];
  }

  /** Cuts a link: what was in flight on it is lost, and both ends are told. */
  cut(a: number, b: number): void {
    const la = this.edges.get(`${a}-${b}`);
    if (la === undefined) return;
    this.edges.delete(`${a}-${b}`);
    const [, lb] = this.ends.get(la)!;
    this.ends.delete(la);
    this.ends.delete(lb);
    this.apply(a, this.replicas[a]!.linkDown(la, this.now));
    this.apply(b, this.replicas[b]!.linkDown(lb, this.now));
  }

  inject(i: number, values: bigint[]): void {
    const r = this.replicas[i]!;
    this.addLocal(i, r.allocate(values));
  }

  /** Adds numbers already allocated at replica `i` (a caller that needs their identities allocates first). */
  addLocal(i: number, records: Parameters<Replica["addLocal"]>[0]): void {
    this.apply(i, this.replicas[i]!.addLocal(records, this.now));
  }

  /** Runs until virtual time `until`, delivering messages and ticking replicas when due. */
  run(until: number, maxSteps = 50_000_000): void {
    for (let step = 0; step < maxSteps; step++) {
      const e = this.heap[0];
      if (!e || e.at > until) {
        this.now = Math.max(this.now, until);
        return;
      }
      this.pop();
      this.now = Math.max(this.now, e.at);
      if (e.kind === "tick") {
        if (this.tickAt[e.replica] !== e.at) continue;
        this.tickAt[e.replica] = Infinity;
        this.apply(e.replica, this.replicas[e.replica]!.tick(this.now));
        continue;
      }
      const ends = this.ends.get(e.link);
      if (!ends) continue; // cut while in flight
      const [, far] = ends;
      const [owner] = this.ends.get(far)!;
      this.apply(owner, this.replicas[owner]!.receive(far, e.msg, this.now));
    }
    throw new Error(`simulation did not reach time ${until} within ${maxSteps} steps`);
  }

  private apply(i: number, outputs: readonly Output[]): void {
    for (const o of outputs) {
      if (o.kind === "learned") this.onLearned?.(i, o.numbers, this.now);
      if (o.kind !== "send" || !this.ends.has(o.link)) continue;
      const at = Math.max(this.lastAt.get(o.link) ?? 0, this.now + this.delay());
      this.lastAt.set(o.link, at);
      this.push({ at, order: this.order++, kind: "deliver", link: o.link, msg: o.message });
      this.messages++;
      if (this.record) this.sent.push({ link: o.link, msg: o.message, from: i, at: this.now });
    }
    this.scheduleTick(i);
  }

  private scheduleTick(i: number): void {
    const at = Math.max(this.now, this.replicas[i]!.nextTickAt());
    if (at >= this.tickAt[i]! || at === Infinity) return;
    this.tickAt[i] = at;
    this.push({ at, order: this.order++, kind: "tick", replica: i });
  }

  private less(x: Event, y: Event): boolean {
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (!h.length) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
