/**
 * The web dashboard: a small HTTP server that polls the network and pushes each view to open pages with Server-Sent
 * Events. Everything the page needs is served from this package (hand-written HTML, CSS and JS in ./static); the
 * Content-Security-Policy forbids loading anything from elsewhere.
 *
 * The page's buttons post to `POST /actions` (runner/live.ts gives the body's schema): the harness's own networks
 * carry out every action as a step; a list of URLs (`sumnet watch --web`) allows what a control API allows, adding
 * numbers. Only pages of this dashboard may post (the Origin must be its own; on a loopback address the Host must be
 * too, so no other site can drive it, even through DNS rebinding). `GET /session.yaml` saves what was done as a
 * scenario file.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { addNumbers } from "../../contract/peer-client.js";
import { describeAction, liveActionSchema, type LiveAction, type LiveOutcome } from "../runner/live.js";
import { canonicalInteger } from "../scenario/plan.js";
import type { NetworkView } from "./network-view.js";
import { NetworkPoller, type PollerOptions } from "./network-poller.js";
import type { WatchSource } from "./watch-source.js";

export interface DashboardOptions extends PollerOptions {
  source: WatchSource;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 inside a container. */
  host?: string;
}

export interface StartedDashboard extends AsyncDisposable {
  /** e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  poller: NetworkPoller;
  close(): Promise<void>;
}

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "dashboard.html", type: "text/html; charset=utf-8" },
  "/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
  "/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};

/** The assets sit beside this file in the source tree; compiled code in dist/ finds them in the package's source. */
export function staticDirectory(): string {
  const candidates = [new URL("./static/", import.meta.url), new URL("../../../harness/watch/static/", import.meta.url)];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(`${path}dashboard.html`)) return path;
  }
  throw new Error(`dashboard assets not found; looked in ${candidates.map((c) => fileURLToPath(c)).join(" and ")}`);
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
};

export async function startDashboard(options: DashboardOptions): Promise<StartedDashboard> {
  const directory = staticDirectory();
  const host = options.host ?? "127.0.0.1";
  const poller = new NetworkPoller(options.source, options);
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, view: NetworkView) => res.write(`event: view\ndata: ${JSON.stringify(view)}\n\n`);
  poller.subscribe((view) => {
    for (const res of streams) send(res, view);
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://dashboard").pathname;
    if (path === "/actions") {
      await actionRequest(req, res, options, poller, loopback(host));
      return;
    }
    if (path === "/session.yaml" && (req.method === "GET" || req.method === "HEAD")) {
      const session = options.source.session?.();
      if (!session) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "no session recorded: this dashboard watches a list of nodes, or no scenario has started" }));
        return;
      }
      const body = `# A session of sumnet run --watch, saved ${new Date().toISOString()}: replay it with sumnet run session.yaml\n${stringify(session, { lineWidth: 0 })}`;
      res
        .writeHead(200, { ...SECURITY_HEADERS, "content-type": "application/yaml; charset=utf-8", "content-disposition": 'attachment; filename="session.yaml"' })
        .end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" }).end(JSON.stringify({ error: "only GET" }));
      return;
    }
    if (path === "/events") {
      res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream", connection: "keep-alive" });
      res.write("retry: 1000\n\n");
      if (poller.latest) send(res, poller.latest);
      streams.add(res);
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
      req.on("close", () => {
        clearInterval(heartbeat);
        streams.delete(res);
      });
      return;
    }
    if (path === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", service: "sumnet dashboard" }));
      return;
    }
    if (path === "/view.json") {
      res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "application/json" }).end(JSON.stringify(poller.latest ?? null));
      return;
    }
    const asset = STATIC_FILES[path];
    if (!asset) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no such page: ${path}` }));
      return;
    }
    const body = await readFile(`${directory}${asset.file}`);
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": asset.type }).end(req.method === "HEAD" ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  try {
    await poller.start();
  } catch (error) {
    server.closeAllConnections();
    server.close();
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await poller.stop();
      for (const res of streams) res.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };
  return { url: `http://${shownHost}:${port}/`, port, poller, close, [Symbol.asyncDispose]: close };
}

/** Largest body of `POST /actions`: an action with 100 numbers of 1000 digits fits. */
const MAX_ACTION_BODY = 128 * 1024;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void =>
  void res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

function loopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost" || host.startsWith("127.");
}

/** Host names a page of a loopback dashboard is loaded from. */
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `POST /actions`: parse, check who asks, carry out; the answer says what happened, as the page shows it. */
async function actionRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: DashboardOptions,
  poller: NetworkPoller,
  onLoopback: boolean,
): Promise<void> {
  if (req.method !== "POST") return json(res, 405, { error: "POST an action, e.g. {\"kind\":\"inject\",\"node\":\"n1\",\"values\":[5]}" }, { allow: "POST" });
  const hostHeader = req.headers.host ?? "";
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${hostHeader}`) {
    return json(res, 403, { error: `actions are taken only from this dashboard's own page (Origin ${origin} is not http://${hostHeader})` });
  }
  if (onLoopback && !LOOPBACK_NAMES.has(hostHeader.replace(/:\d+$/, ""))) {
    return json(res, 403, { error: `this dashboard listens on a loopback address; Host ${JSON.stringify(hostHeader)} is not one of its names` });
  }
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    return json(res, 415, { error: `expected content-type application/json, got ${JSON.stringify(req.headers["content-type"] ?? "none")}` });
  }
  const text = await readBody(req, MAX_ACTION_BODY);
  if (text === undefined) return json(res, 413, { error: `an action is at most ${MAX_ACTION_BODY} bytes` });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return json(res, 400, { error: `the body is not JSON: ${(error as Error).message}` });
  }
  const parsed = liveActionSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "the action";
    return json(res, 400, { error: `${where}: ${issue?.message ?? "invalid"} (expected e.g. {"kind":"inject","node":"n1","values":[5]}, {"kind":"kill","node":"n2"}, {"kind":"cut","a":"n1","b":"n2"}, {"kind":"hold"})` });
  }
  const outcome = await carryOut(parsed.data, options.source.act?.bind(options.source), poller);
  json(res, outcome.status, outcome.body);
}

/** The source carries the action out; without one (a list of URLs), only numbers can be added, posted to the node. */
async function carryOut(
  action: LiveAction,
  act: ((action: LiveAction) => Promise<LiveOutcome>) | undefined,
  poller: NetworkPoller,
): Promise<{ status: number; body: LiveOutcome }> {
  if (act) {
    const outcome = await act(action);
    return { status: outcome.ok ? 200 : 409, body: outcome };
  }
  if (action.kind !== "inject") {
    return { status: 409, body: { ok: false, message: `${describeAction(action)}: this dashboard watches a list of nodes; it can add numbers, not ${action.kind}` } };
  }
  const node = poller.latest?.nodes.find((n) => n.id === action.node || n.key === action.node);
  if (!node) return { status: 409, body: { ok: false, message: `no node ${action.node} is watched` } };
  try {
    await addNumbers(node.url, action.values.map(canonicalInteger), 15_000);
    return { status: 200, body: { ok: true, message: describeAction(action) } };
  } catch (error) {
    return { status: 409, body: { ok: false, message: `${describeAction(action)}: ${(error as Error).message}` } };
  }
}
