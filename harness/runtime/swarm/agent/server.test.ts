import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { addNumbers, ControlError, getHealth } from "../../../../contract/peer-client.js";
import { CLEAN_LINK } from "../../../network/spec.js";
import { freePort } from "../../local/free-port.js";
import { AgentClient, AgentError, type RemoteRelay } from "../agent-client.js";
import { AWAIT_NODE_HEADER, PROXY_ERROR_HEADER, type ContainerOutcome, type VolumeRemoval } from "./api.js";
import type { DockerSocketLike } from "./docker-socket.js";
import { startAgentServer } from "./server.js";

const RUN = "run-under-test";
const TOKEN = "test-token-0123456789abcdef";

/** Whatever a test starts, closed after it, also when it fails (last started, first closed). */
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The engine as the agent sees it: containers with labels; every call is recorded. */
class FakeDocker implements DockerSocketLike {
  readonly calls: string[] = [];
  readonly labels = new Map<string, Record<string, string>>([
    ["mine", { "sumnet.run": RUN }],
    ["theirs", { "sumnet.run": "another-run" }],
    ["stranger", {}],
  ]);
  async stopContainer(id: string, seconds: number): Promise<ContainerOutcome> {
    this.calls.push(`stop ${id} ${seconds}`);
    return "done";
  }
  async killContainer(id: string): Promise<ContainerOutcome> {
    this.calls.push(`kill ${id}`);
    return "done";
  }
  async pauseContainer(id: string): Promise<void> {
    this.calls.push(`pause ${id}`);
  }
  async unpauseContainer(id: string): Promise<void> {
    this.calls.push(`unpause ${id}`);
  }
  async containerLabels(id: string): Promise<Record<string, string> | undefined> {
    return this.labels.get(id);
  }
  async removeVolumes(labelFilter: string): Promise<VolumeRemoval> {
    this.calls.push(`volumes ${labelFilter}`);
    return { removed: ["data-n1"], failed: [{ name: "data-n2", error: "volume is in use" }] };
  }
  async prepareVolume(name: string, labels: Readonly<Record<string, string>>, image: string): Promise<void> {
    this.calls.push(`prepare ${name} ${JSON.stringify(labels)} ${image}`);
  }
}

interface Agent {
  readonly client: AgentClient;
  readonly docker: FakeDocker;
  readonly port: number;
  readonly logged: string[];
  /** Raw request to `/<token><path>` (or another path with `{ raw: true }`). */
  fetch(path: string, init?: RequestInit & { raw?: boolean }): Promise<Response>;
}

async function startAgent(): Promise<Agent> {
  const docker = new FakeDocker();
  const logged: string[] = [];
  const server = await startAgentServer({ port: 0, host: "127.0.0.1", relayHost: "127.0.0.1", token: TOKEN, runId: RUN, docker, image: "sumnet/agent:test", log: (l) => logged.push(l) });
  cleanups.push(() => server.close());
  const client = new AgentClient(`http://127.0.0.1:${server.port}/${TOKEN}`, "test-machine", { timeoutMs: 5000 });
  cleanups.push(() => client.stopStatsPolling());
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    client,
    docker,
    port: server.port,
    logged,
    fetch: (path, init = {}) => fetch(init.raw ? `${origin}${path}` : `${origin}/${TOKEN}${path}`, init),
  };
}

/** A node's P2P port: records what each connection received; echoes it back when asked to. */
class TcpTarget {
  readonly connections: { socket: net.Socket; received: string }[] = [];
  /** The texts received, in arrival order over all connections. */
  readonly arrivals: string[] = [];
  private constructor(
    private readonly server: net.Server,
    readonly echo: boolean,
  ) {}

  static async start(echo: boolean): Promise<TcpTarget> {
    const target: TcpTarget = new TcpTarget(
      net.createServer((socket) => {
        const connection = { socket, received: "" };
        target.connections.push(connection);
        socket.on("error", () => undefined);
        socket.on("data", (chunk: Buffer) => {
          connection.received += chunk.toString();
          target.arrivals.push(chunk.toString());
          if (target.echo) socket.write(chunk);
        });
      }),
      echo,
    );
    await new Promise<void>((resolve) => target.server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      for (const c of target.connections) c.socket.destroy();
      return new Promise((resolve) => target.server.close(resolve));
    });
    return target;
  }

  get address(): { host: string; port: number } {
    return { host: "127.0.0.1", port: (this.server.address() as net.AddressInfo).port };
  }
}

/** A dialer's connection to a relay: what it received so far, and whether the relay closed it. */
interface Dialed {
  readonly socket: net.Socket;
  readonly text: () => string;
  readonly closed: Promise<void>;
}

function dial(port: number): Dialed {
  const socket = net.connect({ host: "127.0.0.1", port });
  cleanups.push(() => void socket.destroy());
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
  socket.on("error", () => undefined);
  return { socket, text: () => text, closed: new Promise((resolve) => socket.once("close", () => resolve())) };
}

/** Waits until `condition` holds (checked every 10 ms), failing after 5 s with `what`. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function relayTo(agent: Agent, target: TcpTarget, seed = 1): Promise<RemoteRelay> {
  const relay = await agent.client.openRelay(target.address, seed, 0);
  cleanups.push(() => relay.close());
  return relay;
}

/** An HTTP server standing in for a node's control API: answers what it was asked. */
async function controlApi(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

describe("link agent: relays driven through AgentClient and RemoteRelay", () => {
  it("answers health, and carries bytes both ways, counted once refreshStats ran", async () => {
    const agent = await startAgent();
    expect(await agent.client.health()).toMatchObject({ agent: "sumnet-agent", runId: RUN });
    // One request per connection: no kept-alive connection for a client to reuse as the server drops it.
    expect((await fetch(`${agent.client.origin}/${TOKEN}/health`)).headers.get("connection")).toBe("close");
    const target = await TcpTarget.start(true);
    const relay = await relayTo(agent, target);
    const dialer = dial(relay.port);
    dialer.socket.write("hello");
    await until("the echo", () => dialer.text() === "hello");
    expect(relay.getStats().toTarget.bytes, "stats come from the agent, not yet read").toBe(0);
    await agent.client.refreshStats();
    expect(relay.getStats()).toMatchObject({ connections: 1, open: 1, toTarget: { bytes: 5 }, fromTarget: { bytes: 5 } });
    expect(agent.logged.some((l) => l.includes(`relay ${relay.port} opened -> 127.0.0.1:${target.address.port}`))).toBe(true);
  });

  it("cut breaks the live connection and refuses new ones; restore lets them through again", async () => {
    const agent = await startAgent();
    const target = await TcpTarget.start(true);
    const relay = await relayTo(agent, target);
    const live = dial(relay.port);
    live.socket.write("a");
    await until("the echo", () => live.text() === "a");
    await relay.cut();
    expect(relay.isCut).toBe(true);
    await live.closed;
    const refused = dial(relay.port);
    refused.socket.write("lost");
    await refused.closed;
    expect(refused.text()).toBe("");
    expect(target.connections).toHaveLength(1);
    await relay.restore();
    expect(relay.isCut).toBe(false);
    const again = dial(relay.port);
    again.socket.write("b");
    await until("the echo after restore", () => again.text() === "b");
    await agent.client.refreshStats();
    expect(relay.getStats().refused).toBe(1);
  });

  it("a one-way cut holds one direction while the other flows; restore delivers what was held", async () => {
    const agent = await startAgent();
    const target = await TcpTarget.start(false);
    const relay = await relayTo(agent, target);
    const dialer = dial(relay.port);
    await until("the connection to reach the target", () => target.connections.length === 1);
    await relay.cutOneWay("toTarget");
    expect(relay.blockedDirections).toEqual(["toTarget"]);
    dialer.socket.write("ping");
    // The dialer wrote first; its bytes are held while the answer crosses the other way.
    target.connections[0]?.socket.write("pong");
    await until("pong at the dialer", () => dialer.text() === "pong");
    expect(target.connections[0]?.received).toBe("");
    await relay.restore();
    expect(relay.blockedDirections).toEqual([]);
    await until("ping at the target after restore", () => target.connections[0]?.received === "ping");
  });

  it("shape delays one link's bytes behind another's, mirrored in currentShape; CLEAN_LINK clears it", async () => {
    const agent = await startAgent();
    const target = await TcpTarget.start(false);
    const slow = await relayTo(agent, target, 1);
    const fast = await relayTo(agent, target, 2);
    const shape = { delayMs: 1500, jitterMs: 0, loss: 0 };
    await slow.shape(shape);
    expect(slow.currentShape).toEqual(shape);
    const viaSlow = dial(slow.port);
    const viaFast = dial(fast.port);
    await until("both connections at the target", () => target.connections.length === 2);
    viaSlow.socket.write("first written");
    viaFast.socket.write("second written");
    await until("both texts at the target", () => target.arrivals.join("").length === "first written".length + "second written".length);
    expect(target.arrivals.join("")).toBe("second writtenfirst written");
    await slow.shape(CLEAN_LINK);
    expect(slow.currentShape).toEqual(CLEAN_LINK);
    expect(() => slow.shape({ delayMs: -1, jitterMs: 0, loss: 0 })).toThrow(RangeError);
    expect(() => slow.shape({ delayMs: 0, jitterMs: 0, loss: 1 })).toThrow(/loss/);
    expect(slow.currentShape, "a refused shape changes nothing").toEqual(CLEAN_LINK);
  });

  it("retarget sends new connections to the new target; existing ones keep theirs", async () => {
    const agent = await startAgent();
    const before = await TcpTarget.start(true);
    const after = await TcpTarget.start(true);
    const relay = await relayTo(agent, before);
    const old = dial(relay.port);
    await until("the first connection", () => before.connections.length === 1);
    await relay.retarget(after.address);
    const fresh = dial(relay.port);
    fresh.socket.write("new");
    old.socket.write("old");
    await until("both echoes", () => fresh.text() === "new" && old.text() === "old");
    expect(after.connections.map((c) => c.received)).toEqual(["new"]);
    expect(before.connections.map((c) => c.received)).toEqual(["old"]);
  });

  it("applies operations in call order; a failed one rejects alone and the next still goes", async () => {
    const agent = await startAgent();
    const target = await TcpTarget.start(true);
    const relay = await relayTo(agent, target);
    const unanswered = [relay.cut(), relay.restore(), relay.cutOneWay("fromTarget"), relay.cut()];
    expect(relay.isCut).toBe(true);
    expect(relay.blockedDirections).toEqual(["fromTarget"]);
    await Promise.all(unanswered);
    const state = await agent.client.operateRelay(relay.port, { op: "cut-one-way", direction: "fromTarget" });
    expect({ isCut: state.isCut, blockedDirections: state.blockedDirections }).toEqual({ isCut: true, blockedDirections: ["fromTarget"] });

    const operate = agent.client.operateRelay.bind(agent.client);
    let failNext = true;
    agent.client.operateRelay = (port, operation) => {
      if (!failNext) return operate(port, operation);
      failNext = false;
      return Promise.reject(new AgentError("the agent went away"));
    };
    const failing = relay.reset();
    const next = relay.restore();
    await expect(failing).rejects.toThrow("the agent went away");
    await next;
    const restored = await operate(relay.port, { op: "restore" });
    expect({ isCut: restored.isCut, blockedDirections: restored.blockedDirections }).toEqual({ isCut: false, blockedDirections: [] });
  });

  it("close deletes the relay after the operations before it, keeping its final stats; a relay already gone counts as closed", async () => {
    const agent = await startAgent();
    const target = await TcpTarget.start(true);
    const relay = await agent.client.openRelay(target.address, 1);
    const dialer = dial(relay.port);
    dialer.socket.write("bytes");
    await until("the echo", () => dialer.text() === "bytes");
    await relay.close();
    await dialer.closed;
    expect(relay.getStats()).toMatchObject({ open: 0, toTarget: { bytes: 5 }, fromTarget: { bytes: 5 } });
    expect((await agent.client.listRelays()).relays).toEqual([]);
    const refused = dial(relay.port);
    await refused.closed;
    await relay.close();

    const other = await agent.client.openRelay(target.address, 2);
    expect((await agent.fetch(`/relays/${other.port}`, { method: "DELETE" })).status).toBe(200);
    await other.close();
  });
});

describe("link agent: proxy to a node's control API", () => {
  it("forwards GET and POST with query, content-type and body, and the node's status, content-type and body back", async () => {
    const agent = await startAgent();
    const nodePort = await controlApi((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (req.url === "/health") {
          res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok","node":"n1"}');
        } else if (req.url === "/numbers" && req.method === "POST") {
          res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ got: JSON.parse(body) }));
        } else {
          res.writeHead(418, { "content-type": "text/plain" }).end(`${req.method} ${req.url} ${req.headers["content-type"]} ${body}`);
        }
      });
    });
    const base = agent.client.proxyUrl("127.0.0.1", nodePort);
    // The peer contract's client takes a base URL with a path.
    expect(await getHealth(base)).toEqual({ status: "ok", node: "n1" });
    expect(await addNumbers(base, ["5", "-7"])).toEqual({ got: { values: ["5", "-7"] } });
    const odd = await fetch(`${base}/other/path?x=1&y=two`, { method: "PUT", body: "raw", headers: { "content-type": "text/x-test" } });
    expect(odd.status).toBe(418);
    expect(odd.headers.get("content-type")).toBe("text/plain");
    expect(await odd.text()).toBe("PUT /other/path?x=1&y=two text/x-test raw");
  });

  it("answers 502 naming the target when nothing listens there, marked as not sent", async () => {
    const agent = await startAgent();
    const port = await freePort();
    const answer = await fetch(`${agent.client.proxyUrl("127.0.0.1", port)}/health`);
    expect(answer.status).toBe(502);
    expect(answer.headers.get(PROXY_ERROR_HEADER)).toBe("not-sent");
    expect(((await answer.json()) as { error: string }).error).toContain(`127.0.0.1:${port}`);
    expect(agent.logged.some((l) => l.includes(`127.0.0.1:${port}`))).toBe(true);
    // The contract's client takes it as the failure of a direct connection: no status, certainly not sent.
    const failure = await addNumbers(agent.client.proxyUrl("127.0.0.1", port), ["1"]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ControlError);
    expect(failure).toMatchObject({ status: undefined, sent: false, timedOut: false });
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it("with the await header, tries a node that refuses again until it listens, and answers not-sent once the wait is over", async () => {
    const agent = await startAgent();
    const port = await freePort();
    const base = agent.client.proxyUrl("127.0.0.1", port);
    // Nothing listens for the first 400 ms: one request waits the node's boot out.
    const started = performance.now();
    const health = getHealth(base, 5000, { awaitNodeMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok","node":"n7"}'));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    expect(await health).toEqual({ status: "ok", node: "n7" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    // A wait that runs out is the failure it always was, saying how long it tried.
    const nowhere = await freePort();
    const failure = await getHealth(agent.client.proxyUrl("127.0.0.1", nowhere), 5000, { awaitNodeMs: 300 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: undefined, sent: false });
    expect((failure as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${nowhere}: cannot reach the node \\(ECONNREFUSED, tried for 300 ms\\)`));
    // A header that is not a wait is refused with the reason.
    const bad = await fetch(`${base}/health`, { headers: { [AWAIT_NODE_HEADER]: "soon" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/header x-sumnet-await-ms.*must be a number of milliseconds/);
    const tooLong = await fetch(`${base}/health`, { headers: { [AWAIT_NODE_HEADER]: "60000" } });
    expect(tooLong.status).toBe(400);
  });

  it("aborts the request to the node when the harness gives up on it", async () => {
    const agent = await startAgent();
    let upstreamClosed = false;
    let arrived = false;
    const nodePort = await controlApi((req) => {
      arrived = true;
      req.socket.on("close", () => (upstreamClosed = true));
    });
    const giveUp = new AbortController();
    const request = fetch(`${agent.client.proxyUrl("127.0.0.1", nodePort)}/total`, { signal: giveUp.signal });
    request.catch(() => undefined);
    await until("the request at the node", () => arrived);
    giveUp.abort();
    await expect(request).rejects.toThrow();
    await until("the node's connection to close", () => upstreamClosed);
  });

  it("refuses a request body over 8 MiB with 413, an answer over 8 MiB with 502, a target not <host>:<port> with 400", async () => {
    const agent = await startAgent();
    const nodePort = await controlApi((req, res) => {
      req.resume();
      res.end(req.url === "/huge" ? Buffer.alloc(8 * 1024 * 1024 + 1) : "small");
    });
    const huge = await fetch(`${agent.client.proxyUrl("127.0.0.1", nodePort)}/huge`);
    expect(huge.status).toBe(502);
    expect(huge.headers.get(PROXY_ERROR_HEADER)).toBe("broken");
    expect(((await huge.json()) as { error: string }).error).toBe(`127.0.0.1:${nodePort}: answer over 8388608 bytes; cut off`);
    const big = await fetch(`${agent.client.proxyUrl("127.0.0.1", nodePort)}/numbers`, { method: "POST", body: Buffer.alloc(8 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/over 8388608 bytes/);
    const bad = await agent.fetch("/proxy/no-port/health");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/proxy target: must be <host>:<port>/);
  });
});

describe("link agent: refusals", () => {
  it("answers 404 without the token, and 400 with the reason for bad paths and bodies", async () => {
    const agent = await startAgent();
    for (const path of ["/health", "/wrong-token-0123456789abcdef/health", `/${TOKEN}x/health`]) {
      const answer = await agent.fetch(path, { raw: true });
      expect(answer.status, path).toBe(404);
      expect(await answer.json()).toEqual({ error: "not found" });
    }
    const post = (path: string, body: string): Promise<Response> => agent.fetch(path, { method: "POST", body, headers: { "content-type": "application/json" } });
    const cases: [() => Promise<Response>, number, RegExp][] = [
      [() => post("/relays", '{"target":{"host":"h","port":70000},"seed":1}'), 400, /^body\.target\.port: must be 0 \(nowhere\) to 65535$/],
      [() => post("/relays", '{"target":{"host":"h","port":1}}'), 400, /^body\.seed: must be a number$/],
      [() => post("/relays", "{not json"), 400, /body is not JSON/],
      [() => post("/relays/abc", '{"op":"cut"}'), 400, /port in \/relays\/<port>: must be a port number/],
      [() => post("/relays/1", '{"op":"cut"}'), 404, /no relay on port 1/],
      [() => agent.fetch("/relays", { method: "PUT" }), 405, /\/relays takes GET or POST, not PUT/],
      [() => agent.fetch("/nothing"), 404, /no route GET \/nothing/],
      [() => agent.fetch("/proxy/127.0.0.1:0/health"), 400, /proxy target\.port: must be 1 to 65535/],
    ];
    for (const [request, status, message] of cases) {
      const a = await request();
      expect({ status: a.status, error: ((await a.json()) as { error: string }).error }).toEqual({ status, error: expect.stringMatching(message) });
    }
    const target = await TcpTarget.start(true);
    const relay = await relayTo(agent, target);
    const badOps: [string, RegExp][] = [
      ['{"op":"explode"}', /^body\.op: must be one of "cut", "cut-one-way"/],
      ['{"op":"cut-one-way","direction":"sideways"}', /body\.direction: must be "toTarget"/],
      ['{"op":"shape","shape":{"delayMs":10,"jitterMs":0,"loss":1}}', /body\.shape\.loss: must be below 1/],
      ['{"op":"shape","shape":{"delayMs":10,"jitterMs":0,"loss":0,"extra":1}}', /body\.shape: .*extra/i],
    ];
    for (const [body, message] of badOps) {
      const a = await post(`/relays/${relay.port}`, body);
      expect({ status: a.status, error: ((await a.json()) as { error: string }).error }).toEqual({ status: 400, error: expect.stringMatching(message) });
    }
  });
});

describe("link agent: containers and volumes of this run only", () => {
  it("stops, kills, pauses and unpauses a container of this run, and refuses one of another run with 403", async () => {
    const agent = await startAgent();
    expect(await agent.client.containerOp("mine", "stop", 3)).toEqual({ id: "mine", op: "stop", outcome: "done" });
    await agent.client.containerOp("mine", "kill");
    await agent.client.containerOp("mine", "pause");
    await agent.client.containerOp("mine", "unpause");
    expect(agent.docker.calls).toEqual(["stop mine 3", "kill mine", "pause mine", "unpause mine"]);

    for (const id of ["theirs", "stranger"]) {
      const refusal = agent.client.containerOp(id, "kill");
      await expect(refusal).rejects.toMatchObject({ status: 403 });
      await expect(refusal).rejects.toThrow(new RegExp(`container ${id} is .*; this agent only kills containers labelled sumnet.run=${RUN}`));
    }
    expect(agent.docker.calls).toHaveLength(4);
    expect(await agent.client.containerOp("vanished", "stop")).toMatchObject({ outcome: "gone" });
    await expect(agent.client.containerOp("vanished", "pause")).rejects.toMatchObject({ status: 404 });
    const badSeconds = await agent.fetch("/containers/mine/stop?t=soon", { method: "POST" });
    expect(badSeconds.status).toBe(400);
    const badOp = await agent.fetch("/containers/mine/explode", { method: "POST" });
    expect(((await badOp.json()) as { error: string }).error).toMatch(/op in \/containers\/<id>\/<op>: must be "stop", "kill", "pause" or "unpause"/);
  });

  it("removes the volumes labelled with this run, answering what failed", async () => {
    const agent = await startAgent();
    expect(await agent.client.removeVolumes()).toEqual({ removed: ["data-n1"], failed: [{ name: "data-n2", error: "volume is in use" }] });
    expect(agent.docker.calls).toEqual([`volumes sumnet.run=${RUN}`]);
  });

  it("prepares a DATA_DIR volume of this run (labelled, with its own image), and refuses one of another run or unlabelled", async () => {
    const agent = await startAgent();
    const labels = { "sumnet.run": RUN, "sumnet.node": "n1" };
    expect(await agent.client.prepareVolume(`sumnet-${RUN}-n1`, labels)).toEqual({ name: `sumnet-${RUN}-n1` });
    expect(agent.docker.calls).toEqual([`prepare sumnet-${RUN}-n1 ${JSON.stringify(labels)} sumnet/agent:test`]);
    await expect(agent.client.prepareVolume("sumnet-other-n1", { "sumnet.run": "other" })).rejects.toThrow(/403: volume sumnet-other-n1 is not of run/);
    await expect(agent.client.prepareVolume(`sumnet-${RUN}-n2`, {})).rejects.toThrow(/400: body.labels: must carry sumnet.run=/);
    await expect(agent.client.prepareVolume("not-ours", labels)).rejects.toThrow(/400: .*must be a volume of sumnet's/);
    expect(agent.docker.calls.length).toBe(1);
  });

  it("names the agent by machine and address, never by its token, when it cannot be reached", async () => {
    const port = await freePort();
    const client = new AgentClient(`http://127.0.0.1:${port}/${TOKEN}`, "far-machine", { timeoutMs: 2000 });
    const failure = client.health().catch((error: Error) => error);
    await expect(failure).resolves.toBeInstanceOf(AgentError);
    const message = (await failure as Error).message;
    expect(message).toContain(`link agent on far-machine (http://127.0.0.1:${port}) did not answer GET /health`);
    expect(message).not.toContain(TOKEN);
  });
});
