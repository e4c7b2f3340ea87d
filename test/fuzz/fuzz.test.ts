/**
 * A small, fast slice of `npm run fuzz` (bench/fuzz.ts), so CI keeps the peer's input boundaries fuzzed: the wire
 * decoder and replica with 20,000 generated inputs, and a real peer's control API with a few hundred raw requests
 * plus deliberately incomplete ones that the peer's own timeouts must close.
 */
import { existsSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzWire } from "./wire-fuzzer.js";
import { fuzzControlApi } from "./control-api-fuzzer.js";
import { PEER_MAIN, PeerProcesses, type PeerHandle } from "../support/peer-processes.js";

describe("fuzzing the wire input", () => {
  it("20,000 inputs: no exception escapes, no input takes over 1 s, and where a stream is cut never matters", () => {
    const result = fuzzWire({ inputs: 20_000, seed: 2026 });
    expect(result.findings).toEqual([]);
    expect(result.crashes + result.hangs + result.splitMismatches).toBe(0);
    // The inputs exercised both paths: messages accepted and every kind of rejection.
    expect(result.acceptedMessages).toBeGreaterThan(1000);
    expect(Object.keys(result.rejected)).toEqual(expect.arrayContaining(["json", "schema", "unknown_type", "utf8"]));
  }, 300_000);
});

describe("fuzzing a real peer's control API", () => {
  const peers = new PeerProcesses();
  let peer: PeerHandle;
  beforeAll(async () => {
    if (!existsSync(PEER_MAIN)) throw new Error(`${PEER_MAIN} is missing: run npm run build`);
    [peer] = (await peers.startAll([{ id: "fuzz" }])) as [PeerHandle];
  });
  afterAll(() => peers.dispose());

  it("answers a valid request first when bytes that are not HTTP follow it (the fuzzer found a 400 for a counted number)", async () => {
    const before = (await (await fetch(`${peer.url}/total`)).json()) as { count: number };
    const body = '{"value":1}';
    const res = await rawRequest(
      peer.httpPort,
      `POST /numbers HTTP/1.1\r\nHost: peer\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}}`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 201 /);
    const after = (await (await fetch(`${peer.url}/total`)).json()) as { count: number };
    expect(after.count).toBe(before.count + 1);
  });

  it("answers 400 to request targets that are not paths (the fuzzer found 500 'Invalid URL' for //)", async () => {
    for (const target of ["//", "//numbers", "*", "http://peer/total"]) {
      const res = await rawRequest(peer.httpPort, `GET ${target} HTTP/1.1\r\nHost: peer\r\nConnection: close\r\n\r\n`);
      expect(res).toMatch(/^HTTP\/1\.1 400 /);
      expect(res).toContain("is not a path; expected e.g. /numbers or /total");
    }
  });

  it("300 malformed requests and 6 incomplete ones: the peer stays up, answers each, and its total moves only by 201s", async () => {
    const result = await fuzzControlApi({
      host: "127.0.0.1",
      port: peer.httpPort,
      requests: 300,
      incomplete: 6,
      seed: 2026,
      alive: () => peer.proc?.exitCode === null && peer.proc?.signalCode === null,
    });
    expect(result.findings).toEqual([]);
    expect(result.crashes + result.hangs + result.serverErrors + result.totalChanges).toBe(0);
    // Both outcomes happened: some requests were accepted, most rejected.
    expect(result.statuses["201"]).toBeGreaterThan(0);
    expect(result.statuses["400"]).toBeGreaterThan(100);
  }, 120_000);
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let answer = "";
    socket.on("data", (c: Buffer) => (answer += c.toString("utf8")));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.once("connect", () => socket.write(text));
  });
}
