/** Links that drop and come back, peers that start before those they dial, self-dials, doubled links, shutdown. */
import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import { PeerProcesses, freePorts, waitUntil } from "../support/peer-processes.js";

let peers: PeerProcesses;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await peers?.dispose();
  for (const c of cleanup.splice(0)) await c();
});

/** A TCP relay the test can cut: it destroys live connections and refuses new ones until restored. */
async function relay(targetPort: number): Promise<{ port: number; cut(): void; restore(): void }> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const [port] = await freePorts(1);
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((ok) => server.close(() => ok()));
  });
  return {
    port: port!,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
  };
}

async function linksUp(id: string): Promise<number> {
  return peers.metric(id, "sumnet_links_up");
}

describe("links", () => {
  it("a dropped link is re-dialed and the two sides resynchronise", async () => {
    peers = new PeerProcesses();
    const [a] = await peers.define([{ id: "a" }]);
    const r = await relay(a!.p2pPort);
    const [b] = await peers.define([{ id: "b", dials: [`127.0.0.1:${r.port}`] }]);
    await peers.start("a");
    await peers.start(b!.id);
    await peers.post("a", { value: 1 });
    await peers.converge({ total: 1n, count: 1 });

    r.cut();
    await waitUntil("link down", 10_000, async () => (await linksUp("b")) === 0);
    await peers.post("a", { value: 10 });
    await peers.post("b", { value: 100 });
    expect((await peers.total("a")).total).toBe("11");
    expect((await peers.total("b")).total).toBe("101");

    // Both ends still list the link, as down, while it is cut.
    type View = { links: { peer: string | null; direction: string; state: string }[] };
    const stateOf = async (id: string) => (await (await fetch(`${peers.get(id).url}/state`)).json()) as View;
    await waitUntil("link listed as down on both ends", 10_000, async () => {
      const [sa, sb] = [await stateOf("a"), await stateOf("b")];
      return (
        sa.links.some((l) => l.peer === "b" && l.direction === "in" && l.state === "down") &&
        sb.links.some((l) => l.peer === "a" && l.direction === "out" && l.state === "down")
      );
    });

    r.restore();
    await peers.converge({ total: 111n, count: 3 });
    const healed = await stateOf("a");
    expect(healed.links.filter((l) => l.peer === "b").map((l) => l.state)).toEqual(["up"]);
    expect(peers.get("b").output).toMatch(/link down peer=a/);
    expect(peers.get("b").output.match(/link up peer=a/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it("a peer started before the peers it dials links up once they exist", async () => {
    peers = new PeerProcesses();
    await peers.define([
      { id: "early", dials: ["late1", "late2"], numbers: "5" },
      { id: "late1", numbers: "7" },
      { id: "late2" },
    ]);
    await peers.start("early");
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(await linksUp("early")).toBe(0);
    await peers.start("late1");
    await peers.start("late2");
    await peers.post("late2", { value: "-2" });
    await peers.converge({ total: 10n, count: 3 });
  });

  it("self-dials are refused and two links to the same peer count nothing twice", async () => {
    peers = new PeerProcesses();
    await peers.define([{ id: "a" }, { id: "b" }]);
    const a = peers.get("a");
    const b = peers.get("b");
    // a dials itself (by two names) and b twice; b dials a back: three links between them.
    a.spec.dials = [`127.0.0.1:${a.p2pPort}`, `localhost:${a.p2pPort}`, "b", `localhost:${b.p2pPort}`];
    b.spec.dials = ["a"];
    await peers.start("a");
    await peers.start("b");
    await waitUntil("three links", 10_000, async () => (await linksUp("a")) === 3);
    await Promise.all([peers.post("a", { values: [1, 2, 3] }), peers.post("b", { values: [4, 5] })]);
    await peers.converge({ total: 15n, count: 5 });
    await new Promise((ok) => setTimeout(ok, 1200)); // a few anti-entropy rounds on every link
    await peers.converge({ total: 15n, count: 5 });
    expect(a.output).toContain("self link refused");
    const state = (await (await fetch(`${a.url}/state`)).json()) as { links: { state: string }[] };
    expect(state.links.filter((l: { state: string }) => l.state === "up")).toHaveLength(3);
  });

  it("SIGTERM and SIGINT stop a peer with exit code 0", async () => {
    peers = new PeerProcesses();
    await peers.startAll([{ id: "a" }, { id: "b", dials: ["a"] }]);
    await waitUntil("link up", 10_000, async () => (await linksUp("a")) === 1);
    expect(await peers.signal("a", "SIGTERM")).toEqual({ code: 0, signal: null });
    expect(await peers.signal("b", "SIGINT")).toEqual({ code: 0, signal: null });
    expect(peers.get("a").output).toMatch(/stopping signal=SIGTERM[\s\S]*stopped/);
  });

  it("logs one event per line: configuration, links up and down with the peer's id, each change of the total", async () => {
    peers = new PeerProcesses();
    await peers.startAll([
      { id: "a", env: { LOG_FORMAT: "json", LOG_LEVEL: "debug" } },
      { id: "b", dials: ["a"], numbers: "1,2" },
    ]);
    await peers.converge({ total: 3n, count: 2 });
    await peers.signal("b", "SIGTERM");
    // The total is logged at most every 100 ms, so its line may come after the link down line; wait for whole lines.
    await waitUntil("link down and total logged", 5000, async () => {
      const out = peers.get("a").output;
      return out.includes('"event":"link down"') && out.includes('"event":"total","total":"3"') && out.endsWith("\n");
    });
    const events = peers
      .get("a")
      .output.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ level: "info", node: "a", event: "started", peers: "(none)", data_dir: "(none)" });
    expect(events).toContainEqual(expect.objectContaining({ event: "link up", peer: "b", dir: "in" }));
    expect(events).toContainEqual(expect.objectContaining({ event: "total", total: "3", count: 2 }));
    expect(events).toContainEqual(expect.objectContaining({ event: "link down", peer: "b" }));
    // LOG_LEVEL=debug: a line per batch learned; at the default level none.
    expect(events).toContainEqual(
      expect.objectContaining({ level: "debug", event: "learned", from: "b", count: 2, numbers: "b@init:1-2" }),
    );
    expect(peers.get("b").output).toMatch(/ info  b total total=3 count=2$/m);
    expect(peers.get("b").output).not.toContain("learned");
  });

  it("an invalid configuration names the variable, the value and what is expected, and exits 2", async () => {
    const { spawnSync } = await import("node:child_process");
    const { PEER_MAIN } = await import("../support/peer-processes.js");
    const r = spawnSync(process.execPath, [PEER_MAIN], {
      env: { PATH: process.env.PATH, NODE_ID: "n 1", HTTP_PORT: "99999" },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid NODE_ID="n 1": expected a name of 1 to 128 letters');
    expect(r.stderr).toContain('invalid HTTP_PORT="99999": expected a port number from 0 to 65535');
  });
});
