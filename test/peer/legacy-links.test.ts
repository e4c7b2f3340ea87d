/**
 * Legacy p2pnetwork links (PROTOCOL.md, "Legacy p2pnetwork links"): classroom-style nodes that do not speak sumnet/1
 * (test/peer/fixtures/classroom_node.py) join a line of reference peers, one dialing a peer and one dialed by a peer.
 * Their numbers count everywhere exactly once, and each one's own sum equals the network's total, through a partition
 * and its heal, junk frames and a restart.
 * Needs python3: skipped with a printed reason without it, failing instead when REQUIRE_PYTHON=1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LinkRelay } from "../../harness/faults/link-relay.js";
import { PeerProcesses, waitUntil } from "../support/peer-processes.js";
import { ClassroomNode } from "../support/classroom-node.js";
import { pythonGate } from "../support/python.js";

const python = pythonGate("legacy p2pnetwork links");

let peers: PeerProcesses;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await peers?.dispose();
});

async function classroom(dial: string[] = []): Promise<ClassroomNode> {
  const node = await ClassroomNode.start(dial);
  cleanup.push(() => node.dispose());
  return node;
}

interface StateLink {
  peer: string | null;
  direction: string;
  kind: string;
  state: string;
}
interface State {
  links: StateLink[];
  legacy: { peer: string; origin: string; numbersReceived: number; framesIgnored: number; numbersSent: number }[];
  digest: Record<string, [number, number][]>;
}
async function state(id: string): Promise<State> {
  return (await (await fetch(`${peers.get(id).url}/state`)).json()) as State;
}

/** Integers the classroom node received, and everything it received that was not one. */
function received(node: ClassroomNode): { integers: number; others: number; othersAfterFirstInteger: number } {
  let integers = 0;
  let others = 0;
  let othersAfterFirstInteger = 0;
  for (const e of node.events) {
    if (e.event === "received") integers++;
    if (e.event === "ignored") {
      others++;
      if (integers > 0) othersAfterFirstInteger++;
    }
  }
  return { integers, others, othersAfterFirstInteger };
}

describe.skipIf(!python)("legacy p2pnetwork links", () => {
  it("classroom nodes in a line of four peers count exactly once, through a partition and a heal", async () => {
    peers = new PeerProcesses();
    // p1 - p2 =relay= p3 - p4, with classroom node C dialing p1 and classroom node D dialed by p4.
    await peers.define([
      { id: "p1", numbers: "5" },
      { id: "p2", dials: ["p1"] },
    ]);
    const relay = await LinkRelay.start({ target: { host: "127.0.0.1", port: peers.get("p2").p2pPort } });
    cleanup.push(() => relay[Symbol.asyncDispose]());
    const d = await classroom();
    await peers.define([
      { id: "p3", dials: [relay.address] },
      { id: "p4", dials: ["p3", `127.0.0.1:${d.port}`], numbers: "7" },
    ]);
    await Promise.all(["p1", "p2", "p3", "p4"].map((id) => peers.start(id)));
    const c = await classroom([`127.0.0.1:${peers.get("p1").p2pPort}`]);
    await c.until("C connected", () => c.events.some((e) => e.event === "connected"));

    // C types a number: it reaches every peer once. D never typed: p4's link to it turned legacy by silence.
    c.type("42");
    await peers.converge({ total: 54n, count: 3 });
    await c.sumReaches(54n);
    await d.sumReaches(54n);
    d.type("100");
    await peers.converge({ total: 154n, count: 4 });
    await c.sumReaches(154n);
    await d.sumReaches(154n);

    // Junk keeps the link open and is counted.
    for (const junk of ["true", "hello there", '{"type": "greet", "n": 1}']) c.type(junk);
    await waitUntil("junk counted at p1", 10_000, async () => (await peers.metric("p1", "sumnet_legacy_frames_ignored_total")) === 3);
    expect(peers.get("p1").output).toMatch(/legacy frame ignored peer=\w+ why="the boolean true" frame=true/);

    // Partition between p2 and p3: each side keeps counting, and each classroom node sees its side's total.
    relay.cut();
    await waitUntil("p3 cut off from p2", 10_000, async () => (await peers.metric("p3", "sumnet_links_up")) === 1);
    await peers.post("p1", { value: 1000 });
    c.type("3");
    await peers.post("p4", { value: -20 });
    d.type("9");
    await peers.converge({ total: 1157n, count: 6 }, ["p1", "p2"]);
    await peers.converge({ total: 143n, count: 6 }, ["p3", "p4"]);
    await c.sumReaches(1157n);
    await d.sumReaches(143n);

    // Heal: every number once everywhere, and both classroom nodes report the network's total.
    relay.restore();
    await peers.converge({ total: 1146n, count: 8 });
    await c.sumReaches(1146n);
    await d.sumReaches(1146n);

    // Each classroom node got every number but its own exactly once, and no sumnet message after its link turned legacy.
    expect(received(c)).toEqual({ integers: 6, others: 0, othersAfterFirstInteger: 0 });
    expect(received(d)).toMatchObject({ integers: 6, othersAfterFirstInteger: 0 });

    // /state and /metrics show the legacy links.
    const s1 = await state("p1");
    expect(s1.links).toContainEqual(expect.objectContaining({ peer: c.id, direction: "in", kind: "legacy", state: "up" }));
    expect(s1.legacy).toEqual([
      expect.objectContaining({ peer: c.id, numbersReceived: 2, framesIgnored: 3, numbersSent: 6 }),
    ]);
    const s4 = await state("p4");
    expect(s4.links).toContainEqual(expect.objectContaining({ peer: d.id, direction: "out", kind: "legacy", state: "up" }));
    expect(s4.links.filter((l) => l.kind === "sumnet")).toHaveLength(1);
    // The legacy numbers travel under their connections' origins, known to every peer.
    const s2 = await state("p2");
    expect(s2.digest[s1.legacy[0]!.origin]).toEqual([[1, 2]]);
    expect(s2.digest[s4.legacy[0]!.origin]).toEqual([[1, 2]]);
    expect(await peers.metric("p1", "sumnet_legacy_links_up")).toBe(1);
    expect(await peers.metric("p1", "sumnet_legacy_numbers_total")).toBe(2);
    expect(await peers.metric("p4", "sumnet_legacy_links_up")).toBe(1);
  }, 120_000);

  it("integers up to 1000 digits count; other frames are ignored, counted, and leave the link open", async () => {
    peers = new PeerProcesses();
    await peers.startAll([{ id: "p1" }]);
    const c = await classroom([`127.0.0.1:${peers.get("p1").p2pPort}`]);
    await c.until("C connected", () => c.events.some((e) => e.event === "connected"));
    const big = "-" + "9".repeat(1000);
    for (const text of ["true", "1.5", "1e3", "9".repeat(1001), "", big, " 12", "+3"]) c.type(text);
    await peers.converge({ total: BigInt(big) + 15n, count: 3 });
    await waitUntil("5 frames ignored", 10_000, async () => (await peers.metric("p1", "sumnet_legacy_frames_ignored_total")) === 5);
    const metrics = await (await fetch(`${peers.get("p1").url}/metrics`)).text();
    expect(metrics).toMatch(/^sumnet_frames_rejected_total\{reason="schema"\} 0$/m);
    expect(metrics).not.toMatch(/^sumnet_frames_rejected_total\{.*\} [1-9]/m);
    expect((await state("p1")).links).toContainEqual(expect.objectContaining({ kind: "legacy", state: "up" }));
  });

  it("a restart with DATA_DIR keeps the legacy numbers, once", async () => {
    peers = new PeerProcesses();
    await peers.startAll([
      { id: "p1", dataDir: true },
      { id: "p2", dials: ["p1"], numbers: "1" },
    ]);
    const c = await classroom([`127.0.0.1:${peers.get("p1").p2pPort}`]);
    await c.until("C connected", () => c.events.some((e) => e.event === "connected"));
    c.type("11");
    c.type("22");
    await peers.converge({ total: 34n, count: 3 });
    await c.sumReaches(34n);

    expect(await peers.signal("p1", "SIGKILL")).toMatchObject({ signal: "SIGKILL" });
    await peers.start("p1");
    await peers.converge({ total: 34n, count: 3 });
    const origins = Object.keys((await state("p1")).digest).filter((o) => o.startsWith("p1@legacy."));
    expect(origins).toHaveLength(1);
    expect((await state("p2")).digest[origins[0]!]).toEqual([[1, 2]]);
    // The restarted peer takes new links as before: a new connection is a new origin.
    // It is the acceptor, so it waits for the classroom node's first frame before sending anything.
    const c2 = await classroom([`127.0.0.1:${peers.get("p1").p2pPort}`]);
    await c2.until("C2 connected", () => c2.events.some((e) => e.event === "connected"));
    c2.type("100");
    await peers.converge({ total: 134n, count: 4 });
    await c2.sumReaches(134n);
  });
});
