/**
 * Bad input on every boundary: wire frames and handshakes, garbage floods, silent connections, and control API bodies.
 * The peer must stay up, close only the offending link, count the rejection, and keep its total right.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import net from "node:net";
import { PeerProcesses, waitUntil } from "../support/peer-processes.js";

let peers: PeerProcesses;
const sockets: net.Socket[] = [];
beforeEach(async () => {
  peers = new PeerProcesses();
  // a and b are linked; bad input goes to a, and b must keep agreeing with it.
  await peers.startAll([{ id: "a", numbers: "40" }, { id: "b", dials: ["a"], numbers: "2" }]);
  await peers.converge({ total: 42n, count: 2 });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await peers.dispose();
});

function connect(): Promise<net.Socket> {
  return new Promise((ok, fail) => {
    const s = net.connect(peers.get("a").p2pPort, "127.0.0.1", () => ok(s));
    s.on("error", fail);
    sockets.push(s);
  });
}

/** Dials a with p2pnetwork's handshake and reads its id. */
async function handshake(): Promise<net.Socket> {
  const s = await connect();
  s.write("intruder:1");
  const id = await new Promise<string>((ok) => s.once("data", (d) => ok(d.toString())));
  expect(id).toBe("a");
  return s;
}

/**
 * A sumnet hello, sent before the bad frames: on a link whose first frame is not a hello, frames that are not sumnet
 * messages are legacy p2pnetwork input, ignored without closing it (test/peer/legacy-links.test.ts).
 */
const HELLO = '{"type":"hello","protocol":"sumnet/1","node":"intruder"}\x04';

function closed(s: net.Socket): Promise<void> {
  return new Promise((ok) => (s.closed ? ok() : s.once("close", () => ok())));
}

async function rejected(reason: string): Promise<number> {
  const text = await (await fetch(`${peers.get("a").url}/metrics`)).text();
  const m = new RegExp(`sumnet_frames_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text);
  return Number(m?.[1]);
}

async function stillRight(): Promise<void> {
  expect((await peers.post("b", { value: 8 })).status).toBe(201);
  await peers.converge({ total: 50n, count: 3 });
}

describe("bad frames on a sumnet link close only that link", () => {
  it.each([
    ["a frame over 1 MiB", () => Buffer.alloc(1024 * 1024 + 10, 0x61), "oversize"],
    ["invalid UTF-8", () => Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x04]), "utf8"],
    ["invalid JSON", () => Buffer.from("{not json}\x04"), "json"],
    ["an unknown type", () => Buffer.from('{"type":"steal","all":true}\x04'), "unknown_type"],
    [
      "a schema violation",
      () => Buffer.from('{"type":"numbers","numbers":[{"origin":"x@1","seq":1,"value":"1e9"}]}\x04'),
      "schema",
    ],
  ])("%s", async (_name, bytes, reason) => {
    const s = await handshake();
    s.write(HELLO);
    s.write(bytes());
    await closed(s);
    expect(await rejected(reason)).toBe(1);
    expect(peers.get("a").output).toMatch(new RegExp(`frame rejected peer=intruder .*reason=${reason}`));
    await stillRight();
  });

  it("a bad frame after good ones keeps what the good ones brought, and nothing of the bad", async () => {
    const s = await handshake();
    s.write(HELLO + '{"type":"numbers","numbers":[{"origin":"intruder@1","seq":1,"value":"1000"}]}\x04{"type":"numbers","numbers":[{"origin":"intruder@1","seq":2,"value":"x"}]}\x04');
    await closed(s);
    await peers.converge({ total: 1042n, count: 3 });
  });

  it("a handshake that is not '<id>:<port>' is rejected", async () => {
    const s = await connect();
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await closed(s);
    expect(await rejected("handshake")).toBe(1);
    await stillRight();
  });

  it("a peer flooding garbage is cut off, and others are not disturbed", async () => {
    const s = await handshake();
    let seed = 7;
    const garbage = Buffer.alloc(256 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const flood = (async () => {
      for (let i = 0; i < 40 && !s.destroyed; i++) {
        if (!s.write(garbage)) await new Promise((ok) => s.once("drain", ok).once("close", ok));
      }
    })();
    await closed(s);
    await flood;
    await stillRight();
    expect((await fetch(`${peers.get("a").url}/health`)).status).toBe(200);
  });

  it("a connection that sends nothing is closed after 5 s and blocks no one meanwhile", async () => {
    const silent = await connect();
    const since = Date.now();
    // Meanwhile a new peer links up with a and converges.
    const [c] = await peers.define([{ id: "c", dials: ["a"], numbers: "100" }]);
    await peers.start(c!.id);
    await peers.converge({ total: 142n, count: 3 });
    expect(silent.closed).toBe(false);
    await closed(silent);
    expect(Date.now() - since).toBeGreaterThanOrEqual(4_000);
    expect(await rejected("handshake")).toBe(1);
    expect(peers.get("a").output).toContain("handshake timeout");
  }, 20_000);

  it("a hello of another protocol version closes the link", async () => {
    const s = await handshake();
    s.write('{"type":"hello","protocol":"sumnet/2","node":"intruder"}\x04');
    await closed(s);
    expect(await rejected("protocol")).toBe(1);
  });
});

describe("bad control API input is rejected with 400 and stores nothing", () => {
  it.each([
    ['{"value": 4.5}', /value: "4.5" is not an integer/],
    ['{"value": 1e3}', /value: "1e3" is not an integer/],
    ['{"value": ""}', /value: "" is empty/],
    ['{"value": "12abc"}', /value: "12abc" is not a number/],
    ['{"value": null}', /value: expected a decimal integer/],
    [`{"value": "${"9".repeat(1001)}"}`, /has 1001 digits, over the limit of 1000/],
    ['{"values": [1, 2, 3.5]}', /values\[2\]: "3.5" is not an integer/],
    ['{"values": []}', /values: must hold at least one number/],
    ['{"number": 1}', /body: expected \{"value"/],
    ["[1, 2]", /body: expected \{"value"/],
    ["{value: 1}", /body is not JSON/],
  ])("%s", async (body, message) => {
    const r = await peers.post("a", body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(message);
    expect(await peers.total("a")).toMatchObject({ total: "42", count: 2 });
  });

  it("accepts a number of exactly 1000 digits, and JSON integers beyond 2^53 without losing digits", async () => {
    const big = "-" + "9".repeat(1000);
    expect((await peers.post("a", { value: big })).status).toBe(201);
    const r = await peers.post("a", '{"values": [123456789012345678901234567890, -18446744073709551617]}');
    expect(r.status).toBe(201);
    expect(r.json.numbers.map((n: { value: string }) => n.value)).toEqual([
      "123456789012345678901234567890",
      "-18446744073709551617",
    ]);
    const expected = 42n + BigInt(big) + 123456789012345678901234567890n - 18446744073709551617n;
    await peers.converge({ total: expected, count: 5 });
  });

  it("answers 413 to a body over 1 MiB, 404 to an unknown route and 405 to a wrong method", async () => {
    const url = peers.get("a").url;
    const huge = await fetch(`${url}/numbers`, { method: "POST", body: `{"values": [${"1,".repeat(600_000)}1]}` });
    expect(huge.status).toBe(413);
    const nf = await fetch(`${url}/sum`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: string }).error).toMatch(/no route GET \/sum/);
    expect((await fetch(`${url}/total`, { method: "DELETE" })).status).toBe(405);
    await waitUntil("still healthy", 5000, async () => (await fetch(`${url}/health`)).status === 200);
    expect(await peers.total("a")).toMatchObject({ total: "42", count: 2 });
  });
});
