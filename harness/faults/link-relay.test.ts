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
    expect(relay.getStats()).toMatchObject({ connections: 1, bytesForward: 5, bytesBackward: 5, open: 1 });
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
  });
});
