/**
 * The peers of the end-to-end tests get ports that were free a moment before they bind them. Another process can take
 * one in between (test files run in parallel; a fresh-clone run of the suite failed so on 2026-12-07: "listen
 * EADDRINUSE: address already in use 127.0.0.1:13714"). These tests take a port on purpose.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../harness/runtime/local/free-port.js";
import { PeerProcesses, PortTaken, freePorts } from "./peer-processes.js";

let peers: PeerProcesses | undefined;
let holder: net.Server | undefined;
/** The connections the holder accepted (closed with it). */
const accepted = new Set<net.Socket>();

afterEach(async () => {
  await peers?.dispose();
  peers = undefined;
  if (holder?.listening) {
    const closed = new Promise((ok) => holder!.close(ok));
    for (const socket of accepted) socket.destroy(); // close() waits for them
    await closed;
  }
  holder = undefined;
});

/**
 * Binds a free port on 127.0.0.1 and keeps it, as another process would; it accepts connections and never answers
 * (the peers dial it, and the health check asks it).
 */
async function takePort(): Promise<number> {
  const port = await freePort();
  holder = net.createServer((socket) => {
    accepted.add(socket.on("close", () => accepted.delete(socket)));
  });
  await new Promise<void>((ok, fail) => {
    holder!.once("error", fail);
    holder!.listen(port, "127.0.0.1", ok);
  });
  return port;
}

describe("PeerProcesses and a port taken by another process", () => {
  it("moves a group whose port stays taken to new ports, and its peers link and agree", async () => {
    const taken = await takePort();
    let calls = 0;
    peers = new PeerProcesses(async (n) => {
      const ports = await freePorts(n);
      if (calls++ === 0) ports[0] = taken; // a's P2P port, on the first try only
      return ports;
    });
    const [a, b] = await peers.startAll([
      { id: "a", numbers: "5" },
      { id: "b", dials: ["a"], numbers: "7" },
    ]);
    expect(calls).toBe(2);
    expect(a!.p2pPort).not.toBe(taken);
    expect(b!.spec.dials).toEqual(["a"]);
    await peers.converge({ total: 12n, count: 2 });
  });

  it("tries a lone start on the same ports three times, then fails naming the taken port", async () => {
    const taken = await takePort();
    peers = new PeerProcesses(async (n) => {
      const ports = await freePorts(n);
      ports[1] = taken; // the HTTP port
      return ports;
    });
    await peers.define([{ id: "a" }]);
    const failure = await peers.start("a").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PortTaken);
    expect((failure as Error).message).toMatch(new RegExp(`EADDRINUSE.*${taken}`));
    expect(peers.get("a").output.match(/EADDRINUSE/g)?.length).toBe(3);
  });

  it("does not try again when a peer fails to start for another cause", async () => {
    peers = new PeerProcesses();
    await peers.define([{ id: "a", env: { BATCH_MS: "not a number" } }]);
    const failure = await peers.start("a").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(PortTaken);
    expect((failure as Error).message).toMatch(/a exited with 2/);
  });
});
