/**
 * One network history: which nodes run, which links exist and which of their directions are cut, and the connected
 * components that follow. Pure: the planner walks it to check a scenario's references, the checker's model asks it
 * where numbers can spread, and the live view asks it which sides a partition made. Every change that a scenario
 * step, a nemesis or a click on the dashboard makes to a network is one `NetworkChange`.
 */
import { components } from "./graph.js";
import { linkKey, type LinkSpec, type NodeSpec } from "./spec.js";

/**
 * Where a node is in its life, as the harness made it. `paused`: frozen (SIGSTOP, `docker pause`), holding its state
 * and its connections but neither reading nor writing.
 */
export type NodeLife = "running" | "paused" | "stopped" | "removed";

/** One direction of a link: bytes from `from` to `to` (whichever end dials). */
export interface LinkDirection {
  readonly from: string;
  readonly to: string;
}

/** A change the harness makes to a network's membership or connectivity. */
export type NetworkChange =
  /** Cut links in both directions (a partition). */
  | { readonly kind: "cut"; readonly links: readonly LinkSpec[] }
  /** Cut one direction of links: bytes from `from` to `to` no longer cross; the other direction still works. */
  | { readonly kind: "cut-one-way"; readonly directions: readonly LinkDirection[] }
  /** Restore links in both directions. */
  | { readonly kind: "restore"; readonly links: readonly LinkSpec[] }
  | { readonly kind: "kill"; readonly nodes: readonly string[] }
  | { readonly kind: "stop"; readonly nodes: readonly string[]; readonly timeoutMs: number }
  | { readonly kind: "restart"; readonly nodes: readonly string[]; readonly hard: boolean; readonly timeoutMs: number }
  | { readonly kind: "pause"; readonly nodes: readonly string[] }
  | { readonly kind: "resume"; readonly nodes: readonly string[] }
  | { readonly kind: "join"; readonly node: NodeSpec; readonly links: readonly LinkSpec[] }
  | { readonly kind: "leave"; readonly nodes: readonly string[]; readonly timeoutMs: number };

export type NetworkChangeKind = NetworkChange["kind"];

export const NETWORK_CHANGE_KINDS: readonly NetworkChangeKind[] = [
  "cut",
  "cut-one-way",
  "restore",
  "kill",
  "stop",
  "restart",
  "pause",
  "resume",
  "join",
  "leave",
];

export function isNetworkChange(action: { readonly kind: string }): action is NetworkChange {
  return (NETWORK_CHANGE_KINDS as readonly string[]).includes(action.kind);
}

interface LinkState {
  readonly spec: LinkSpec;
  /** Directions cut, as `from>to` of the nodes. */
  readonly blocked: Set<string>;
}

const dir = (from: string, to: string): string => `${from}>${to}`;

export class NetworkHistory {
  private readonly lives = new Map<string, NodeLife>();
  private readonly linkStates = new Map<string, LinkState>();

  constructor(nodes: readonly { readonly id: string }[], links: readonly LinkSpec[]) {
    for (const n of nodes) this.lives.set(n.id, "running");
    for (const l of links) this.linkStates.set(linkKey(l.from, l.to), { spec: l, blocked: new Set() });
  }

  /** A copy that changes independently. */
  clone(): NetworkHistory {
    const copy = new NetworkHistory([], []);
    for (const [id, life] of this.lives) copy.lives.set(id, life);
    for (const [k, l] of this.linkStates) copy.linkStates.set(k, { spec: l.spec, blocked: new Set(l.blocked) });
    return copy;
  }

  /** Undefined for a node that never existed. */
  life(id: string): NodeLife | undefined {
    return this.lives.get(id);
  }

  /** Every node ever added, in order, with its life. */
  nodes(): [string, NodeLife][] {
    return [...this.lives];
  }

  /** Nodes running (not paused, stopped or removed), in the order they were added. */
  running(): string[] {
    return [...this.lives].filter(([, life]) => life === "running").map(([id]) => id);
  }

  /** Nodes that exist (not removed). */
  present(): string[] {
    return [...this.lives].filter(([, life]) => life !== "removed").map(([id]) => id);
  }

  /** Links between present nodes. */
  links(): LinkSpec[] {
    return [...this.linkStates.values()].map((l) => l.spec);
  }

  link(a: string, b: string): LinkSpec | undefined {
    return this.linkStates.get(linkKey(a, b))?.spec;
  }

  /** True when at least one direction of the link is cut. */
  isCut(a: string, b: string): boolean {
    return (this.linkStates.get(linkKey(a, b))?.blocked.size ?? 0) > 0;
  }

  /** True when bytes from `from` to `to` do not cross the link between them. */
  isBlocked(from: string, to: string): boolean {
    return this.linkStates.get(linkKey(from, to))?.blocked.has(dir(from, to)) ?? false;
  }

  /** Links with at least one direction cut. */
  cutLinks(): LinkSpec[] {
    return [...this.linkStates.values()].filter((l) => l.blocked.size > 0).map((l) => l.spec);
  }

  /** Every direction cut (both of a link cut both ways). */
  blockedDirections(): LinkDirection[] {
    const out: LinkDirection[] = [];
    for (const l of this.linkStates.values()) {
      for (const d of l.blocked) {
        const [from, to] = d.split(">") as [string, string];
        out.push({ from, to });
      }
    }
    return out;
  }

  /** Directions cut one way only (the other direction of the link works). */
  oneWayCuts(): LinkDirection[] {
    const out: LinkDirection[] = [];
    for (const l of this.linkStates.values()) {
      if (l.blocked.size !== 1) continue;
      const [from, to] = ([...l.blocked][0] as string).split(">") as [string, string];
      out.push({ from, to });
    }
    return out;
  }

  /** Components of running nodes over links that work both ways: where every number must spread. */
  components(): string[][] {
    return components(
      this.running(),
      [...this.linkStates.values()].filter((l) => l.blocked.size === 0).map((l) => l.spec),
    );
  }

  /** Components of running nodes over links that work at least one way: where a number may have spread. */
  looseComponents(): string[][] {
    return components(
      this.running(),
      [...this.linkStates.values()].filter((l) => l.blocked.size < 2).map((l) => l.spec),
    );
  }

  apply(change: NetworkChange): void {
    switch (change.kind) {
      case "cut":
        for (const l of change.links) {
          const s = this.linkState(l.from, l.to);
          s.blocked.add(dir(l.from, l.to));
          s.blocked.add(dir(l.to, l.from));
        }
        return;
      case "cut-one-way":
        for (const d of change.directions) this.linkState(d.from, d.to).blocked.add(dir(d.from, d.to));
        return;
      case "restore":
        for (const l of change.links) this.linkState(l.from, l.to).blocked.clear();
        return;
      case "kill":
      case "stop":
        for (const id of change.nodes) this.setLife(id, "stopped");
        return;
      case "restart":
        for (const id of change.nodes) this.setLife(id, "running");
        return;
      case "pause":
        for (const id of change.nodes) this.setLife(id, "paused");
        return;
      case "resume":
        for (const id of change.nodes) this.setLife(id, "running");
        return;
      case "join":
        if (this.lives.has(change.node.id)) throw new Error(`history: node "${change.node.id}" already exists`);
        this.lives.set(change.node.id, "running");
        for (const l of change.links) this.linkStates.set(linkKey(l.from, l.to), { spec: l, blocked: new Set() });
        return;
      case "leave":
        for (const id of change.nodes) {
          this.setLife(id, "removed");
          for (const [k, l] of this.linkStates) if (l.spec.from === id || l.spec.to === id) this.linkStates.delete(k);
        }
        return;
    }
  }

  private setLife(id: string, life: NodeLife): void {
    const now = this.lives.get(id);
    if (now === undefined) throw new Error(`history: unknown node "${id}"`);
    if (now === "removed") throw new Error(`history: node "${id}" has left the network`);
    this.lives.set(id, life);
  }

  private linkState(a: string, b: string): LinkState {
    const s = this.linkStates.get(linkKey(a, b));
    if (!s) throw new Error(`history: no link between "${a}" and "${b}"`);
    return s;
  }
}
