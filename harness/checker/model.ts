/**
 * The checker's model of what each node should know, from the history of injections and connectivity.
 *
 * Numbers spread within connected components of running nodes (cut links and stopped nodes separate them). Between
 * two events the harness cannot know how far a number got, so every node carries two sets:
 *
 * - `certain`: numbers the node knows for sure: injected at it (acknowledged), in its NUMBERS, or verified at an
 *   `expect` step (its reported total showed them);
 * (Both sets may be shared between nodes and are replaced, never modified in place.)
 * - `possible`: numbers that may have reached it: everything that was known anywhere in its component while it was
 *   connected there (e.g. a number injected at n1 right before a partition may or may not have crossed).
 *
 * When an `expect` waits, numbers certainly spread through the whole component, so a node must end up with exactly
 * the certain numbers of its component plus any subset of the uncertain ones (possible minus certain). Usually that
 * subset is empty; it only matters for numbers injected right before a partition or kill. A kill or stop without
 * DATA_DIR loses a node's state (it relearns from its component and re-contributes its NUMBERS); with DATA_DIR the
 * node comes back knowing what it knew (the peer contract). A paused node is out of its component (it must not be
 * waited for) but may still receive what its running neighbours send it, and keep it across a stop. A cut link holds
 * what was in flight on it and delivers it when it heals (link-relay.ts): what its sender may have known while the cut
 * lasted may then reach the other side, even if the sender has since been paused or lost its state.
 */
import { NetworkHistory, type NetworkChange } from "../network/history.js";
import type { LinkSpec } from "../network/spec.js";
import type { Expectation, InjectedNumber } from "./expectation.js";
import { acceptance, couldLackCertain } from "./verdict.js";

export interface ModelNode {
  readonly id: string;
  readonly dataDir: boolean;
  readonly numbers: readonly string[];
}

/** What one node knows, as far as the harness can tell. Sets may be shared between nodes: replaced, never mutated. */
interface Knowledge {
  readonly dataDir: boolean;
  readonly init: readonly InjectedNumber[];
  certain: Set<number>;
  possible: Set<number>;
}


export class NetworkModel {
  private readonly knowledge = new Map<string, Knowledge>();
  private readonly records: InjectedNumber[] = [];
  /** The last time each node lost its state (a restart or kill without DATA_DIR), in words. */
  private readonly lastLoss = new Map<string, string>();
  /** Which nodes run and which links are cut: the one network history. */
  readonly history: NetworkHistory;
  private changeCount = 0;
  /**
   * What each cut direction (`from>to`) may hold: everything its sender may have known while the cut lasted. Sets
   * may be shared with nodes' `possible`: replaced, never modified in place.
   */
  private readonly held = new Map<string, Set<number>>();
  /**
   * What may still arrive at each node from a neighbour that went down or away (stop, kill, leave, pause): everything
   * the neighbour may have known then may be on the wire, and a link with latency or loss delivers it after its sender
   * is gone. So an expect that sees the node's component without these numbers does not show that they will not come
   * (`confirm`). Sets may be shared with nodes' `possible`: replaced, never modified in place.
   */
  private readonly late = new Map<string, Set<number>>();

  constructor(nodes: readonly ModelNode[], links: readonly LinkSpec[]) {
    this.history = new NetworkHistory(nodes, links);
    for (const n of nodes) this.addNode(n);
  }

  /**
   * How many changes of membership or connectivity the model has applied. A POST that was sent at one count and
   * answered at another straddled a change: see `acknowledged`.
   */
  get changes(): number {
    return this.changeCount;
  }

  get numbers(): readonly InjectedNumber[] {
    return this.records;
  }

  record(id: number): InjectedNumber {
    return this.records[id] as InjectedNumber;
  }

  private addNode(n: ModelNode): void {
    if (this.knowledge.has(n.id)) throw new Error(`model: node ${n.id} exists`);
    const init = n.numbers.map((v) => this.newRecord(BigInt(v), n.id, -1, "numbers"));
    const ids = new Set(init.map((r) => r.id));
    this.knowledge.set(n.id, { dataDir: n.dataDir, init, certain: ids, possible: new Set(ids) });
  }

  private newRecord(value: bigint, origin: string, step: number, source: InjectedNumber["source"]): InjectedNumber {
    const after = this.lastLoss.get(origin);
    const r: InjectedNumber = { id: this.records.length, value, origin, step, source, ...(after ? { after } : {}) };
    this.records.push(r);
    return r;
  }

  private state(id: string): Knowledge {
    const s = this.knowledge.get(id);
    if (!s || this.history.life(id) === "removed") throw new Error(`model: unknown or removed node ${id}`);
    return s;
  }

  /** Components of running nodes over links that work both ways. */
  components(): string[][] {
    return this.history.components();
  }

  isRunning(id: string): boolean {
    return this.history.life(id) === "running";
  }

  /**
   * Before connectivity changes: whatever anyone in a component (over links that work at least one way) knows may
   * have reached all of it. Nodes of a component share one `possible` set, so sets are never mutated in place.
   */
  private spreadPossible(): void {
    for (const c of this.history.looseComponents()) {
      const sets = new Set(c.map((id) => this.state(id).possible));
      if (sets.size === 1) continue;
      const union = new Set<number>();
      for (const set of sets) for (const x of set) union.add(x);
      for (const id of c) this.state(id).possible = union;
    }
    // A paused node still receives: its neighbours' bytes wait in its sockets (and the relays), and it reads them
    // when it wakes, even to handle the SIGTERM of a stop, and with DATA_DIR it keeps them. So whatever a running
    // neighbour may know may reach a paused node; the paused node passes nothing on until it runs again.
    for (const [id, life] of this.history.nodes()) {
      if (life !== "paused") continue;
      const s = this.state(id);
      for (const link of this.history.links()) {
        const other = link.from === id ? link.to : link.to === id ? link.from : undefined;
        if (other === undefined || this.history.life(other) !== "running" || this.history.isBlocked(other, id)) continue;
        const theirs = this.state(other).possible;
        if (theirs === s.possible || [...theirs].every((x) => s.possible.has(x))) continue;
        this.addPossible(s, theirs);
      }
    }
  }

  /** Copy-on-write: `possible` sets may be shared between nodes. */
  private addPossible(s: Knowledge, ids: Iterable<number>): void {
    const next = new Set(s.possible);
    for (const id of ids) next.add(id);
    s.possible = next;
  }

  /** Numbers acknowledged by `node` (POST answered 201). */
  inject(node: string, values: readonly (bigint | string)[], step: number): InjectedNumber[] {
    const s = this.state(node);
    if (this.history.life(node) === "stopped") throw new Error(`model: inject at ${node}, which is not running`);
    const added = values.map((v) => this.newRecord(BigInt(v), node, step, "inject"));
    s.certain = new Set([...s.certain, ...added.map((r) => r.id)]);
    this.addPossible(s, added.map((r) => r.id));
    return added;
  }

  /**
   * Numbers a node acknowledged (201) while the harness was changing the network around it (a background load):
   * running or paused, it holds them; stopped with DATA_DIR, they survive in its log; otherwise (stopped without
   * DATA_DIR, or gone) they may have spread before it went down, so they may be counted anywhere, never must be.
   *
   * `changesWhenSent` is `changes` when the POST was sent. When the network changed while the POST was in flight, the
   * node may have taken the numbers in and passed them on before the change (a partition, say) although it answered
   * after it: they may then have reached any node, not only the node's component of now.
   */
  acknowledged(node: string, values: readonly (bigint | string)[], step: number, changesWhenSent?: number): InjectedNumber[] {
    const life = this.history.life(node);
    const k = this.knowledge.get(node);
    if (life === "running" || life === "paused" || (life === "stopped" && k?.dataDir)) {
      const s = k as Knowledge;
      const added = values.map((v) => this.newRecord(BigInt(v), node, step, "inject"));
      const ids = added.map((r) => r.id);
      s.certain = new Set([...s.certain, ...ids]);
      this.addPossible(s, ids);
      if (changesWhenSent !== undefined && changesWhenSent !== this.changeCount) this.possibleEverywhere(ids);
      return added;
    }
    return this.injectIndeterminate(node, values, step);
  }

  /**
   * Numbers whose POST was sent but not answered (a timeout, a broken connection: Maelstrom's "info" operations): the
   * node may or may not hold them, and may have passed them on. They may be counted anywhere, never must be.
   */
  injectIndeterminate(node: string, values: readonly (bigint | string)[], step: number): InjectedNumber[] {
    const added = values.map((v) => this.newRecord(BigInt(v), node, step, "inject"));
    this.possibleEverywhere(added.map((r) => r.id));
    return added;
  }

  /** Numbers that may have reached every node there is (and so may be counted anywhere). */
  private possibleEverywhere(ids: readonly number[]): void {
    // Sets are shared between nodes: extend each distinct set once.
    const extended = new Map<Set<number>, Set<number>>();
    for (const [id, k] of this.knowledge) {
      if (this.history.life(id) === "removed") continue;
      let next = extended.get(k.possible);
      if (!next) {
        next = new Set(k.possible);
        for (const x of ids) next.add(x);
        extended.set(k.possible, next);
      }
      k.possible = next;
    }
  }

  /** Apply a change of membership or connectivity (the same changes the network history knows). */
  apply(change: NetworkChange, step?: number): void {
    this.spreadPossible();
    // Before anyone loses state: what the senders of cut directions may know is on its way, held by the cut.
    this.holdInFlight();
    const reopened =
      change.kind === "restore"
        ? change.links.flatMap((l) => [
            { from: l.from, to: l.to },
            { from: l.to, to: l.from },
          ]).filter((d) => this.history.isBlocked(d.from, d.to))
        : [];
    // A paused node stopped gracefully (stop, restart, leave) is woken to see its SIGTERM: before it exits it reads
    // what waited in its sockets and sends what it holds, a batch flushed included. A kill gives it no such moment.
    if (change.kind === "stop" || change.kind === "leave" || (change.kind === "restart" && !change.hard)) {
      for (const id of change.nodes) if (this.history.life(id) === "paused") this.wakeToStop(id);
    }
    if (change.kind === "stop" || change.kind === "kill" || change.kind === "leave" || change.kind === "pause" || change.kind === "restart") {
      for (const id of change.nodes) this.mayArriveLate(id, change.kind === "kill");
    }
    const before = new Map(this.history.nodes());
    this.history.apply(change);
    this.changeCount++;
    if (change.kind === "cut" || change.kind === "cut-one-way") this.holdInFlight();
    for (const d of reopened) this.deliverHeld(d.from, d.to);
    switch (change.kind) {
      case "kill":
      case "stop":
        for (const id of change.nodes) this.lose(id);
        return;
      case "restart":
        for (const id of change.nodes) {
          const was = before.get(id);
          if (was === "running" || was === "paused") this.lose(id);
          if (!this.state(id).dataDir) {
            this.lastLoss.set(id, `after ${id} ${change.hard ? "was killed and " : ""}restarted without DATA_DIR${step !== undefined ? ` in step ${step + 1}` : ""}`);
          }
          const s = this.state(id);
          s.certain = new Set([...s.certain, ...s.init.map((r) => r.id)]);
          this.addPossible(s, s.init.map((r) => r.id));
        }
        return;
      case "join":
        this.addNode(change.node);
        return;
      case "leave":
        for (const id of change.nodes) {
          const s = this.knowledge.get(id);
          if (s) {
            s.certain = new Set();
            s.possible = new Set();
          }
        }
        return;
      default:
        return;
    }
  }

  /** Every cut direction holds what its sender may know now, besides what it held. */
  private holdInFlight(): void {
    for (const d of this.history.blockedDirections()) {
      const sender = this.knowledge.get(d.from);
      if (!sender) continue;
      const key = `${d.from}>${d.to}`;
      const held = this.held.get(key);
      if (held === sender.possible) continue;
      if (!held) this.held.set(key, sender.possible);
      else if (![...sender.possible].every((x) => held.has(x))) this.held.set(key, new Set([...held, ...sender.possible]));
    }
  }

  /** A cut direction healed: what it held reaches its receiver, if it runs or is paused (its connection is there). */
  private deliverHeld(from: string, to: string): void {
    const key = `${from}>${to}`;
    const held = this.held.get(key);
    this.held.delete(key);
    const life = this.history.life(to);
    if (!held || (life !== "running" && life !== "paused")) return;
    const s = this.state(to);
    if (held !== s.possible && ![...held].every((x) => s.possible.has(x))) this.addPossible(s, held);
  }

  /**
   * `id` goes down or away: what it may know may still be on the wire to each neighbour it can send to. A running node
   * may have sent anything it may know; a paused one sends only as it is woken to stop (not when killed).
   */
  private mayArriveLate(id: string, killed: boolean): void {
    const life = this.history.life(id);
    if (life !== "running" && !(life === "paused" && !killed)) return;
    const sent = this.state(id).possible;
    for (const link of this.history.links()) {
      const other = link.from === id ? link.to : link.to === id ? link.from : undefined;
      if (other === undefined || this.history.isBlocked(id, other)) continue;
      const otherLife = this.history.life(other);
      if (otherLife !== "running" && otherLife !== "paused") continue;
      const was = this.late.get(other);
      if (!was || was === sent) this.late.set(other, sent);
      else if (![...sent].every((x) => was.has(x))) this.late.set(other, new Set([...was, ...sent]));
    }
  }

  /** What a paused node may know may reach its running neighbours (and, from them, their components) as it stops. */
  private wakeToStop(id: string): void {
    const s = this.state(id);
    for (const link of this.history.links()) {
      const other = link.from === id ? link.to : link.to === id ? link.from : undefined;
      if (other === undefined || this.history.life(other) !== "running" || this.history.isBlocked(id, other)) continue;
      const theirs = this.state(other);
      if (theirs.possible === s.possible || [...s.possible].every((x) => theirs.possible.has(x))) continue;
      this.addPossible(theirs, s.possible);
    }
    // The neighbours' components share what the neighbours may now know.
    this.spreadPossible();
  }

  /** A node that went down keeps what it knew only with DATA_DIR. */
  private lose(id: string): void {
    const s = this.state(id);
    if (!s.dataDir) {
      s.certain = new Set();
      s.possible = new Set();
    }
  }

  /** What `node` must report once its component has converged. */
  expectation(node: string): Expectation {
    const e = this.expectations([node]).get(node);
    if (!e) throw new Error(`model: ${node} is not running`);
    return e;
  }

  /** Expectations of several nodes at once (one pass over the network, however many nodes). */
  expectations(nodes: readonly string[]): Map<string, Expectation> {
    this.spreadPossible();
    const out = new Map<string, Expectation>();
    const wanted = new Set(nodes);
    for (const component of this.history.components()) {
      if (!component.some((id) => wanted.has(id))) continue;
      // Sets are shared between nodes (copy-on-write): merge each distinct set once.
      const certainSets = new Set(component.map((id) => this.state(id).certain));
      const possibleSets = new Set(component.map((id) => this.state(id).possible));
      const certain = certainSets.size === 1 ? ([...certainSets][0] as Set<number>) : new Set<number>();
      if (certainSets.size > 1) for (const set of certainSets) for (const x of set) certain.add(x);
      const possible = possibleSets.size === 1 ? ([...possibleSets][0] as Set<number>) : new Set<number>();
      if (possibleSets.size > 1) for (const set of possibleSets) for (const x of set) possible.add(x);
      const certainRecords = [...certain].sort((a, b) => a - b).map((id) => this.record(id));
      const uncertain = [...possible].filter((x) => !certain.has(x)).sort((a, b) => a - b).map((id) => this.record(id));
      const total = certainRecords.reduce((sum, r) => sum + r.value, 0n);
      for (const node of component) {
        if (wanted.has(node)) {
          out.set(node, {
            node,
            component,
            certain: certainRecords,
            uncertain,
            total,
            count: certainRecords.length,
            certainIds: certain,
          });
        }
      }
    }
    for (const n of nodes) if (!out.has(n)) throw new Error(`model: ${n} is not running`);
    return out;
  }

  /**
   * After `node` was seen to report a total that `expectation` accepted: record what it has verifiably learned. Only
   * when the report shows it holds every certain number (no choice of uncertain numbers could make up for a missing
   * one: `couldLackCertain`) are they certain there from now on; then, with a count, a report of the certain set
   * only shows the uncertain numbers did not reach its component, and a report of all of them makes them certain.
   * Otherwise (it may lack some, or the search could not tell) it keeps what was known of it before, and what it may
   * hold stays possible.
   */
  confirm(e: Expectation, reportedTotal: bigint, reportedCount: number | undefined): void {
    const report = { total: reportedTotal, count: reportedCount };
    if (couldLackCertain(e, report) !== false || acceptance(e, report) === false) return;
    const s = this.state(e.node);
    s.certain = e.certainIds as Set<number>; // shared, never mutated in place
    if (e.uncertain.length === 0 || reportedCount === undefined) return;
    if (reportedCount === e.count + e.uncertain.length) {
      s.certain = new Set([...e.certain, ...e.uncertain].map((r) => r.id));
      this.addPossible(s, e.uncertain.map((r) => r.id));
    } else if (reportedCount === e.count) {
      // None of the uncertain numbers has reached the component, but those that a departed neighbour of it may have
      // sent may still come (explore seed 113397: n3 added 110 and left, and its push reached n2 after an expect had
      // seen n2 at 0).
      const late = new Set<number>();
      for (const id of e.component) for (const x of this.late.get(id) ?? []) if (!e.certainIds.has(x)) late.add(x);
      s.possible = new Set([...s.certain, ...late]);
    }
  }
}
