/**
 * Wire compatibility with p2pnetwork 1.2: a Python program that frames and handshakes the way p2pnetwork's Node does
 * dials a sumnet peer and exchanges dict messages with it, and a sumnet peer dials such a program.
 * Needs python3: skipped with a printed reason without it, failing instead when REQUIRE_PYTHON=1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { PeerProcesses, freePorts } from "../support/peer-processes.js";
import { pythonGate } from "../support/python.js";

const SCRIPT = resolve(import.meta.dirname, "fixtures/p2pnetwork_like.py");
const python = pythonGate("p2pnetwork framing");

let peers: PeerProcesses;
afterEach(async () => {
  await peers?.dispose();
});

function lines(text: string): { event: string; [k: string]: any }[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe.skipIf(!python)("p2pnetwork framing", () => {
  it("a p2pnetwork-style dialer injects numbers and gets the peer's digest back", async () => {
    peers = new PeerProcesses();
    await peers.startAll([{ id: "a", numbers: "5" }, { id: "b", dials: ["a"] }]);
    const run = spawnSync("python3", [SCRIPT, "dial", "127.0.0.1", String(peers.get("a").p2pPort)], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const events = lines(run.stdout);
    expect(events[0]).toEqual({ event: "handshake", peer: "a" });
    const types = events.filter((e) => e.event === "frame").map((e) => e.frame.type);
    expect(types.slice(0, 2)).toEqual(["hello", "digest"]);
    // The numbers it sent reach the whole network.
    await peers.converge({ total: 5n + 10n ** 21n - 1n, count: 3 });
  });

  it("a sumnet peer dials a p2pnetwork-style acceptor and sends its numbers", async () => {
    peers = new PeerProcesses();
    const [port] = await freePorts(1);
    const py = spawn("python3", [SCRIPT, "accept", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    py.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const done = new Promise<number | null>((ok) => py.once("exit", ok));
    try {
      await new Promise<void>((ok) => py.stdout.once("data", () => ok()));
      await peers.startAll([{ id: "n1", dials: [`127.0.0.1:${port}`], numbers: "7,8" }]);
      expect(await done).toBe(0);
    } finally {
      py.kill("SIGKILL");
    }
    const events = lines(out);
    expect(events[1]).toMatchObject({ event: "handshake", peer: "n1", port: peers.get("n1").p2pPort });
    const frames = events.filter((e) => e.event === "frame").map((e) => e.frame);
    expect(frames[0]).toEqual({ type: "hello", protocol: "sumnet/1", node: "n1" });
    const numbers = frames.find((f) => f.type === "numbers");
    expect(numbers.numbers).toEqual([
      { origin: "n1@init", seq: 1, value: "7" },
      { origin: "n1@init", seq: 2, value: "8" },
    ]);
  });
});
