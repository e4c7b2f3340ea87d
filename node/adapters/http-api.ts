/**
 * The control API: a thin HTTP adapter. Bodies are parsed losslessly (a JSON integer of any size keeps every digit;
 * a float or exponent form can be told apart from an integer) and then checked with the contract's schemas
 * (contract/http-api.ts), the same ones the harness reads answers with.
 */
import http from "node:http";
import { parse as parseLossless } from "lossless-json";
import { MAX_BODY_BYTES, parsePostNumbers, ROUTES } from "../../contract/http-api.js";
import type { Duplex } from "node:stream";

export { MAX_BODY_BYTES, parsePostNumbers };

export interface ControlApi {
  addNumbers(values: bigint[]): Promise<{ id: string; origin: string; seq: number; value: string }[]>;
  total(): { node: string; total: string; count: number };
  state(): unknown;
  metrics(): string;
  health(): { ok: boolean; node: string };
  readonly nodeId: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A client that never finishes its request is closed: headers must arrive within 10 s, the whole request within 15 s
 * (Node's defaults, 60 s and 300 s checked every 30 s, let slow or stalled clients hold sockets for minutes).
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 15_000;

export function createControlServer(api: ControlApi): http.Server {
  /** Requests being answered, per connection; connections to close once their answers are out. */
  const answering = new Map<Duplex, Set<http.IncomingMessage>>();
  const closeWhenAnswered = new Set<Duplex>();
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    const socket = req.socket;
    let pending = answering.get(socket);
    if (!pending) answering.set(socket, (pending = new Set()));
    pending.add(req);
    res.once("close", () => {
      pending.delete(req);
      if (pending.size > 0) return;
      answering.delete(socket);
      if (closeWhenAnswered.delete(socket)) socket.destroy();
    });
    handle(api, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      sendJson(res, status, { error: message });
    });
  });
  // Bytes that are not HTTP after a complete request (say a stray "}" after a body as long as its Content-Length):
  // Node's default writes "400 Bad Request" at once, which the client reads as the answer to its first request, one
  // that may have been counted. Answer the requests already read first, then close without answering the garbage.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const pending = answering.get(socket);
    if (err.code?.startsWith("HPE_") && pending?.size && [...pending].every((req) => req.complete)) {
      closeWhenAnswered.add(socket);
      return;
    }
    const status = CLIENT_ERROR_STATUS[err.code ?? ""] ?? "400 Bad Request";
    if (socket.writable && err.code !== "ECONNRESET") socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;
}

/** What Node answers by default to a client's broken request, by parser error code. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

async function handle(api: ControlApi, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const target = req.url ?? "/";
  // Only origin-form targets ("/path?query"); "//x" would parse as a host, "*" or "http://..." are not routes here.
  const url = target.startsWith("/") && !target.startsWith("//") ? parseTarget(target) : null;
  if (!url) {
    req.resume();
    throw new HttpError(400, `request target ${preview(target)} is not a path; expected e.g. /numbers or /total`);
  }
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case "POST /numbers": {
      const body = await readBody(req);
      let json: unknown;
      try {
        json = parseLossless(body.toString("utf8"));
      } catch (err) {
        throw new HttpError(400, `body is not JSON: ${(err as Error).message}`);
      }
      const parsed = parsePostNumbers(json);
      if (!parsed.ok) throw new HttpError(400, parsed.error);
      const numbers = await api.addNumbers(parsed.values);
      sendJson(res, 201, { node: api.nodeId, numbers });
      return;
    }
    case "GET /total":
      sendJson(res, 200, api.total());
      return;
    case "GET /state":
      sendJson(res, 200, api.state());
      return;
    case "GET /health": {
      const h = api.health();
      sendJson(res, h.ok ? 200 : 503, { status: h.ok ? "ok" : "starting", node: h.node });
      return;
    }
    case "GET /metrics":
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(api.metrics());
      return;
    default: {
      const known: readonly string[] = ROUTES;
      const samePath = known.filter((r) => r.endsWith(` ${url.pathname}`));
      if (samePath.length) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use ${samePath.join(" or ")}`);
      throw new HttpError(404, `no route ${route}; routes are ${known.join(", ")}`);
    }
  }
}

function parseTarget(target: string): URL | null {
  try {
    return new URL(target, "http://peer");
  } catch {
    return null;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.reject(new HttpError(413, `body of ${declared} bytes is over the limit of ${MAX_BODY_BYTES}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        reject(new HttpError(413, `body is over the limit of ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}
