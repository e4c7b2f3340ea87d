import { describe, expect, it } from "vitest";
import { layoutNetwork } from "./layout.js";
import { NetworkWatch } from "./network-view.js";
import type { LinkReport, NodeReading } from "./node-reading.js";
import type { NetworkDescription } from "./watch-source.js";

const url = (i: number) => `http://127.0.0.1:${8080 + i}`;
const describeNodes = (n: number): NetworkDescription => ({ nodes: Array.from({ length: n }, (_, i) => ({ url: url(i + 1) })) });

function link(peer: string | null, address: string, state: "up" | "down", framesSent = 0, framesReceived = 0, direction: "out" | "in" = "out"): LinkReport {
  return { peer, address, direction, state, framesSent, framesReceived };
}

function reading(i: number, total: string, count: number, links: LinkReport[] | null): NodeReading {
  return { url: url(i), reachable: true, node: `n${i}`, total, count, links };
}

describe("NetworkWatch", () => {
  it("judges nodes by what the run's checker expects when told, not by a vote (all agreeing on a wrong total is red)", () => {
    const watch = new NetworkWatch();
    const expected = { total: "12", count: 3, uncertain: 0 };
    const description: NetworkDescription = {
      nodes: [1, 2, 3].map((i) => ({ url: url(i), id: `n${i}`, expected })),
    };
    const view = watch.observe(description, [reading(1, "7", 2, null), reading(2, "7", 2, null), reading(3, "12", 3, null)], 1000);
    expect(view.nodes.map((n) => n.status)).toEqual(["lag", "lag", "agree"]);
    expect(view.agreement.agree).toBe(false);
    const healed = watch.observe(description, [1, 2, 3].map((i) => reading(i, "12", 3, null)), 2000);
    expect(healed.agreement.agree).toBe(true);
  });

  it("derives the links of a line from each node's /state and says who lags", () => {
    const watch = new NetworkWatch();
    const view = watch.observe(
      describeNodes(3),
      [
        reading(1, "15", 5, [link("n2", "127.0.0.1:7002", "up")]),
        reading(2, "15", 5, [link("n1", "127.0.0.1:50000", "up", 0, 0, "in"), link("n3", "127.0.0.1:7003", "up")]),
        reading(3, "10", 3, [link("n2", "127.0.0.1:50001", "up", 0, 0, "in")]),
      ],
      1000,
    );
    expect(view.edges.map((e) => [e.a, e.b, e.state])).toEqual([
      [url(1), url(2), "up"],
      [url(2), url(3), "up"],
    ]);
    expect(view.nodes.map((n) => [n.id, n.status, n.missing, n.linksUp, n.linksTotal])).toEqual([
      ["n1", "agree", 0, 1, 1],
      ["n2", "agree", 0, 2, 2],
      ["n3", "lag", 2, 1, 1],
    ]);
    expect(view.agreement).toEqual({ agree: false, agreeing: 2, reachable: 3, nodes: 3, total: "15", count: 5, sides: 1, sidesAgree: false });
  });

  it("says all agree only when every node answers with the same total and count", () => {
    const watch = new NetworkWatch();
    const same = [reading(1, "-7", 2, []), reading(2, "-7", 2, [])];
    expect(watch.observe(describeNodes(2), same, 0).agreement.agree).toBe(true);
    const oneDown: NodeReading[] = [same[0]!, { url: url(2), reachable: false, error: "ECONNREFUSED" }];
    const view = watch.observe(describeNodes(2), oneDown, 500);
    expect(view.agreement.agree).toBe(false);
    expect(view.nodes[1]).toMatchObject({ status: "unreachable", total: "-7", count: 2, note: "ECONNREFUSED" });
    // Same count, different total: a bug in some peer, not a lag.
    const differ = watch.observe(describeNodes(2), [reading(1, "5", 2, []), reading(2, "6", 2, [])], 1000);
    expect(differ.nodes.map((n) => n.status).sort()).toEqual(["agree", "differs"]);
  });

  it("does not count nodes the source stopped on purpose against agreement", () => {
    const watch = new NetworkWatch();
    const description: NetworkDescription = { nodes: [{ url: url(1) }, { url: url(2), status: "killed" }] };
    const view = watch.observe(description, [reading(1, "3", 1, []), { url: url(2), reachable: false, error: "ECONNREFUSED" }], 0);
    expect(view.agreement.agree).toBe(true);
    expect(view.nodes[1]!.note).toBe("killed");
  });

  it("computes frames per second per link from counter deltas, counting each frame once", () => {
    const watch = new NetworkWatch();
    const at = (t: number, sent1: number, sent2: number) =>
      watch.observe(
        describeNodes(2),
        [
          reading(1, "0", 0, [link("n2", "127.0.0.1:7002", "up", sent1, sent2)]),
          reading(2, "0", 0, [link("n1", "127.0.0.1:40000", "up", sent2, sent1, "in")]),
        ],
        t,
      );
    expect(at(0, 10, 10).edges[0]!.fps).toBeNull();
    at(500, 20, 15); // +10 one way, +5 the other
    const view = at(1000, 30, 20);
    // 30 frames in 1 s.
    expect(view.edges[0]!.fps).toBe(30);
    // Only one end answers: its sent and received frames are both counted.
    const alone = watch.observe(
      describeNodes(2),
      [reading(1, "0", 0, [link("n2", "127.0.0.1:7002", "up", 40, 30)]), { url: url(2), reachable: false, error: "timeout" }],
      1500,
    );
    // Window from t=500 (15 frames so far) to t=1500: 15 more by t=1000, then 10 sent + 10 received.
    expect(alone.edges[0]!.fps).toBe(35);
  });

  it("keeps a link it has seen, drawn down, when the link breaks or its far end stops answering", () => {
    const watch = new NetworkWatch();
    watch.observe(describeNodes(2), [reading(1, "1", 1, [link("n2", "127.0.0.1:7002", "up")]), reading(2, "1", 1, [link("n1", "x:1", "up", 0, 0, "in")])], 0);
    // The dialer no longer knows the peer's id (peer: null) but remembers which address it dialed.
    const view = watch.observe(describeNodes(2), [reading(1, "1", 1, [link(null, "127.0.0.1:7002", "down")]), { url: url(2), reachable: false, error: "ECONNREFUSED" }], 500);
    expect(view.edges).toHaveLength(1);
    expect(view.edges[0]).toMatchObject({ a: url(1), b: url(2), state: "down" });
    expect(view.nodes[0]).toMatchObject({ linksUp: 0, linksTotal: 1 });
  });

  it("maps a never-connected compose link by host name, and shows links the source cut", () => {
    const watch = new NetworkWatch();
    const description: NetworkDescription = {
      nodes: [{ url: "http://p1:8080" }, { url: "http://p2:8080" }, { url: "http://p3:8080" }],
      links: [{ a: "p2", b: "p3", cut: true }],
    };
    const readings: NodeReading[] = [
      { url: "http://p1:8080", reachable: true, node: "p1", total: "0", count: 0, links: [link(null, "p2:7000", "down")] },
      { url: "http://p2:8080", reachable: true, node: "p2", total: "0", count: 0, links: [] },
      { url: "http://p3:8080", reachable: true, node: "p3", total: "0", count: 0, links: null },
    ];
    const view = watch.observe(description, readings, 0);
    expect(view.edges.map((e) => [e.a, e.b, e.state, e.cut])).toEqual([
      ["http://p1:8080", "http://p2:8080", "down", false],
      ["http://p2:8080", "http://p3:8080", "down", true],
    ]);
    expect(view.nodes[2]).toMatchObject({ linksUp: null, linksTotal: null });
  });

  it("judges each node against its own side of a partition the source made", () => {
    const watch = new NetworkWatch();
    const description: NetworkDescription = {
      nodes: [1, 2, 3, 4].map((i) => ({ url: url(i), id: `n${i}` })),
      links: [
        { a: "n1", b: "n2" },
        { a: "n2", b: "n3", cut: true },
        { a: "n3", b: "n4" },
      ],
    };
    const readings = (totals: [string, number][]) => totals.map(([total, count], i) => reading(i + 1, total, count, []));
    const view = watch.observe(description, readings([["6", 3], ["6", 3], ["106", 4], ["106", 4]]), 0);
    expect(view.agreement).toMatchObject({ agree: false, sides: 2, sidesAgree: true, total: "106" });
    expect(view.nodes.map((n) => n.status)).toEqual(["agree", "agree", "agree", "agree"]);
    // A node behind the others of its side still lags.
    const behind = watch.observe(description, readings([["6", 3], ["1", 1], ["106", 4], ["106", 4]]), 500);
    expect(behind.agreement).toMatchObject({ sides: 2, sidesAgree: false });
    expect(behind.nodes.map((n) => `${n.status}${n.missing ? n.missing : ""}`)).toEqual(["agree", "lag2", "agree", "agree"]);
    // Links that are merely down (not cut by the source) do not make sides.
    const plain = new NetworkWatch().observe({ nodes: description.nodes }, readings([["6", 3], ["6", 3], ["106", 4], ["106", 4]]), 0);
    expect(plain.agreement.sides).toBe(1);
    expect(plain.nodes.map((n) => n.status)).toEqual(["lag", "lag", "agree", "agree"]);
  });

  it("keeps positions when nothing changes, and gives every node its own place", () => {
    const watch = new NetworkWatch();
    const readings = [1, 2, 3, 4, 5].map((i) => reading(i, "0", 0, i < 5 ? [link(`n${i + 1}`, `127.0.0.1:${7000 + i + 1}`, "up")] : []));
    const first = watch.observe(describeNodes(5), readings, 0).nodes.map((n) => [n.x, n.y]);
    const second = watch.observe(describeNodes(5), readings, 500).nodes.map((n) => [n.x, n.y]);
    expect(second).toEqual(first);
    expect(new Set(first.map((p) => p.join(","))).size).toBe(5);
  });
});

describe("layoutNetwork", () => {
  const ring = (n: number) => {
    const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
    return { nodes, edges: nodes.map((a, i) => [a, nodes[(i + 1) % n]!] as const) };
  };

  it("is deterministic and stays in the unit square", () => {
    const { nodes, edges } = ring(100);
    const one = layoutNetwork(nodes, edges);
    const two = layoutNetwork(nodes, edges);
    expect([...one.entries()]).toEqual([...two.entries()]);
    for (const p of one.values()) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(1);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(1);
    }
  });

  it("keeps 100 nodes apart enough to be told apart", () => {
    const nodes = Array.from({ length: 100 }, (_, i) => `n${i}`);
    // A random-ish graph with a fixed pattern: each node linked to i+1 and i*7 mod 100.
    const edges = nodes.flatMap((a, i) => [[a, nodes[(i + 1) % 100]!] as const, [a, nodes[(i * 7) % 100]!] as const]);
    const positions = [...layoutNetwork(nodes, edges).values()];
    let closest = Infinity;
    for (let i = 0; i < positions.length; i++)
      for (let j = i + 1; j < positions.length; j++)
        closest = Math.min(closest, Math.hypot(positions[i]!.x - positions[j]!.x, positions[i]!.y - positions[j]!.y));
    // Node circles are drawn 9/1000 wide at this size: centres must be further apart than a diameter.
    expect(closest).toBeGreaterThan(0.018);
  });
});
