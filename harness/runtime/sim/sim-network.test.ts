import { performance } from "node:perf_hooks";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ControlError } from "../../../contract/peer-client.js";
import { PostNumbersResponse, StateResponse } from "../../../contract/http-api.js";
import { encodeFrame } from "../../../node/wire/frames.js";
import type { WireMessage } from "../../../node/wire/messages.js";
import { line, random, ring, type Topology } from "../../topology/generators.js";
import type { NetworkSpec, NodeSpec } from "../../network/spec.js";
import type { NetworkEvent, StartedNetwork } from "../runtime.js";
import { frameBytes } from "./sim-network.js";
import { SimRuntime } from "./sim-runtime.js";

function spec(t: Topology, nodes: Partial<Record<string, Partial<NodeSpec>>> = {}): NetworkSpec {
  return {
    name: "sim-test",
    nodes: t.nodes.map((id) => ({ id, env: {}, dataDir: false, numbers: [], ...nodes[id] })),
    links: t.links,
  };
}

/** Polls on the network's virtual clock every 50 ms until `check` holds; fails after `timeoutMs` of virtual time. */
async function until(net: StartedNetwork, what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const start = net.clock.now();
  for (;;) {
    if (await check()) return net.clock.now() - start;
    if (net.clock.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms of virtual time`);
    await net.clock.sleep(50);
  }
}

/** Every node of `ids` holds exactly `total` over `count` numbers. */
function agree(net: StartedNetwork, ids: readonly string[], total: bigint, count: number): () => Promise<boolean> {
  return async () => {
    for (const id of ids) {
      const t = await net.client(id).total(1000);
      if (t.total !== total || t.count !== count) return false;
    }
    return true;
  };
}

const totals = async (net: StartedNetwork, ids: readonly string[]): Promise<string[]> =>
  Promise.all(ids.map(async (id) => {
    const t = await net.client(id).total(1000);
    return `${id}:${t.total}/${t.count}`;
  }));

describe("SimRuntime", () => {
  it("runs a ring of 5 to the exact total at every node, with answers shaped as the real peer's", async () => {
    const t = ring(5);
    await using net = await new SimRuntime().start(spec(t, { n1: { numbers: ["1", "2", "3"] } }), { seed: 7 });
    expect(net.runtime).toBe("sim");
    expect(net.snapshot().nodes.map((n) => `${n.id}:${n.status}:${n.controlUrl}:${n.starts}`)).toEqual(
      t.nodes.map((id) => `${id}:running:sim://${id}:1`),
    );
    const answer = await net.client("n3").addNumbers(["40", 50n, "-7"], 1000);
    const parsed = PostNumbersResponse.parse(answer);
    expect(parsed.node).toBe("n3");
    expect(parsed.numbers.map((n) => n.seq)).toEqual([1, 2, 3]);
    expect(answer).toMatchObject({ numbers: [{ id: `${parsed.numbers[0]!.origin}:1`, value: "40" }, {}, { value: "-7" }] });

    const took = await until(net, "every node at 89 over 6 numbers", agree(net, t.nodes, 89n, 6));
    expect(took).toBeLessThan(1000);
    const state = StateResponse.parse(await net.client("n5").state(1000));
    expect(state).toMatchObject({ node: "n5", total: "89", count: 6 });
    expect(state.links.map((l) => `${l.peer}:${l.direction}:${l.state}`).sort()).toEqual(["n1:in:up", "n4:out:up"]);
    expect(Object.keys(state.digest ?? {}).sort()).toEqual(["n1@init", parsed.numbers[0]!.origin]);
    expect(await net.client("n2").health(1000)).toEqual({ status: "ok", node: "n2" });
    expect(() => net.controlUrl("n1")).toThrow(/no HTTP control API: use client\("n1"\)/);
    await expect(net.stopNode("n9")).rejects.toThrow(/unknown node "n9"/);
    expect(() => net.client("n9")).toThrow(/unknown node "n9"/);
  });

  it("keeps acknowledged numbers over a kill with a DATA_DIR; without one, a restart writes under a new origin", async () => {
    const t = ring(4);
    await using net = await new SimRuntime().start(spec(t, { n2: { dataDir: true, numbers: ["100"] } }), { seed: 3 });
    await until(net, "100 everywhere", agree(net, t.nodes, 100n, 1));
    const before = StateResponse.parse(await net.client("n2").state(1000));
    // Killed before anything left it: the two numbers live only on n2's disk.
    await net.client("n2").addNumbers(["10", "20"], 1000);
    await net.killNode("n2");
    await expect(net.client("n2").total(1000)).rejects.toMatchObject({
      message: "did not answer GET /total (ECONNREFUSED)",
      sent: false,
      timedOut: false,
    });
    await net.clock.sleep(2000);
    expect(await totals(net, ["n1", "n3", "n4"])).toEqual(["n1:100/1", "n3:100/1", "n4:100/1"]);
    await net.startNode("n2");
    const after = StateResponse.parse(await net.client("n2").state(1000));
    expect(after.origin).toBe(before.origin);
    expect(after).toMatchObject({ total: "130", count: 3 });
    await until(net, "130 everywhere", agree(net, t.nodes, 130n, 3));
    // The next number continues the origin's sequence.
    const next = PostNumbersResponse.parse(await net.client("n2").addNumbers(["1"], 1000));
    expect(next.numbers[0]).toMatchObject({ origin: before.origin, seq: 3 });

    // n3 has no DATA_DIR: its old numbers live on at the others, its new ones take a new origin.
    const old = PostNumbersResponse.parse(await net.client("n3").addNumbers(["5"], 1000));
    await until(net, "136 everywhere", agree(net, t.nodes, 136n, 5));
    await net.restartNode("n3", { hard: true });
    // A fresh process knows nothing until its links bring it back.
    expect(await net.client("n3").total(1000)).toMatchObject({ total: 0n, count: 0 });
    const fresh = PostNumbersResponse.parse(await net.client("n3").addNumbers(["7"], 1000));
    expect(fresh.numbers[0]!.seq).toBe(1);
    expect(fresh.numbers[0]!.origin).not.toBe(old.numbers[0]!.origin);
    await until(net, "143 everywhere", agree(net, t.nodes, 143n, 6));
    expect(net.snapshot().nodes.find((n) => n.id === "n3")).toMatchObject({ starts: 2, lastExit: { signal: "SIGKILL", expected: true } });
    const log = await net.readLog("n3");
    expect(log).toMatch(/start #1 .*\n[\s\S]*killed signal=SIGKILL[\s\S]*start #2 /);
  });

  it("counts, after a second restart, a number written to a disk that already held a batch learned whole", async () => {
    // explore --runtime sim, seed 77 (shrunk): n2's disk held 10 numbers learned as one batch when it restarted; it
    // wrote one more and restarted again, and then counted only the 10 (the replica had kept what it worked out about
    // the disk's array when it first recovered from it, and the array had grown since).
    const t = line(2);
    await using net = await new SimRuntime().start(spec(t, { n2: { dataDir: true } }), { seed: 77 });
    await net.client("n1").addNumbers(Array.from({ length: 10 }, (_, i) => String(i + 1)), 1000);
    await until(net, "55 everywhere", agree(net, t.nodes, 55n, 10));
    await net.restartNode("n2");
    await net.client("n2").addNumbers(["100"], 1000);
    await net.restartNode("n2");
    expect(await totals(net, ["n2"])).toEqual(["n2:155/11"]);
    await until(net, "155 everywhere", agree(net, t.nodes, 155n, 11));
  });

  it("a graceful stop flushes what waits in a batch before the links close", async () => {
    const t = line(2);
    await using net = await new SimRuntime().start(spec(t, { n1: { env: { BATCH_MS: "20" } } }), { seed: 1 });
    await net.clock.sleep(100);
    // Two posts in one instant: the second waits in n1's batch, and a stop sends it.
    await net.client("n1").addNumbers(["1"], 1000);
    await net.client("n1").addNumbers(["2"], 1000);
    await net.stopNode("n1");
    await net.clock.sleep(50);
    expect(await net.client("n2").total(1000)).toMatchObject({ total: 3n, count: 2 });
    expect(StateResponse.parse(await net.client("n2").state(1000)).links).toMatchObject([{ peer: "n1", direction: "out", state: "down" }]);
  });

  it("a cut partitions the network and a restore heals it", async () => {
    const t = line(4);
    await using net = await new SimRuntime().start(spec(t), { seed: 5 });
    const events: NetworkEvent[] = [];
    net.subscribe((e) => events.push(e));
    await net.cutLink("n2", "n3");
    expect(net.snapshot().links.find((l) => l.from === "n3")).toMatchObject({ cut: true, blockedFrom: undefined });
    await net.client("n1").addNumbers(["11"], 1000);
    await net.client("n4").addNumbers(["22"], 1000);
    await net.clock.sleep(3000);
    expect(await totals(net, t.nodes)).toEqual(["n1:11/1", "n2:11/1", "n3:22/1", "n4:22/1"]);
    await net.restoreLink("n3", "n2");
    const healed = await until(net, "33 everywhere", agree(net, t.nodes, 33n, 2), 10_000);
    // The dialer retries with a backoff of at most 5 s.
    expect(healed).toBeLessThanOrEqual(5100);
    expect(events.map((e) => (e.type === "link" ? `${e.link.from}-${e.link.to}:${e.link.cut}` : e.type))).toEqual([
      "n3-n2:true",
      "n3-n2:false",
    ]);
    // A reset breaks the connection; the dialer is back within its first backoff.
    await net.resetLink("n2", "n3");
    await net.clock.sleep(150);
    const links = StateResponse.parse(await net.client("n3").state(1000)).links;
    expect(links.map((l) => `${l.peer}:${l.state}`).sort()).toEqual(["n2:up", "n4:up"]);
    expect(await net.readLog("n3")).toMatch(/link down peer=n2 dir=out[\s\S]*link up peer=n2 dir=out/);
  });

  it("a one-way cut holds one direction back while the connection stays up", async () => {
    const t = line(2);
    await using net = await new SimRuntime().start(spec(t), { seed: 9 });
    await net.clock.sleep(100);
    await net.cutLinkOneWay("n1", "n2");
    expect(net.snapshot().links[0]).toMatchObject({ from: "n2", to: "n1", cut: true, blockedFrom: "n1" });
    await net.client("n1").addNumbers(["1"], 1000);
    await net.client("n2").addNumbers(["2"], 1000);
    await net.clock.sleep(3000);
    expect(await totals(net, t.nodes)).toEqual(["n1:3/2", "n2:2/1"]);
    const links = StateResponse.parse(await net.client("n2").state(1000)).links;
    expect(links).toMatchObject([{ peer: "n1", state: "up" }]);
    await net.restoreLink("n1", "n2");
    await until(net, "3 at both", agree(net, t.nodes, 3n, 2), 100);

    // What is on its way when the cut comes is held too, and arrives at the restore.
    await net.shapeLink("n1", "n2", { delayMs: 100, jitterMs: 0, loss: 0 });
    await net.client("n1").addNumbers(["4"], 1000);
    await net.clock.sleep(50);
    await net.cutLinkOneWay("n1", "n2");
    await net.clock.sleep(200);
    expect(await totals(net, ["n2"])).toEqual(["n2:3/2"]);
    await net.restoreLink("n1", "n2");
    await net.clock.sleep(1);
    expect(await totals(net, ["n2"])).toEqual(["n2:7/3"]);
  });

  it("a throttle lifted lets what queued behind it flow at once; one imposed leaves what is on its way as it was", async () => {
    // explore --runtime sim, seed 64511: a 32 KB frame sent into a link at 3,000 B/s kept its 10.8 s schedule after
    // the throttle was lifted 0.6 s later.
    const t = line(2);
    await using net = await new SimRuntime().start(spec(t), { seed: 3 });
    await net.clock.sleep(100);
    await net.shapeLink("n1", "n2", { delayMs: 0, jitterMs: 0, loss: 0, bandwidthBytesPerSec: 1000 });
    const values = Array.from({ length: 200 }, (_, i) => String(10n ** 30n + BigInt(i)));
    await net.client("n1").addNumbers(values, 1000);
    // About 20 KB at 1,000 B/s: 20 s. Lifted after 500 ms, it arrives within a few ms of that.
    await net.clock.sleep(500);
    expect(await totals(net, ["n2"])).toEqual(["n2:0/0"]);
    await net.clearLinkShape("n1", "n2");
    const arrived = await until(net, "200 numbers at n2", async () => (await net.client("n2").total(1000)).count === 200, 1000);
    expect(arrived).toBeLessThan(100);

    // Imposed on a frame already on its way (a 100 ms delay), the throttle does not hold it back.
    await net.shapeLink("n1", "n2", { delayMs: 100, jitterMs: 0, loss: 0 });
    await net.client("n1").addNumbers(["7"], 1000);
    await net.clock.sleep(50);
    await net.shapeLink("n1", "n2", { delayMs: 100, jitterMs: 0, loss: 0, bandwidthBytesPerSec: 10 });
    await until(net, "201 numbers at n2", async () => (await net.client("n2").total(1000)).count === 201, 100);
  });

  it("a paused node answers when resumed, or its client times out on the virtual clock", async () => {
    const t = line(2);
    await using net = await new SimRuntime().start(spec(t), { seed: 2 });
    const statuses: string[] = [];
    net.subscribe((e) => (e.type === "node" ? statuses.push(`${e.node.id}:${e.node.status}`) : undefined));
    await net.pauseNode("n1");
    expect(net.snapshot().nodes[0]!.status).toBe("paused");
    let answered: unknown;
    const post = net.client("n1").addNumbers(["8"], 10_000).then((a) => (answered = a));
    await net.clock.sleep(2000);
    expect(answered).toBeUndefined();
    const late = net.client("n1").total(500);
    await expect(late).rejects.toBeInstanceOf(ControlError);
    await expect(late).rejects.toMatchObject({ message: "did not answer GET /total (timed out)", sent: true, timedOut: true });
    await net.resumeNode("n1");
    await post;
    expect(PostNumbersResponse.parse(answered).numbers).toHaveLength(1);
    await until(net, "8 at both", agree(net, t.nodes, 8n, 1), 100);
    await expect(net.client("n1").addNumbers(["1.5"], 1000)).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^rejected POST \/numbers with 400: value: "1.5" is not an integer/),
    });
    await expect(net.resumeNode("n1")).rejects.toThrow(/is running, not paused/);
    await net.stopNode("n2");
    await expect(net.client("n2").addNumbers(["1"], 1000)).rejects.toMatchObject({
      message: "did not answer POST /numbers (ECONNREFUSED)",
      sent: false,
    });
    expect(statuses).toEqual(["n1:paused", "n1:running", "n2:stopped"]);
  });

  it("counts traffic per direction as encoded frames", async () => {
    const samples: WireMessage[] = [
      { type: "hello", protocol: "sumnet/1", node: "n1", extensions: ["tree/1"] },
      { type: "digest", have: { "n1@x": [[1, 3]], "n2@init": [[2, 2], [4, 1234567], [99999999999, 100000000000]] } },
      { type: "digest", have: { "n1@x": [] } },
      { type: "ihave", have: {} },
      { type: "graft", want: { "n3@abc": [[1, 1]] }, pull: true },
      { type: "summary", count: 12, hash: "00ff" },
      { type: "numbers", numbers: [{ origin: "n1@x", seq: 1, value: "-12345678901234567890" }] },
      { type: "numbers", numbers: [] },
      {
        type: "numbers",
        numbers: [
          { origin: "node-7.a_b@0000001f3a9c01", seq: 9, value: "0" },
          { origin: "n2@init", seq: 10, value: "42" },
          { origin: "n2@init", seq: 1234567890123, value: "7" },
        ],
        repair: true,
      },
    ];
    for (const m of samples) expect(frameBytes(m)).toBe(encodeFrame(m).length);

    const t = line(3);
    await using net = await new SimRuntime().start(spec(t), { seed: 4 });
    await net.clock.sleep(100);
    const first = net.linkTraffic();
    expect(first).toHaveLength(4);
    expect(first.every((d) => d.frames >= 2 && d.bytes > 0)).toBe(true);
    await net.client("n1").addNumbers(["1", "2", "3"], 1000);
    await net.clock.sleep(100);
    const second = net.linkTraffic();
    const key = (d: { from: string; to: string }): string => `${d.from}>${d.to}`;
    const grew = second.filter((d) => d.bytes > first.find((f) => key(f) === key(d))!.bytes).map(key);
    expect(grew).toEqual(expect.arrayContaining(["n1>n2", "n2>n3"]));
    // A node that leaves keeps its links' figures.
    await net.removeNode("n3");
    expect(net.linkTraffic().filter((d) => d.from === "n3" || d.to === "n3")).toHaveLength(2);
    expect(net.snapshot().nodes.find((n) => n.id === "n3")?.status).toBe("removed");
    expect(net.snapshot().links).toHaveLength(1);
  });

  it("adds a node that dials into the network and learns everything", async () => {
    const t = line(3);
    await using net = await new SimRuntime().start(spec(t, { n1: { numbers: ["5"] } }), { seed: 8 });
    await net.addNode({ id: "n4", env: {}, dataDir: false, numbers: ["6"] }, [{ from: "n4", to: "n2" }]);
    await until(net, "11 everywhere", agree(net, [...t.nodes, "n4"], 11n, 2), 2000);
    await expect(net.addNode({ id: "n5", env: {}, dataDir: false, numbers: [] }, [{ from: "n1", to: "n5" }])).rejects.toThrow(
      /cannot be made to dial a joining node/,
    );
  });

  it("refuses what it cannot simulate, with the peer's own words for a bad environment", async () => {
    const rt = new SimRuntime();
    await expect(rt.start(spec(line(2), { n2: { command: "python3 peer.py" } }))).rejects.toThrow(
      /node "n2" names the command "python3 peer.py".*--runtime local or docker/,
    );
    await expect(rt.start(spec(line(2), { n1: { env: { BATCH_MS: "soon" } } }))).rejects.toThrow(
      /n1 exited before it was healthy \(code 2\)[\s\S]*sumnet peer: invalid BATCH_MS="soon"/,
    );
  });

  it("repeats a run exactly for the same seed", async () => {
    const run = async (seed: number): Promise<string> => {
      const t = random(12, 3, 1);
      await using net = await new SimRuntime().start(spec(t, { n4: { dataDir: true }, n5: { env: { DISSEMINATION: "flood" } } }), { seed });
      await net.shapeLink(t.links[0]!.from, t.links[0]!.to, { delayMs: 20, jitterMs: 15, loss: 0.2 });
      await net.shapeLink(t.links[1]!.from, t.links[1]!.to, { delayMs: 5, jitterMs: 5, loss: 0, bandwidthBytesPerSec: 2000 });
      for (let i = 1; i <= 6; i++) {
        await net.client(`n${i}`).addNumbers([String(i * 11)], 1000);
        await net.clock.sleep(37);
      }
      await net.killNode("n4");
      await net.clock.sleep(300);
      await net.restartNode("n4");
      await net.cutLink(t.links[2]!.from, t.links[2]!.to);
      await net.clock.sleep(1500);
      await net.restoreLink(t.links[2]!.from, t.links[2]!.to);
      await until(net, "231 everywhere", agree(net, t.nodes, 231n, 6));
      const dir = await mkdtemp(path.join(os.tmpdir(), "sim-logs-"));
      try {
        const files = await net.collectLogs(dir);
        expect(files).toHaveLength(12);
        const texts = await Promise.all(files.map((f) => readFile(f, "utf8")));
        return texts.join("") + JSON.stringify(net.linkTraffic());
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };
    const first = await run(42);
    expect(first).toMatch(/link up/);
    expect(await run(42)).toBe(first);
    expect(await run(43)).not.toBe(first);
  });

  it("converges 300 nodes of degree 4 with 300 numbers (bigger networks: npm run bench:sim)", async () => {
    const n = 300;
    const t = random(n, 4, 11);
    const wall = performance.now();
    await using net = await new SimRuntime().start(spec(t), { seed: 11 });
    const started = performance.now() - wall;
    let sum = 0n;
    for (let i = 0; i < 30; i++) {
      const values = Array.from({ length: 10 }, (_, j) => BigInt(i * 10 + j + 1) * (i % 2 ? -1n : 1n));
      sum += values.reduce((a, b) => a + b, 0n);
      await net.client(`n${((i * 37) % n) + 1}`).addNumbers(values, 1000);
      await net.clock.sleep(5);
    }
    const virtual = await until(net, `${n} numbers at every node`, agree(net, t.nodes, sum, n), 60_000);
    const took = performance.now() - wall;
    console.log(
      `sim: ${n} nodes, ${t.links.length} links, ${n} numbers: started in ${started.toFixed(0)} ms, ` +
        `converged ${virtual} virtual ms after the last post, ${took.toFixed(0)} ms of wall time in all`,
    );
  }, 120_000);
});
