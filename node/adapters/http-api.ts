/**
 * The control API: a thin HTTP adapter. Bodies are parsed losslessly (a JSON integer of any size keeps every digit;
 * a float or exponent form can be told apart from an integer) and then checked with zod.
 */
import http from "node:http";
import { LosslessNumber, parse as parseLossless } from "lossless-json";
import { z } from "zod";
import { MAX_VALUE_DIGITS } from "../wire/messages.js";

export const MAX_BODY_BYTES = 1024 * 1024;

const INTEGER = new RegExp(`^[-+]?[0-9]{1,${MAX_VALUE_DIGITS}}$`);

/** One value: a JSON integer, or a string holding a decimal integer. Never a float, an exponent or an empty string. */
const NumberValue = z
  .union([z.instanceof(LosslessNumber), z.string()], {
    error: "expected a decimal integer, as a JSON integer or a string",
  })
  .transform((v, ctx) => {
    const text = typeof v === "string" ? v : v.value;
    if (!INTEGER.test(text)) {
      const why =
        text === ""
          ? "is empty"
          : /^[-+]?[0-9]+$/.test(text)
            ? `has ${text.replace(/^[-+]/, "").length} digits, over the limit of ${MAX_VALUE_DIGITS}`
            : /^[-+]?[0-9]*\.?[0-9]*(e[-+]?[0-9]+)?$/i.test(text)
              ? "is not an integer (no fractions or exponents)"
              : "is not a number";
      ctx.addIssue({ code: "custom", message: `${preview(text)} ${why}; expected a decimal integer of 1 to ${MAX_VALUE_DIGITS} digits` });
      return z.NEVER;
    }
    return BigInt(text);
  });

const SingleBody = z.strictObject({ value: NumberValue }).transform((b) => [b.value]);
const BatchBody = z
  .strictObject({ values: z.array(NumberValue).min(1, "must hold at least one number") })
  .transform((b) => b.values);

/** `{"value": v}` or `{"values": [v, ...]}`; which one is decided by the key, so errors name the right field. */
export function parsePostNumbers(body: unknown): { ok: true; values: bigint[] } | { ok: false; error: string } {
  const shape = 'expected {"value": <integer>} or {"values": [<integer>, ...]}';
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, error: `body: ${shape}` };
  const schema = "values" in body ? BatchBody : "value" in body ? SingleBody : undefined;
  if (!schema) return { ok: false, error: `body: ${shape}` };
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, values: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? formatPath(issue.path) : "body";
  return { ok: false, error: `${where}: ${issue.message}` };
}

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

export function createControlServer(api: ControlApi): http.Server {
  const server = http.createServer((req, res) => {
    handle(api, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      sendJson(res, status, { error: message });
    });
  });
  server.keepAliveTimeout = 5000;
  return server;
}

async function handle(api: ControlApi, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://peer");
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
      const known = ["POST /numbers", "GET /total", "GET /state", "GET /health", "GET /metrics"];
      const samePath = known.filter((r) => r.endsWith(` ${url.pathname}`));
      if (samePath.length) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use ${samePath.join(" or ")}`);
      throw new HttpError(404, `no route ${route}; routes are ${known.join(", ")}`);
    }
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

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${String(p)}` : String(p))).join("");
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}
