/**
 * The picture of a network at one moment, computed from what each node reported: who agrees with whom, which links
 * are up, how many frames per second cross each link. Sans-I/O: `NetworkWatch.observe` takes readings and a time and
 * returns a view; the poller, the web page and the terminal table only move views around.
 */
import { components } from "../network/graph.js";
import { linkKey } from "../network/spec.js";
import { layoutNetwork, type Point } from "./layout.js";
import type { LinkReport, NodeReading } from "./node-reading.js";
import type { NetworkDescription, WatchedNode } from "./watch-source.js";

/** How a node stands: as the checker expects (or as its side agrees), behind, different, or silent. */
export type ViewStatus = "agree" | "lag" | "differs" | "unreachable";

export interface ViewNode {
  /**
   * Stable identity in the view: the id the source gave (the harness knows ids; stable across restarts on new ports),
   * else the node's URL (ids learnt from answers may collide).
   */
  key: string;
  id: string | null;
  url: string;
  reachable: boolean;
  /** Last reported total and count (kept, and marked stale by `reachable: false`, when the node stops answering). */
  total: string | null;
  count: number | null;
  /** Distinct peers with a link up / all distinct peers linked; null when the node has no usable GET /state. */
  linksUp: number | null;
  linksTotal: number | null;
  status: ViewStatus;
  /** For `lag`: how many numbers fewer than the best-informed node. */
  missing: number;
  note: string | null;
  /** What the source did to the node (the harness knows; a list of URLs does not): the page offers what fits. */
  life: WatchedNode["status"] | null;
  x: number;
  y: number;
}

export interface ViewEdge {
  key: string;
  a: string;
  b: string;
  state: "up" | "down";
  /** The source (the harness) cut this link on purpose. */
  cut: boolean;
  /** Frames per second both ways, averaged over the last 2 s; null until known. */
  fps: number | null;
}

export interface Agreement {
  /** Every node that should run answers, and all that answer report the same total and count. */
  agree: boolean;
  agreeing: number;
  reachable: number;
  nodes: number;
  /** The total and count of the best-informed node (most numbers), which the others are compared to. */
  total: string | null;
  count: number | null;
  /**
   * Sides of a partition the source (the harness) made by cutting links; 1 when it cut none. With more than one,
   * each node's status compares it with the best-informed node of its own side, since numbers cannot cross.
   */
  sides: number;
  /** Within every side, every node that should run answers and agrees. */
  sidesAgree: boolean;
}

export interface NetworkView {
  at: string;
  title: string;
  step: NetworkDescription["step"] | null;
  /** The page's buttons: what it may do (null: it only watches). */
  controls: NetworkDescription["controls"] | null;
  sourceError: string | null;
  agreement: Agreement;
  nodes: ViewNode[];
  edges: ViewEdge[];
}

const FPS_WINDOW_MS = 2000;

interface NodeMemory {
  id: string | null;
  total: string | null;
  count: number | null;
  /** Peer id behind each link address, learnt when the link reported its peer. */
  peerByAddress: Map<string, string>;
  /** Link counters at the previous poll; undefined when the previous poll got no links. */
  counters: Map<string, { sent: number | undefined; received: number | undefined }> | undefined;
}

interface EdgeMemory {
  frames: number;
  samples: { t: number; frames: number }[];
}

/** Groups of nodes still connected when the links the source cut are left out (in the nodes' order). */
function partitionSides(keys: readonly string[], edges: readonly ViewEdge[]): string[][] {
  return components(
    keys,
    edges.filter((e) => !e.cut).map((e) => ({ from: e.a, to: e.b })),
  );
}

function nodeKey(node: WatchedNode): string {
  return node.id ?? node.url;
}

export const edgeKey = linkKey;

function linkEntryKey(link: LinkReport): string {
  return `${link.direction}|${link.address}|${link.peer ?? ""}`;
}

function hostOf(address: string): string {
  const match = /^\[?([^\]]*?)\]?:\d+$/.exec(address);
  return (match ? match[1]! : address).toLowerCase();
}

export class NetworkWatch {
  private readonly nodes = new Map<string, NodeMemory>();
  private readonly edges = new Map<string, EdgeMemory>();
  private layoutSignature = "";
  private positions = new Map<string, Point>();

  observe(description: NetworkDescription, readings: readonly NodeReading[], now: number, sourceError: string | null = null): NetworkView {
    // A node's key is its id when the source knows it (the harness: stable across restarts), else its URL.
    const keys = description.nodes.map(nodeKey);
    const byUrl = new Map(readings.map((r) => [r.url, r]));
    const readingByKey = new Map(description.nodes.map((n) => [nodeKey(n), byUrl.get(n.url)] as const));
    for (const key of [...this.nodes.keys()]) if (!keys.includes(key)) this.nodes.delete(key);

    // Who is who: ids from the source, then from the answers.
    for (const watched of description.nodes) {
      const memory = this.memory(nodeKey(watched));
      if (watched.id) memory.id = watched.id;
      const reading = readingByKey.get(nodeKey(watched));
      if (reading?.reachable) {
        memory.id = reading.node;
        memory.total = reading.total;
        memory.count = reading.count;
      }
    }
    const keyById = new Map<string, string>();
    for (const key of keys) {
      const id = this.nodes.get(key)!.id;
      if (id !== null && !keyById.has(id)) keyById.set(id, key);
    }
    const keyByHost = new Map<string, string | null>();
    for (const watched of description.nodes) {
      const host = new URL(watched.url).hostname.toLowerCase();
      keyByHost.set(host, keyByHost.has(host) ? null : nodeKey(watched));
    }

    const resolvePeer = (from: string, link: LinkReport): string | null => {
      const memory = this.nodes.get(from)!;
      if (link.peer !== null) memory.peerByAddress.set(link.address, link.peer);
      const peerId = link.peer ?? memory.peerByAddress.get(link.address) ?? null;
      if (peerId !== null) return keyById.get(peerId) ?? null;
      // Never connected yet: in compose an address like "p2:7000" names the same host as http://p2:8080.
      if (link.direction === "out") return keyByHost.get(hostOf(link.address)) ?? null;
      return null;
    };

    // Links each node reports, grouped by the watched node at the other end.
    const linksOf = new Map<string, Map<string, LinkReport[]>>();
    const linkCounts = new Map<string, { up: number; total: number }>();
    for (const key of keys) {
      const reading = readingByKey.get(key);
      if (!reading?.reachable || reading.links === null) continue;
      const byPeer = new Map<string, LinkReport[]>();
      const distinct = new Map<string, boolean>();
      for (const link of reading.links) {
        const peer = resolvePeer(key, link);
        const distinctKey = peer ?? `address:${link.peer ?? link.address}`;
        distinct.set(distinctKey, (distinct.get(distinctKey) ?? false) || link.state === "up");
        if (peer === null || peer === key) continue;
        const list = byPeer.get(peer) ?? [];
        list.push(link);
        byPeer.set(peer, list);
        this.edges.set(edgeKey(key, peer), this.edges.get(edgeKey(key, peer)) ?? { frames: 0, samples: [] });
      }
      linksOf.set(key, byPeer);
      linkCounts.set(key, { up: [...distinct.values()].filter(Boolean).length, total: distinct.size });
    }

    const cutBySource = new Set<string>();
    for (const link of description.links ?? []) {
      const a = keyById.get(link.a);
      const b = keyById.get(link.b);
      if (a === undefined || b === undefined || a === b) continue;
      const key = edgeKey(a, b);
      if (!this.edges.has(key)) this.edges.set(key, { frames: 0, samples: [] });
      if (link.cut) cutBySource.add(key);
    }

    const edges: ViewEdge[] = [];
    for (const [key, memory] of this.edges) {
      // Name the ends in the source's order (n1-n2, not by URL), which is also the order edges are listed in.
      const [a, b] = (key.split("|") as [string, string]).sort((x, y) => keys.indexOf(x) - keys.indexOf(y)) as [string, string];
      if (!keys.includes(a) || !keys.includes(b)) {
        this.edges.delete(key);
        continue;
      }
      const fromA = linksOf.get(a)?.get(b) ?? [];
      const fromB = linksOf.get(b)?.get(a) ?? [];
      const up = [...fromA, ...fromB].some((l) => l.state === "up");
      const framesA = this.framesSince(a, fromA, linksOf.has(b));
      const framesB = this.framesSince(b, fromB, linksOf.has(a));
      if (framesA !== null || framesB !== null) {
        const delta = (framesA ?? 0) + (framesB ?? 0);
        memory.frames += delta;
        memory.samples.push({ t: now, frames: memory.frames });
      }
      while (memory.samples.length > 2 && memory.samples[1]!.t <= now - FPS_WINDOW_MS) memory.samples.shift();
      const first = memory.samples[0];
      const last = memory.samples[memory.samples.length - 1];
      const fps = first && last && last.t > first.t ? ((last.frames - first.frames) * 1000) / (last.t - first.t) : null;
      edges.push({ key, a, b, state: up ? "up" : "down", cut: cutBySource.has(key), fps: fps === null ? null : Math.round(fps * 10) / 10 });
    }

    edges.sort((x, y) => keys.indexOf(x.a) - keys.indexOf(y.a) || keys.indexOf(x.b) - keys.indexOf(y.b));

    // Remember this poll's counters for the next one.
    for (const key of keys) {
      const memory = this.nodes.get(key)!;
      const reading = readingByKey.get(key);
      if (!reading?.reachable || reading.links === null) {
        memory.counters = undefined;
        continue;
      }
      memory.counters = new Map(reading.links.map((l) => [linkEntryKey(l), { sent: l.framesSent, received: l.framesReceived }]));
    }

    // Nodes the source stopped or killed on purpose are not expected to answer.
    const expected = description.nodes.filter((n) => n.status === undefined || n.status === "running").map(nodeKey);
    const agreement = this.agreement(keys, expected, readingByKey);
    // Partitioned on purpose: judge each node against its own side.
    const sides = cutBySource.size > 0 ? partitionSides(keys, edges) : [keys];
    const referenceOf = new Map<string, Agreement>();
    const sideAgreements = sides.map((side) => (sides.length === 1 ? agreement : this.agreement(side, expected.filter((k) => side.includes(k)), readingByKey)));
    sides.forEach((side, i) => side.forEach((key) => referenceOf.set(key, sideAgreements[i]!)));
    agreement.sides = sides.length;
    agreement.sidesAgree = sideAgreements.every((a) => a.agree);
    this.relayout(keys, edges);

    const nodes: ViewNode[] = description.nodes.map((watched) => {
      const key = nodeKey(watched);
      const memory = this.nodes.get(key)!;
      const reading = readingByKey.get(key);
      const reachable = reading?.reachable === true;
      const counts = linkCounts.get(key);
      let status: ViewStatus = "unreachable";
      let missing = 0;
      // What the harness's checker expects of this node, when it says (sumnet run --watch); else its side's majority.
      const checked = watched.expected && watched.expected.uncertain === 0 ? watched.expected : undefined;
      const reference = checked ?? referenceOf.get(key)!;
      if (reachable) {
        if (reading.total === reference.total && reading.count === reference.count) status = "agree";
        else if (reference.count !== null && reading.count < reference.count) {
          status = "lag";
          missing = reference.count - reading.count;
        } else status = "differs";
      }
      let note: string | null = null;
      if (reading && !reading.reachable) note = watched.status && watched.status !== "running" ? `${watched.status}` : reading.error;
      else if (reading?.reachable && reading.stateError) note = `no /state: ${reading.stateError}`;
      const position = this.positions.get(key) ?? { x: 0.5, y: 0.5 };
      return {
        key,
        id: memory.id,
        url: watched.url,
        reachable,
        total: memory.total,
        count: memory.count,
        linksUp: counts?.up ?? null,
        linksTotal: counts?.total ?? null,
        status,
        missing,
        note,
        life: watched.status ?? null,
        x: position.x,
        y: position.y,
      };
    });

    // The run's checker knows what each node must report: judge the whole network by it, not by a vote.
    if (description.nodes.some((n) => n.expected !== undefined)) {
      const judged = nodes.filter((n) => expected.includes(n.key));
      agreement.agree = agreement.sidesAgree = judged.every((n) => n.status === "agree");
    }

    return {
      at: new Date(now).toISOString(),
      title: description.title ?? "sumnet network",
      step: description.step ?? null,
      controls: description.controls ?? null,
      sourceError,
      agreement,
      nodes,
      edges,
    };
  }

  private memory(url: string): NodeMemory {
    let memory = this.nodes.get(url);
    if (!memory) {
      memory = { id: null, total: null, count: null, peerByAddress: new Map(), counters: undefined };
      this.nodes.set(url, memory);
    }
    return memory;
  }

  /**
   * Frames that crossed the given link entries of one node since the previous poll: those it sent, plus those it
   * received when the other end cannot be asked (so that each frame is counted once). Null when unknown.
   */
  private framesSince(url: string, links: readonly LinkReport[], otherEndReports: boolean): number | null {
    const previous = this.nodes.get(url)?.counters;
    if (links.length === 0 || previous === undefined) return null;
    let frames = 0;
    let known = false;
    for (const link of links) {
      const before = previous.get(linkEntryKey(link));
      const fields: ("sent" | "received")[] = otherEndReports ? ["sent"] : ["sent", "received"];
      for (const field of fields) {
        const now = field === "sent" ? link.framesSent : link.framesReceived;
        if (now === undefined) continue;
        known = true;
        const then = before?.[field];
        // A link that appeared since the last poll, or whose counters restarted, counts from zero.
        frames += then === undefined || now < then ? now : now - then;
      }
    }
    return known ? frames : null;
  }

  private agreement(keys: readonly string[], expected: readonly string[], readingByKey: ReadonlyMap<string, NodeReading | undefined>): Agreement {
    const reachable = keys.map((k) => readingByKey.get(k)).filter((r): r is Extract<NodeReading, { reachable: true }> => r?.reachable === true);
    if (reachable.length === 0) return { agree: false, agreeing: 0, reachable: 0, nodes: keys.length, total: null, count: null, sides: 1, sidesAgree: false };
    // Reference: the most numbers; among those the most common total; then the smallest string, to be deterministic.
    const votes = new Map<string, { total: string; count: number; n: number }>();
    for (const r of reachable) {
      const key = `${r.count} ${r.total}`;
      const vote = votes.get(key) ?? { total: r.total, count: r.count, n: 0 };
      vote.n++;
      votes.set(key, vote);
    }
    const best = [...votes.values()].sort((x, y) => y.count - x.count || y.n - x.n || (x.total < y.total ? -1 : 1))[0]!;
    return {
      agree: best.n === reachable.length && expected.every((k) => readingByKey.get(k)?.reachable === true),
      agreeing: best.n,
      reachable: reachable.length,
      nodes: keys.length,
      total: best.total,
      count: best.count,
      sides: 1,
      sidesAgree: best.n === reachable.length && expected.every((k) => readingByKey.get(k)?.reachable === true),
    };
  }

  private relayout(keys: readonly string[], edges: readonly ViewEdge[]): void {
    const signature = `${keys.join(",")}|${edges.map((e) => e.key).sort().join(",")}`;
    if (signature === this.layoutSignature) return;
    this.layoutSignature = signature;
    this.positions = layoutNetwork(keys, edges.map((e) => [e.a, e.b] as const), this.positions);
  }
}
