/**
 * The link agent: one per machine of a swarm, on the run's overlay network. It carries the links whose dialers run on
 * its machine (LinkRelay, the same relay the other runtimes run in the harness's process), stops, kills and pauses
 * this run's containers on its machine, removes the run's volumes there, and proxies the harness's requests to the
 * nodes' control APIs (their task addresses are reachable only from the overlay). The routes are listed in api.ts.
 *
 * Every input is parsed; a bad one is answered 400 with what was wrong and what was expected, never a crash. Events
 * (relays opened, faults applied, containers stopped, proxy failures) are logged one line each; reads that the harness
 * polls (health, relay stats, proxied requests that succeed) are not.
 */
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import type { z } from "zod";
import { seededRandom } from "../../../base/seeded-random.js";
import { LinkRelay, type RelayTarget } from "../../../faults/link-relay.js";
import { LABEL_RUN } from "../../docker/labels.js";
import {
  AGENT_NAME,
  AgentToken,
  AWAIT_NODE_HEADER,
  AwaitNodeMs,
  ContainerId,
  ContainerOp,
  describeIssue,
  MAX_PROXY_BODY_BYTES,
  MAX_REQUEST_BYTES,
  OpenRelayRequest,
  PortInPath,
  PrepareVolumeRequest,
  PROXY_ERROR_HEADER,
  ProxyTarget,
  RelayOperation,
  StopSeconds,
  VolumeName,
  type AgentHealth,
  type ContainerAnswer,
  type ContainerOutcome,
  type ErrorAnswer,
  type OpenRelayAnswer,
  type PreparedVolume,
  type ProxyErrorKind,
  type RelayClosed,
  type RelayListing,
  type RelayState,
} from "./api.js";
import { DockerEngineError, DockerSocket, type DockerSocketLike } from "./docker-socket.js";

export interface AgentServerOptions {
  readonly port: number;
  /** Listen address of the API (default 0.0.0.0). */
  readonly host?: string;
  /** The first segment of every route. */
  readonly token: string;
  /** This run's id: only containers labelled sumnet.run=<runId> are touched. */
  readonly runId: string;
  /** The engine (default: the unix socket at /var/run/docker.sock). */
  readonly docker?: DockerSocketLike;
  /** One line per event (default: stdout with a timestamp). */
  readonly log?: (line: string) => void;
  /** Listen address of the relays (default 0.0.0.0). */
  readonly relayHost?: string;
  /** The agent's own image: it runs once to make a DATA_DIR volume writable (volumes/<name>/prepare). */
  readonly image?: string;
}

export interface AgentServer {
  readonly port: number;
  /** Closes every relay and the API (in-flight proxied requests are aborted). */
  close(): Promise<void>;
}

/** A proxied request gets this long from the node, whatever the harness's own timeout. */
const PROXY_TIMEOUT_MS = 60_000;
/** A node that refuses the proxy's connection is tried again this often while the request's AWAIT_NODE_HEADER lasts. */
const AWAIT_RETRY_MS = 100;
const DEFAULT_STOP_SECONDS = 10;

/** An answer that ends the request: status and `{ error }`. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

interface HeldRelay {
  readonly relay: LinkRelay;
  target: RelayTarget;
}

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const token = AgentToken.parse(options.token);
  const docker = options.docker ?? new DockerSocket();
  const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${AGENT_NAME} ${line}`));
  const relays = new Map<number, HeldRelay>();
  const relayHost = options.relayHost ?? "0.0.0.0";
  const tokenBytes = Buffer.from(token);
  const hasToken = (segment: string | undefined): boolean => {
    const given = Buffer.from(segment ?? "");
    return given.length === tokenBytes.length && timingSafeEqual(given, tokenBytes);
  };

  const held = (portText: string): [number, HeldRelay] => {
    const port = parseWith(PortInPath, portText, "port in /relays/<port>");
    const entry = relays.get(port);
    if (!entry) throw new Refusal(404, `no relay on port ${port} (closed, or the agent restarted); open one with POST /relays`);
    return [port, entry];
  };

  const routes = {
    health: (): AgentHealth => ({ agent: AGENT_NAME, runId: options.runId, hostname: os.hostname() }),

    async openRelay(body: unknown): Promise<OpenRelayAnswer> {
      const request = parseWith(OpenRelayRequest, body, "body");
      const relay = await LinkRelay.start({
        target: request.target,
        host: relayHost,
        port: 0,
        random: seededRandom(request.seed),
        ...(request.holdMs === undefined ? {} : { holdMs: request.holdMs }),
      });
      relays.set(relay.port, { relay, target: request.target });
      log(`relay ${relay.port} opened -> ${request.target.host}:${request.target.port} (seed ${request.seed})`);
      return { port: relay.port };
    },

    listRelays: (): RelayListing => ({ relays: [...relays].map(([port, { relay }]) => ({ port, stats: relay.getStats() })) }),

    operate(portText: string, body: unknown): RelayState {
      const [port, entry] = held(portText);
      const operation = parseWith(RelayOperation, body, "body");
      let aborted = 0;
      try {
        switch (operation.op) {
          case "cut":
            entry.relay.cut();
            break;
          case "cut-one-way":
            entry.relay.cutOneWay(operation.direction);
            break;
          case "restore":
            entry.relay.restore();
            break;
          case "reset":
            aborted = entry.relay.reset();
            break;
          case "shape":
            entry.relay.shape(operation.shape);
            break;
          case "retarget":
            entry.relay.retarget(operation.target);
            entry.target = operation.target;
            break;
        }
      } catch (error) {
        throw new Refusal(400, (error as Error).message);
      }
      const { op, ...details } = operation;
      log(`relay ${port} ${op}${Object.keys(details).length > 0 ? ` ${JSON.stringify(details)}` : ""}${op === "reset" ? ` (${aborted} connections)` : ""}`);
      const { relay, target } = entry;
      return {
        port,
        target,
        isCut: relay.isCut,
        blockedDirections: [...relay.blockedDirections],
        shape: relay.currentShape,
        stats: relay.getStats(),
        aborted,
      };
    },

    async closeRelay(portText: string): Promise<RelayClosed> {
      const [port, entry] = held(portText);
      relays.delete(port);
      await entry.relay.close();
      log(`relay ${port} closed`);
      return { port, stats: entry.relay.getStats() };
    },

    async container(idText: string, opText: string, query: URLSearchParams): Promise<ContainerAnswer> {
      const id = parseWith(ContainerId, idText, "container in /containers/<id>/<op>");
      const op = parseWith(ContainerOp, opText, "op in /containers/<id>/<op>");
      const t = query.get("t");
      const seconds = t === null ? DEFAULT_STOP_SECONDS : parseWith(StopSeconds, t, "query t");
      const answer = (outcome: ContainerOutcome): ContainerAnswer => {
        log(`container ${id}: ${op}${op === "stop" ? ` (t=${seconds})` : ""} -> ${outcome}`);
        return { id, op, outcome };
      };
      const labels = await engine(() => docker.containerLabels(id));
      if (labels === undefined) {
        if (op === "stop" || op === "kill") return answer("gone");
        throw new Refusal(404, `no container ${id} on this machine; cannot ${op} it`);
      }
      const owner = labels[LABEL_RUN];
      if (owner !== options.runId) {
        log(`container ${id}: refused ${op} (run ${owner ?? "none"})`);
        throw new Refusal(
          403,
          `container ${id} is ${owner === undefined ? `not sumnet's (no ${LABEL_RUN} label)` : `of run ${owner}`}; ` +
            `this agent only ${op}s containers labelled ${LABEL_RUN}=${options.runId}`,
        );
      }
      switch (op) {
        case "stop":
          return answer(await engine(() => docker.stopContainer(id, seconds)));
        case "kill":
          return answer(await engine(() => docker.killContainer(id)));
        case "pause":
          await engine(() => docker.pauseContainer(id));
          return answer("done");
        case "unpause":
          await engine(() => docker.unpauseContainer(id));
          return answer("done");
      }
    },

    async prepareVolume(nameText: string, body: unknown): Promise<PreparedVolume> {
      const name = parseWith(VolumeName, nameText, "volume name in /volumes/<name>/prepare");
      if (!name.startsWith(`sumnet-${options.runId}-`)) {
        throw new Refusal(403, `volume ${name} is not of run ${options.runId}: this agent prepares only sumnet-${options.runId}-<node>`);
      }
      const request = parseWith(PrepareVolumeRequest, body, "body");
      if (request.labels[LABEL_RUN] !== options.runId) {
        throw new Refusal(400, `body.labels: must carry ${LABEL_RUN}=${options.runId} (so that clean-up finds the volume)`);
      }
      if (!options.image) throw new Refusal(501, "this agent was started without its own image (AGENT_IMAGE): it cannot prepare volumes");
      const image = options.image;
      await engine(() => docker.prepareVolume(name, request.labels, image));
      log(`volume ${name} prepared (writable by any user)`);
      return { name };
    },

    async removeVolumes() {
      const removal = await engine(() => docker.removeVolumes(`${LABEL_RUN}=${options.runId}`));
      log(`volumes: removed ${removal.removed.length}${removal.failed.length > 0 ? `, failed ${removal.failed.map((f) => f.name).join(", ")}` : ""}`);
      return removal;
    },
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    const search = queryAt < 0 ? "" : url.slice(queryAt);
    const [, first, ...route] = (queryAt < 0 ? url : url.slice(0, queryAt)).split("/");
    if (!hasToken(first)) return sendJson(res, 404, { error: "not found" });
    const method = req.method ?? "GET";
    const [resource, a, b] = route;
    const allow = (methods: string, path: string): void => {
      if (!methods.split(" ").includes(method)) throw new Refusal(405, `${path} takes ${methods.split(" ").join(" or ")}, not ${method}`, { allow: methods.replaceAll(" ", ", ") });
    };
    if (resource === "proxy" && a !== undefined) return proxy(req, res, a, `/${route.slice(2).join("/")}${search}`);
    if (resource === "health" && route.length === 1) {
      allow("GET", "/health");
      return sendJson(res, 200, routes.health());
    }
    if (resource === "relays" && route.length === 1) {
      allow("GET POST", "/relays");
      return sendJson(res, method === "GET" ? 200 : 201, method === "GET" ? routes.listRelays() : await routes.openRelay(await readJson(req)));
    }
    if (resource === "relays" && a !== undefined && route.length === 2) {
      allow("POST DELETE", "/relays/<port>");
      return sendJson(res, 200, method === "POST" ? routes.operate(a, await readJson(req)) : await routes.closeRelay(a));
    }
    if (resource === "containers" && a !== undefined && b !== undefined && route.length === 3) {
      allow("POST", "/containers/<id>/<op>");
      return sendJson(res, 200, await routes.container(a, b, new URLSearchParams(search)));
    }
    if (resource === "volumes" && a !== undefined && b === "prepare" && route.length === 3) {
      allow("POST", "/volumes/<name>/prepare");
      return sendJson(res, 200, await routes.prepareVolume(a, await readJson(req)));
    }
    if (resource === "volumes" && a === "remove" && route.length === 2) {
      allow("POST", "/volumes/remove");
      return sendJson(res, 200, await routes.removeVolumes());
    }
    throw new Refusal(
      404,
      `no route ${method} /${route.join("/")}; the agent serves GET /health, GET|POST /relays, POST|DELETE /relays/<port>, ` +
        "POST /containers/<id>/<stop|kill|pause|unpause>, POST /volumes/<name>/prepare, POST /volumes/remove, and /proxy/<host>:<port>/<path>",
    );
  };

  /** Forwards one request to a node's control API and its answer back, both bounded; the harness aborting aborts it. */
  const proxy = async (req: http.IncomingMessage, res: http.ServerResponse, targetText: string, path: string): Promise<void> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(targetText);
    } catch {
      throw new Refusal(400, `proxy target ${JSON.stringify(targetText)}: must be <host>:<port>, e.g. 10.0.1.5:8080`);
    }
    const target = parseWith(ProxyTarget, decoded, "proxy target");
    const where = `${target.host}:${target.port}`;
    const fail = (status: number, kind: ProxyErrorKind, why: string): void => {
      log(`proxy ${req.method} ${where}${path}: ${why}`);
      sendJson(res, status, { error: `${where}: ${why}` }, { [PROXY_ERROR_HEADER]: kind });
    };
    const read = await readBounded(req, MAX_PROXY_BODY_BYTES);
    if (read === undefined) return fail(413, "not-sent", `request body over ${MAX_PROXY_BODY_BYTES} bytes; not forwarded`);
    const body: Buffer = read;
    const contentType = req.headers["content-type"];
    const awaitText = req.headers[AWAIT_NODE_HEADER];
    const awaitMs = awaitText === undefined ? 0 : parseWith(AwaitNodeMs, awaitText, `header ${AWAIT_NODE_HEADER}`);
    const giveUpAt = performance.now() + awaitMs;
    // The harness gave up (its timeout, or it stopped): so does the agent.
    let upstream: http.ClientRequest | undefined;
    res.once("close", () => {
      if (!res.writableFinished) upstream?.destroy();
    });
    // A node that refuses the connection (still booting) is tried again while the harness's wait lasts.
    while ((await forward()) === "refused") {
      if (res.destroyed) return;
      if (performance.now() + AWAIT_RETRY_MS >= giveUpAt) {
        return fail(502, "not-sent", `cannot reach the node (ECONNREFUSED${awaitMs ? `, tried for ${awaitMs} ms` : ""})`);
      }
      await new Promise((resolve) => setTimeout(resolve, AWAIT_RETRY_MS));
    }

    /** One attempt: settles "done" once an answer (the node's or a failure) is sent, "refused" if nothing was. */
    function forward(): Promise<"done" | "refused"> {
      return new Promise((settle) => {
        const resolve = (): void => settle("done");
        let connected = false;
        const attempt = http.request(
          {
            host: target.host,
            port: target.port,
            method: req.method,
            path,
            agent: false,
            timeout: PROXY_TIMEOUT_MS,
            headers: { ...(contentType ? { "content-type": contentType } : {}), "content-length": String(body.length) },
          },
          (answer) => {
            readBounded(answer, MAX_PROXY_BODY_BYTES).then(
              (content) => {
                if (content === undefined) {
                  attempt.destroy();
                  fail(502, "broken", `answer over ${MAX_PROXY_BODY_BYTES} bytes; cut off`);
                } else if (!res.destroyed) {
                  const type = answer.headers["content-type"];
                  res.writeHead(answer.statusCode ?? 502, { ...(type ? { "content-type": type } : {}), "content-length": content.length });
                  res.end(content);
                }
                resolve();
              },
              (error: Error) => {
                fail(502, "broken", `broke off its answer (${error.message})`);
                resolve();
              },
            );
          },
        );
        upstream = attempt;
        attempt.on("socket", (socket: net.Socket) => socket.once("connect", () => (connected = true)));
        attempt.on("timeout", () => attempt.destroy(Object.assign(new Error(`no answer within ${PROXY_TIMEOUT_MS} ms`), { code: "timeout" })));
        attempt.on("error", (error: NodeJS.ErrnoException) => {
          if (res.writableEnded || res.destroyed) return resolve();
          if (error.code === "timeout") fail(504, "timeout", error.message);
          else if (!connected && error.code === "ECONNREFUSED") return settle("refused");
          else if (!connected) fail(502, "not-sent", `cannot reach the node (${error.code ?? error.message})`);
          else fail(502, "broken", `connection to the node failed (${error.code ?? error.message})`);
          resolve();
        });
        attempt.on("close", () => {
          // Destroyed because the harness went away (above): nothing more will be answered.
          if (res.destroyed) resolve();
        });
        attempt.end(body);
      });
    }
  };

  const server = http.createServer((req, res) => {
    // One request per connection: a client that reuses a kept-alive connection just as the server times it out gets
    // "other side closed" (seen under load, starting 50 nodes). A connection per request costs little here.
    res.shouldKeepAlive = false;
    handle(req, res).catch((error: unknown) => {
      if (error instanceof Refusal) return sendJson(res, error.status, { error: error.message }, error.headers);
      log(`error on ${req.method} ${redact(req.url ?? "", token)}: ${(error as Error).stack ?? String(error)}`);
      sendJson(res, 500, { error: `the agent failed: ${(error as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  log(`listening on ${options.host ?? "0.0.0.0"}:${port} for run ${options.runId} (relays on ${relayHost})`);

  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= (async () => {
        const open = [...relays.values()];
        relays.clear();
        await Promise.all(open.map((entry) => entry.relay.close()));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        log(`closed (${open.length} relays)`);
      })()),
  };
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Refusal(400, describeIssue(parsed.error, what));
  return parsed.data;
}

/** An engine call; the engine's refusal becomes the answer (409 as is: already paused, not paused), else 502. */
async function engine<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof DockerEngineError)) throw error;
    throw new Refusal(error.status === 409 ? 409 : 502, error.message);
  }
}

/** The body as JSON (an empty body is `{}`), at most MAX_REQUEST_BYTES. */
async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const body = await readBounded(req, MAX_REQUEST_BYTES);
  if (body === undefined) throw new Refusal(413, `body over ${MAX_REQUEST_BYTES} bytes; the agent's requests are small JSON objects`);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch (error) {
    throw new Refusal(400, `body is not JSON (${(error as Error).message}); expected a JSON object`);
  }
}

/** The whole stream, or undefined as soon as it passes `limit` bytes (the rest is not read). */
function readBounded(stream: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.pause();
        stream.removeAllListeners("data");
        resolve(undefined);
      } else chunks.push(chunk);
    });
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
    stream.on("aborted", () => reject(new Error("aborted")));
  });
}

function sendJson(res: http.ServerResponse, status: number, body: object | ErrorAnswer, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function redact(url: string, token: string): string {
  return url.replaceAll(token, "<token>");
}
