/**
 * The peer contract's control API (PEER-CONTRACT.md), as zod schemas that are also its types and its documentation.
 * One home for both sides: the reference peer's server (node/adapters/http-api.ts) parses requests with these, and
 * the harness (runner, conformance check, dashboard, CLI) parses answers with these.
 */
import { LosslessNumber } from "lossless-json";
import { z } from "zod";

/** Values may have up to this many decimal digits (sign not counted). */
export const MAX_VALUE_DIGITS = 1000;
/** Request and answer bodies above this size are refused. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Set on answers that a proxy between the harness and a node made itself, not the node (the swarm runtime's link
 * agents): `not-sent` (the node could not be reached, or the request was too large: it certainly had no effect),
 * `broken` (the node broke off or sent too much: it may have acted), `timeout` (no answer in the proxy's own time).
 * The harness's client treats them as it treats the same failures of a direct connection. An answer without this
 * header is the node's.
 */
export const PROXY_ERROR_HEADER = "x-sumnet-proxy-error";
export const ProxyErrorKind = z.enum(["not-sent", "broken", "timeout"]);
export type ProxyErrorKind = z.infer<typeof ProxyErrorKind>;

/**
 * Asks a proxy between the harness and a node (the swarm runtime's link agents) to wait up to this many milliseconds
 * for the node to accept a connection before it answers `not-sent`: one request stands for many polls of a node that
 * is still booting, so a network's start does not spend its machines on failed requests. A node ignores it.
 */
export const AWAIT_NODE_HEADER = "x-sumnet-await-ms";
/** The longest wait a proxy grants. */
export const MAX_AWAIT_NODE_MS = 10_000;
export const AwaitNodeMs = z.coerce
  .number({ error: `must be a number of milliseconds, 0 to ${MAX_AWAIT_NODE_MS}` })
  .int({ error: `must be a whole number of milliseconds, 0 to ${MAX_AWAIT_NODE_MS}` })
  .min(0, { error: `must be 0 to ${MAX_AWAIT_NODE_MS} ms` })
  .max(MAX_AWAIT_NODE_MS, { error: `must be 0 to ${MAX_AWAIT_NODE_MS} ms` });

/** The routes of the control API. `/state` and `/metrics` are optional for implementations. */
export const ROUTES = ["POST /numbers", "GET /total", "GET /state", "GET /health", "GET /metrics"] as const;

/** A total of any size as a decimal string (a JSON number would lose digits). */
export const DecimalString = z
  .string({ error: 'must be a decimal string such as "42" (a JSON number would lose digits)' })
  .regex(/^-?[0-9]+$/, { error: 'must be a decimal string such as "-42"' });

const Count = z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(0, { error: "must be 0 or more" });

/** `GET /health`: `200 {"status":"ok","node":"n3"}` once both ports listen. */
export const HealthResponse = z.object({
  status: z.literal("ok", { error: 'must be "ok"' }),
  node: z.string({ error: "must be a string (the NODE_ID)" }).optional(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `GET /total`: the sum of every number the peer knows and how many that is. */
export const TotalResponse = z.object({
  node: z.string({ error: "must be a string (the NODE_ID)" }).optional(),
  total: DecimalString,
  count: Count,
});
export type TotalResponse = z.infer<typeof TotalResponse>;

/** One link in `GET /state` (optional route). Counters are optional: a peer reporting link states still draws. */
export const LinkReport = z.object({
  peer: z.string().min(1).nullable(),
  address: z.string(),
  direction: z.enum(["out", "in"]),
  state: z.enum(["up", "down"]),
  framesSent: Count.optional(),
  framesReceived: Count.optional(),
  bytesSent: Count.optional(),
  bytesReceived: Count.optional(),
});
export type LinkReport = z.infer<typeof LinkReport>;

/** `GET /state` (optional route): what the peer knows and its links; `digest` (origin -> held seq ranges) when given. */
export const StateResponse = z.object({
  node: z.string().min(1),
  origin: z.string().optional(),
  total: DecimalString,
  count: Count,
  links: z.array(LinkReport),
  digest: z.record(z.string(), z.array(z.tuple([z.number().int(), z.number().int()]))).optional(),
});
export type StateResponse = z.infer<typeof StateResponse>;

/**
 * `POST /numbers` answer (201). Any JSON body is allowed; a peer that names the identities of the numbers it added, in
 * the order of the values (the reference peer does), lets the harness measure each number's latency exactly.
 */
export const PostNumbersResponse = z.object({
  node: z.string().optional(),
  numbers: z.array(z.object({ origin: z.string().min(1), seq: z.number().int() })),
});
export type PostNumbersResponse = z.infer<typeof PostNumbersResponse>;

const INTEGER = new RegExp(`^[-+]?[0-9]{1,${MAX_VALUE_DIGITS}}$`);

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/**
 * One value of `POST /numbers`: a JSON integer (read losslessly, so `1e3` and `4.5` are told from integers and big
 * integers keep every digit) or a string holding a decimal integer. Never a float, an exponent or an empty string.
 */
export const NumberValue = z
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

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${String(p)}` : String(p))).join("");
}

/**
 * `POST /numbers` body, already parsed losslessly: `{"value": v}` or `{"values": [v, ...]}`; which one is decided by
 * the key, so errors name the right field.
 */
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

/** What a client sends: one value or a batch, values as decimal strings (any size). */
export function postNumbersBody(values: readonly (string | bigint)[]): string {
  return JSON.stringify(values.length === 1 ? { value: String(values[0]) } : { values: values.map(String) });
}

/** The reference peer's Prometheus metric names (`GET /metrics`), for the peer and for readers of its metrics. */
export const METRICS = {
  framesSent: "sumnet_frames_sent_total",
  framesReceived: "sumnet_frames_received_total",
  bytesSent: "sumnet_bytes_sent_total",
  bytesReceived: "sumnet_bytes_received_total",
  framesRejected: "sumnet_frames_rejected_total",
  conflicts: "sumnet_conflicts_total",
  numbersInjected: "sumnet_numbers_injected_total",
  linksUp: "sumnet_links_up",
  numbersKnown: "sumnet_numbers_known",
  total: "sumnet_total",
  totalExact: "sumnet_total_exact",
} as const;

/** The contract's environment variables, set by the harness; a runtime never passes inherited values of these on. */
export const CONTRACT_VARIABLES = ["NODE_ID", "P2P_HOST", "P2P_PORT", "PEERS", "HTTP_PORT", "DATA_DIR", "NUMBERS"] as const;
