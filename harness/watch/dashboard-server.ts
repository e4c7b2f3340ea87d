/**
 * The web dashboard: a small HTTP server that polls the network and pushes each view to open pages with Server-Sent
 * Events. Everything the page needs is served from this package (hand-written HTML, CSS and JS in ./static); the
 * Content-Security-Policy forbids loading anything from elsewhere.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
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
  const poller = new NetworkPoller(options.source, options);
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, view: NetworkView) => res.write(`event: view\ndata: ${JSON.stringify(view)}\n\n`);
  poller.subscribe((view) => {
    for (const res of streams) send(res, view);
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://dashboard").pathname;
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
  const host = options.host ?? "127.0.0.1";
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
