/**
 * Reading one peer over its HTTP control API. A watched node may be any implementation of the peer contract, so every
 * response is parsed with zod; a node without GET /state (or with one we cannot parse) still shows its GET /total.
 */
import { z } from "zod";

/** Totals are decimal strings of arbitrary size (the contract allows up to 1000 digits). */
const decimalString = z.string().regex(/^-?\d+$/, "expected a decimal integer string");
const counter = z.number().int().nonnegative();

export const totalResponseSchema = z.object({
  node: z.string().min(1),
  total: decimalString,
  count: counter,
});
export type TotalResponse = z.infer<typeof totalResponseSchema>;

export const linkReportSchema = z.object({
  peer: z.string().min(1).nullable(),
  address: z.string(),
  direction: z.enum(["out", "in"]),
  state: z.enum(["up", "down"]),
  // Counters are optional so that a peer reporting only link states still draws its topology.
  framesSent: counter.optional(),
  framesReceived: counter.optional(),
  bytesSent: counter.optional(),
  bytesReceived: counter.optional(),
});
export type LinkReport = z.infer<typeof linkReportSchema>;

export const stateResponseSchema = z.object({
  node: z.string().min(1),
  origin: z.string().optional(),
  total: decimalString,
  count: counter,
  links: z.array(linkReportSchema),
});
export type StateResponse = z.infer<typeof stateResponseSchema>;

/** What one poll of one node found. `links` is null when the node has no usable GET /state. */
export type NodeReading =
  | { url: string; reachable: true; node: string; total: string; count: number; links: LinkReport[] | null; stateError?: string }
  | { url: string; reachable: false; error: string };

/** The node answered, but not as the contract says (as opposed to not answering at all). */
class UnexpectedResponse extends Error {}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UnexpectedResponse(`GET ${url}: HTTP ${response.status}, body is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { status: response.status, body };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return "no answer in time";
  const cause = error.cause;
  if (cause instanceof Error) return "code" in cause ? String(cause.code) : cause.message;
  return error.message;
}

function describeIssues(url: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? first.path.join(".") : "(body)";
  return `GET ${url}: unexpected response at ${where}: ${first?.message ?? "invalid"}`;
}

/**
 * Polls one node: GET /state first; when that is missing or malformed, GET /total. Never throws: an unreachable or
 * misbehaving node is a reading too, with the reason.
 */
export async function readNode(baseUrl: string, timeoutMs = 1000): Promise<NodeReading> {
  const base = baseUrl.replace(/\/+$/, "");
  let stateError: string;
  try {
    const { status, body } = await getJson(`${base}/state`, timeoutMs);
    if (status === 200) {
      const parsed = stateResponseSchema.safeParse(body);
      if (parsed.success) {
        const s = parsed.data;
        return { url: baseUrl, reachable: true, node: s.node, total: s.total, count: s.count, links: s.links };
      }
      stateError = describeIssues(`${base}/state`, parsed.error);
    } else {
      stateError = `GET ${base}/state: HTTP ${status}`;
    }
  } catch (error) {
    // A network failure (refused, timed out) would fail /total the same way: do not wait twice.
    if (!(error instanceof UnexpectedResponse)) {
      return { url: baseUrl, reachable: false, error: `GET ${base}/state: ${describeError(error)}` };
    }
    stateError = error.message;
  }
  try {
    const { status, body } = await getJson(`${base}/total`, timeoutMs);
    if (status !== 200) return { url: baseUrl, reachable: false, error: `GET ${base}/total: HTTP ${status}` };
    const parsed = totalResponseSchema.safeParse(body);
    if (!parsed.success) return { url: baseUrl, reachable: false, error: describeIssues(`${base}/total`, parsed.error) };
    const t = parsed.data;
    return { url: baseUrl, reachable: true, node: t.node, total: t.total, count: t.count, links: null, stateError };
  } catch (error) {
    const message = error instanceof UnexpectedResponse ? error.message : `GET ${base}/total: ${describeError(error)}`;
    return { url: baseUrl, reachable: false, error: message };
  }
}
