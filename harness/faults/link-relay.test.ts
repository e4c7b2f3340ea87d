import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LinkRelay } from "./link-relay.js";
import { seededRandom } from "../base/seeded-random.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** An echo server standing in for the target node's P2P port. */
async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

async function relayTo(port: number, seed = 1): Promise<LinkRelay> {
  const relay = await LinkRelay.start({ target: { host: "127.0.0.1", port }, random: seededRandom(seed) });
  cleanups.push(() => relay.close());
  return relay;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** Read until `n` bytes arrived (or the socket closed). */
function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (): void => {
      socket.off("data", onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer): void => {
      chunks.push(c);
      total += c.length;
      if (total >= n) done();
    };
    socket.on("data", onData);
    socket.once("close", done);
  });
}

async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const closed = (socket: net.Socket): Promise<void> =>
  new Promise((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));

describe("LinkRelay", () => {
  it("forwards bytes both ways", async () => {
    const relay = await relayTo(await echoServer());
    const client = await connect(relay.port);
    const got = readBytes(client, 5);
    client.write("hello");
    expect((await got).toString()).toBe("hello");
    expect(relay.getStats()).toMatchObject({
      connections: 1,
      toTarget: { bytes: 5, frames: 0 },
      fromTarget: { bytes: 5, frames: 0 },
      open: 1,
    });
  });

  it("cut breaks live connections and refuses new ones until restore", async () => {
    const relay = await relayTo(await echoServer());
    const client = await connect(relay.port);
    relay.cut();
    await closed(client);
    // A new connection is accepted and closed at once: nothing is echoed.
    const again = await connect(relay.port);
    const got = readBytes(again, 1);
    again.write("x");
    expect((await got).length).toBe(0);
    expect(relay.getStats().refused).toBeGreaterThanOrEqual(1);
    relay.restore();
    const after = await connect(relay.port);
    const echoed = readBytes(after, 2);
    after.write("ok");
    expect((await echoed).toString()).toBe("ok");
  });

  it("closes the client when the target does not listen (no hold)", async () => {
    const port = await unusedPort();
    const relay = await LinkRelay.start({ target: { host: "127.0.0.1", port }, holdMs: 0 });
    cleanups.push(() => relay.close());
    const client = await connect(relay.port);
    await closed(client);
    expect(relay.getStats()).toMatchObject({ connections: 0, open: 0, refused: 1 });
  });

  it("holds a dialer's connection while the target starts, then forwards what it sent", async () => {
    const port = await unusedPort();
    const relay = await LinkRelay.start({ target: { host: "127.0.0.1", port }, holdMs: 5000 });
    cleanups.push(() => relay.close());
    const client = await connect(relay.port);
    const got = readBytes(client, 5);
    client.write("early");
    await new Promise((r) => setTimeout(r, 300));
    const server = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    expect((await got).toString()).toBe("early");
    client.destroy();
  });

  it("delays each direction by at least the configured delay", async () => {
    const relay = await relayTo(await echoServer());
    relay.shape({ delayMs: 80, jitterMs: 0, loss: 0 });
    const client = await connect(relay.port);
    const started = performance.now();
    const got = readBytes(client, 4);
    client.write("ping");
    expect((await got).toString()).toBe("ping");
    // Both directions pass the relay: at least 2 x 80 ms (a lower bound, not a speed assertion).
    expect(performance.now() - started).toBeGreaterThanOrEqual(159);
  });

  it("keeps byte order under heavy jitter and loss, never corrupting bytes", async () => {
    const relay = await relayTo(await echoServer(), 7);
    relay.shape({ delayMs: 5, jitterMs: 20, loss: 0.2 });
    const client = await connect(relay.port);
    const payload = Buffer.concat(Array.from({ length: 400 }, (_, i) => Buffer.from(`${i},`)));
    const got = readBytes(client, payload.length);
    // Many small writes, spaced so that they are separate chunks with separate fates.
    for (let i = 0; i < 400; i++) {
      client.write(Buffer.from(`${i},`));
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    const echoed = await got;
    expect(echoed.toString()).toBe(payload.toString());
    expect(relay.getStats().lostChunks).toBeGreaterThan(0);
  });

  it("charges a lost chunk a retransmission timeout", async () => {
    const relay = await LinkRelay.start({
      target: { host: "127.0.0.1", port: await echoServer() },
      random: seededRandom(3),
      rtoMs: 300,
    });
    cleanups.push(() => relay.close());
    relay.shape({ delayMs: 0, jitterMs: 0, loss: 0.999 });
    const client = await connect(relay.port);
    const started = performance.now();
    const got = readBytes(client, 1);
    client.write("z");
    expect((await got).toString()).toBe("z");
    expect(performance.now() - started).toBeGreaterThanOrEqual(299);
    relay.clearShape();
    expect(relay.currentShape).toEqual({ delayMs: 0, jitterMs: 0, loss: 0 });
  });

  it("rejects impossible shapes", async () => {
    const relay = await relayTo(await echoServer());
    expect(() => relay.shape({ delayMs: -1, jitterMs: 0, loss: 0 })).toThrow(/invalid link shape/);
    expect(() => relay.shape({ delayMs: 0, jitterMs: 0, loss: 1 })).toThrow(/invalid link shape/);
    expect(() => relay.shape({ delayMs: 0, jitterMs: 0, loss: 0, bandwidthBytesPerSec: -5 })).toThrow(/invalid link shape/);
    expect(() => relay.cutOneWay("sideways" as "toTarget")).toThrow(/expected "toTarget" or "fromTarget"/);
  });
});

/** A target that records what it receives per connection and lets the test write to each. */
async function recordingServer(): Promise<{ port: number; conns: { socket: net.Socket; received: () => string }[] }> {
  const conns: { socket: net.Socket; received: () => string }[] = [];
  const server = net.createServer((socket) => {
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.on("error", () => {});
    conns.push({ socket, received: () => text });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of conns) c.socket.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, conns };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("LinkRelay one-way cut", () => {
  it("toTarget: the target hears nothing, the dialer still hears the target, the connection stays open", async () => {
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    const client = await connect(relay.port);
    client.write("before;");
    await until("the first bytes", () => target.conns[0]?.received() === "before;");
    const far = target.conns[0]!;

    relay.cutOneWay("toTarget");
    expect(relay.blockedDirections).toEqual(["toTarget"]);
    client.write("held;");
    const heard = readBytes(client, 5);
    far.socket.write("back;");
    expect((await heard).toString()).toBe("back;");
    await sleep(300);
    expect(far.received()).toBe("before;");
    expect(client.destroyed).toBe(false);
    expect(far.socket.destroyed).toBe(false);

    // Healing delivers the held bytes in order (TCP retransmits them), on the same connection.
    relay.restore();
    client.write("after;");
    await until("the held bytes", () => far.received() === "before;held;after;");
    expect(relay.getStats()).toMatchObject({ connections: 1, toTarget: { bytes: 18 }, fromTarget: { bytes: 5 } });
  });

  it("fromTarget: the dialer hears nothing while the target still hears the dialer", async () => {
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    const client = await connect(relay.port);
    const chunks: string[] = [];
    client.on("data", (c: Buffer) => chunks.push(c.toString()));
    client.write("x");
    await until("a connection", () => target.conns[0]?.received() === "x");
    const far = target.conns[0]!;

    relay.cutOneWay("fromTarget");
    far.socket.write("lost-for-now");
    client.write("y");
    await until("the dialer's bytes", () => far.received() === "xy");
    await sleep(300);
    expect(chunks.join("")).toBe("");

    relay.restore();
    await until("the held bytes", () => chunks.join("") === "lost-for-now");
    expect(relay.blockedDirections).toEqual([]);
  });

  it("a connection opened during a one-way cut reaches the target only after restore", async () => {
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    relay.cutOneWay("fromTarget");
    const client = await connect(relay.port);
    client.write("hello");
    await sleep(300);
    expect(target.conns.length).toBe(0);
    expect(relay.getStats().open).toBe(1);
    relay.restore();
    await until("the held connection's bytes", () => target.conns[0]?.received() === "hello");
  });

  it("both directions cut: a silent link that keeps its connections", async () => {
    const relay = await relayTo(await echoServer());
    const client = await connect(relay.port);
    const first = readBytes(client, 2);
    client.write("ab");
    expect((await first).toString()).toBe("ab");
    relay.cutOneWay("toTarget");
    relay.cutOneWay("fromTarget");
    const chunks: Buffer[] = [];
    client.on("data", (c: Buffer) => chunks.push(c));
    client.write("cd");
    await sleep(300);
    expect(Buffer.concat(chunks).length).toBe(0);
    expect(relay.getStats().open).toBe(1);
    relay.restore();
    await until("the echo", () => Buffer.concat(chunks).toString() === "cd");
  });
});

describe("LinkRelay bandwidth, reset and frame counts", () => {
  it("limits each direction to its bandwidth and keeps byte order, also with delay, jitter and loss", async () => {
    const relay = await relayTo(await echoServer(), 5);
    relay.shape({ delayMs: 5, jitterMs: 5, loss: 0.1, bandwidthBytesPerSec: 20_000 });
    const client = await connect(relay.port);
    const payload = Buffer.from(Array.from({ length: 3000 }, (_, i) => `${i},`).join("").slice(0, 12_000));
    const started = performance.now();
    const got = readBytes(client, payload.length);
    client.write(payload);
    const echoed = await got;
    const elapsed = performance.now() - started;
    expect(echoed.equals(payload)).toBe(true);
    // 12,000 bytes at 20,000 B/s need about 600 ms in each direction; the bucket starts with one 400-byte piece.
    // A lower bound only: the link may be slower on a busy machine, never faster.
    expect(elapsed).toBeGreaterThanOrEqual(((payload.length - 400) / 20_000) * 1000 - 1);
    expect(payload.length).toBe(12_000);
    expect(relay.getStats()).toMatchObject({ toTarget: { bytes: 12_000 }, fromTarget: { bytes: 12_000 } });
  });

  it("a sender faster than the bandwidth meets backpressure instead of filling the relay", async () => {
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    relay.shape({ delayMs: 0, jitterMs: 0, loss: 0, bandwidthBytesPerSec: 50_000 });
    const client = await connect(relay.port);
    client.write(Buffer.alloc(8 * 1024 * 1024, 0x61));
    await sleep(500);
    // Well under the 8 MiB sent: the relay stopped reading and the rest waits in the sender's buffers.
    const crossed = relay.getStats().toTarget.bytes;
    expect(crossed).toBeGreaterThan(0);
    expect(crossed).toBeLessThan(1024 * 1024);
    expect(client.writableLength).toBeGreaterThan(0);
  });

  it("a throttle lifted lets what queued behind it flow at once", async () => {
    // explore --runtime sim, seed 64511 (the simulator, which this relay matches): what was sent into a throttled
    // link kept its slow schedule after the throttle was lifted.
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    relay.shape({ delayMs: 0, jitterMs: 0, loss: 0, bandwidthBytesPerSec: 1000 });
    const client = await connect(relay.port);
    const started = performance.now();
    client.write(Buffer.alloc(16 * 1024, 0x61));
    await sleep(300);
    const before = relay.getStats().toTarget.bytes;
    expect(before).toBeLessThan(2000);
    relay.clearShape();
    await until("every byte", () => target.conns[0]?.received().length === 16 * 1024, 10_000);
    // At 1,000 B/s the 16 KiB needed over 16 s; lifted, the rest crossed as soon as it could.
    expect(performance.now() - started).toBeLessThan(16_000);
  });

  it("a shape change does not count again as lost what it times again", async () => {
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    relay.shape({ delayMs: 0, jitterMs: 0, loss: 0.99, bandwidthBytesPerSec: 1000 });
    const client = await connect(relay.port);
    client.write(Buffer.alloc(2000, 0x61));
    await until("pieces queued", () => relay.getStats().lostChunks > 50);
    const lost = relay.getStats().lostChunks;
    relay.shape({ delayMs: 0, jitterMs: 0, loss: 0.99, bandwidthBytesPerSec: 1000 });
    expect(relay.getStats().lostChunks).toBe(lost);
    relay.clearShape();
  });

  it("reset aborts live connections with RST on both sides and lets new ones in", async () => {
    const target = await recordingServer();
    const relay = await relayTo(target.port);
    const client = await connect(relay.port);
    client.write("x");
    await until("a connection", () => target.conns[0]?.received() === "x");
    const far = target.conns[0]!.socket;
    const errors = (socket: net.Socket): Promise<string> =>
      new Promise((resolve) => {
        socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        socket.once("close", () => resolve("closed without error"));
      });
    const clientSaw = errors(client);
    const targetSaw = errors(far);
    expect(relay.reset()).toBe(1);
    expect(await clientSaw).toBe("ECONNRESET");
    expect(await targetSaw).toBe("ECONNRESET");
    expect(relay.getStats()).toMatchObject({ resets: 1, open: 0 });

    const again = await connect(relay.port);
    again.write("y");
    await until("a new connection", () => target.conns[1]?.received() === "y");
  });

  it("counts bytes and 0x04-terminated frames per direction", async () => {
    const relay = await relayTo(await echoServer());
    relay.shape({ delayMs: 1, jitterMs: 1, loss: 0, bandwidthBytesPerSec: 100_000 });
    const client = await connect(relay.port);
    const sent = Buffer.from("id:1\x04{\"a\":1}\x04{\"b\"", "latin1");
    const got = readBytes(client, sent.length);
    client.write(sent.subarray(0, 7));
    client.write(sent.subarray(7));
    expect((await got).equals(sent)).toBe(true);
    expect(relay.getStats()).toMatchObject({
      toTarget: { bytes: sent.length, frames: 2 },
      fromTarget: { bytes: sent.length, frames: 2 },
    });
  });
});
