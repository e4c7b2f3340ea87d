/**
 * The checker's model of what each node should know, from the history of injections and connectivity.
 *
 * Numbers spread within connected components of running nodes (cut links and stopped nodes separate them). Between
 * two events the harness cannot know how far a number got, so every node carries two sets:
 *
 * - `certain`: numbers the node knows for sure: injected at it (acknowledged), in its NUMBERS, or verified at an
 *   `expect` step (its reported total showed them);
 * - `possible`: numbers that may have reached it: everything that was known anywhere in its component while it was
 *   connected there (e.g. a number injected at n1 right before a partition may or may not have crossed).
 *
 * When an `expect` waits, numbers certainly spread through the whole component, so a node must end up with exactly
 * the certain numbers of its component plus any subset of the uncertain ones (possible minus certain). Usually that
 * subset is empty; it only matters for numbers injected right before a partition or kill. A kill or stop without
 * DATA_DIR loses a node's state (it relearns from its component and re-contributes its NUMBERS); with DATA_DIR the
 * node comes back knowing what it knew (the peer contract).
 */
import { linkKey, type LinkSpec } from "../runtime/runtime.js";
import { components } from "../topology/graph.js";

/** One number the scenario put into the network. */
export interface NumberRecord {
  /** Model-internal identity (order of injection). */
  readonly id: number;
  readonly value: bigint;
  /** Node it was injected at (or whose NUMBERS it belongs to). */
  readonly origin: string;
  /** Step index that injected it; -1 for NUMBERS given at start. */
  readonly step: number;
  readonly source: "inject" | "numbers";
}

export interface ModelNode {
  readonly id: string;
  readonly dataDir: boolean;
  readonly numbers: readonly string[];
}

interface NodeState {
  readonly dataDir: boolean;
  readonly init: readonly NumberRecord[];
  running: boolean;
  removed: boolean;
  certain: Set<number>;
  possible: Set<number>;
}

/** What a node must report at an expect step. */
export interface Expectation {
  readonly node: string;
  /** Nodes in its component (running, uncut links), itself included. */
  readonly component: readonly string[];
  /** Numbers it must know. */
  readonly certain: readonly NumberRecord[];
  /** Numbers it may or may not know (their spread was cut short). */
  readonly uncertain: readonly NumberRecord[];
  readonly total: bigint;
  readonly count: number;
}

export class NetworkModel {
  private readonly nodes = new Map<string, NodeState>();
  private readonly links = new Map<string, LinkSpec & { cut: boolean }>();
  private readonly records: NumberRecord[] = [];

  constructor(nodes: readonly ModelNode[], links: readonly LinkSpec[]) {
    for (const n of nodes) this.addNode(n);
    for (const l of links) this.links.set(linkKey(l.from, l.to), { ...l, cut: false });
  }

  get numbers(): readonly NumberRecord[] {
    return this.records;
  }

  record(id: number): NumberRecord {
    return this.records[id] as NumberRecord;
  }

  private addNode(n: ModelNode): void {
    if (this.nodes.has(n.id)) throw new Error(`model: node ${n.id} exists`);
    const init = n.numbers.map((v) => this.newRecord(BigInt(v), n.id, -1, "numbers"));
    const ids = new Set(init.map((r) => r.id));
    this.nodes.set(n.id, { dataDir: n.dataDir, init, running: true, removed: false, certain: ids, possible: new Set(ids) });
  }

  private newRecord(value: bigint, origin: string, step: number, source: NumberRecord["source"]): NumberRecord {
    const r: NumberRecord = { id: this.records.length, value, origin, step, source };
    this.records.push(r);
    return r;
  }

  private state(id: string): NodeState {
    const s = this.nodes.get(id);
    if (!s || s.removed) throw new Error(`model: unknown or removed node ${id}`);
    return s;
  }

  /** Components of running nodes over uncut links. */
  components(): string[][] {
    const live = [...this.nodes].filter(([, s]) => s.running && !s.removed).map(([id]) => id);
    return components(
      live,
      [...this.links.values()].filter((l) => !l.cut),
    );
  }

  isRunning(id: string): boolean {
    const s = this.nodes.get(id);
    return !!s && s.running && !s.removed;
  }

  /** Before connectivity shrinks: whatever anyone in a component knows may have reached all of it. */
  private spreadPossible(): void {
    for (const c of this.components()) {
      const union = new Set<number>();
      for (const id of c) {
        const s = this.state(id);
        for (const x of s.possible) union.add(x);
        for (const x of s.certain) union.add(x);
      }
      for (const id of c) this.state(id).possible = new Set(union);
    }
  }

  /** Numbers acknowledged by `node` (POST answered 201). */
  inject(node: string, values: readonly (bigint | string)[], step: number): NumberRecord[] {
    const s = this.state(node);
    if (!s.running) throw new Error(`model: inject at ${node}, which is not running`);
    const added = values.map((v) => this.newRecord(BigInt(v), node, step, "inject"));
    for (const r of added) {
      s.certain.add(r.id);
      s.possible.add(r.id);
    }
    return added;
  }

  cut(links: readonly LinkSpec[]): void {
    this.spreadPossible();
    for (const l of links) {
      const link = this.links.get(linkKey(l.from, l.to));
      if (link) link.cut = true;
    }
  }

  restore(links: readonly LinkSpec[]): void {
    this.spreadPossible();
    for (const l of links) {
      const link = this.links.get(linkKey(l.from, l.to));
      if (link) link.cut = false;
    }
  }

  /** Kill or graceful stop: the same for the model (DATA_DIR decides what survives). */
  down(node: string): void {
    this.spreadPossible();
    const s = this.state(node);
    s.running = false;
    if (!s.dataDir) {
      s.certain = new Set();
      s.possible = new Set();
    }
  }

  up(node: string): void {
    this.spreadPossible();
    const s = this.state(node);
    s.running = true;
    for (const r of s.init) {
      s.certain.add(r.id);
      s.possible.add(r.id);
    }
  }

  join(node: ModelNode, links: readonly LinkSpec[]): void {
    this.spreadPossible();
    this.addNode(node);
    for (const l of links) this.links.set(linkKey(l.from, l.to), { ...l, cut: false });
  }

  leave(node: string): void {
    this.down(node);
    const s = this.state(node);
    s.removed = true;
    s.certain = new Set();
    s.possible = new Set();
    for (const [k, l] of this.links) if (l.from === node || l.to === node) this.links.delete(k);
  }

  /** What `node` must report once its component has converged. */
  expectation(node: string): Expectation {
    this.spreadPossible();
    const component = this.components().find((c) => c.includes(node));
    if (!component) throw new Error(`model: ${node} is not running`);
    const certain = new Set<number>();
    const possible = new Set<number>();
    for (const id of component) {
      const s = this.state(id);
      for (const x of s.certain) certain.add(x);
      for (const x of s.possible) possible.add(x);
    }
    const certainRecords = [...certain].sort((a, b) => a - b).map((id) => this.record(id));
    const uncertain = [...possible].filter((x) => !certain.has(x)).sort((a, b) => a - b).map((id) => this.record(id));
    return {
      node,
      component,
      certain: certainRecords,
      uncertain,
      total: certainRecords.reduce((sum, r) => sum + r.value, 0n),
      count: certainRecords.length,
    };
  }

  /**
   * After `node` was seen to report a total that `expectation` accepted: record what it has verifiably learned. If
   * it reported the certain set only, the uncertain numbers did not reach its component; if it reported all of
   * them, they are now certain.
   */
  confirm(e: Expectation, reportedTotal: bigint, reportedCount: number | undefined): void {
    const s = this.state(e.node);
    const all = [...e.certain, ...e.uncertain];
    const allTotal = all.reduce((sum, r) => sum + r.value, 0n);
    if (e.uncertain.length === 0 || (reportedTotal === allTotal && (reportedCount ?? all.length) === all.length)) {
      for (const r of all) {
        s.certain.add(r.id);
        s.possible.add(r.id);
      }
    } else if (reportedTotal === e.total && (reportedCount ?? e.count) === e.count) {
      for (const r of e.certain) s.certain.add(r.id);
      s.possible = new Set(s.certain);
    } else {
      for (const r of e.certain) s.certain.add(r.id);
    }
  }
}
