/**
 * The one client of a peer's control API (PEER-CONTRACT.md): every request has a timeout and a bounded answer (the
 * peer is untrusted), every answer is parsed with the contract's schemas, and every failure says which request and
 * what came back. Used by the runner, the runtimes' health checks, the conformance check, the dashboard and the CLI.
 */
import {
  AWAIT_NODE_HEADER,
  HealthResponse,
  MAX_BODY_BYTES,
  postNumbersBody,
  PROXY_ERROR_HEADER,
  ProxyErrorKind,
  StateResponse,
  TotalResponse,
} from "./http-api.js";

export class ControlError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the peer answered. */
    readonly status?: number,
    /**
     * False when the request certainly never reached the peer (the connection was refused or could not be made), so
     * it had no effect; true when it may have (sent, then no answer: a timeout, a reset, an answer cut off).
     */
    readonly sent: boolean = status !== undefined,
    /** True when the request ran out of time (no answer, or an answer that stopped coming). */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = "ControlError";
  }
}

/** Connection errors that mean nothing was sent. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ERR_INVALID_URL"]);

/** A total as the harness uses it: the exact integer. */
export interface TotalAnswer {
  readonly node?: string | undefined;
  readonly total: bigint;
  readonly count: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** True when the answer was cut at `maxBytes`. */
  readonly truncated: boolean;
}

const TIMED_OUT = "timed out";

/** Why a fetch failed, in a few words: `timed out`, `ECONNREFUSED`, `bad port`. */
export function describeFetchError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return TIMED_OUT;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

const trimUrl = (url: string): string => url.replace(/\/+$/, "");
const snippet = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}...` : s);

/** One HTTP request with a timeout and an answer read up to `maxBytes`. Rejects with ControlError. */
export async function request(
  url: string,
  init: {
    readonly method?: "GET" | "POST";
    readonly body?: string;
    readonly timeoutMs: number;
    readonly maxBytes?: number;
    /** Sent as AWAIT_NODE_HEADER: a proxy in between may wait this long for the node to take the connection. */
    readonly awaitNodeMs?: number;
  },
  what = `${init.method ?? "GET"} ${new URL(url).pathname}`,
): Promise<HttpAnswer> {
  const maxBytes = init.maxBytes ?? MAX_BODY_BYTES;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      ...(init.body === undefined ? {} : { body: init.body }),
      headers: {
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...(init.awaitNodeMs ? { [AWAIT_NODE_HEADER]: String(Math.round(init.awaitNodeMs)) } : {}),
      },
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (error) {
    const why = describeFetchError(error);
    throw new ControlError(`did not answer ${what} (${why})`, undefined, !NOT_SENT.has(why) && !/bad port/i.test(why), why === TIMED_OUT);
  }
  const proxyError = ProxyErrorKind.safeParse(response.headers.get(PROXY_ERROR_HEADER));
  if (proxyError.success) {
    // A proxy answered for a node it could not reach: the same failure as a direct connection's, not the node's status.
    const said = await response.text().catch(() => "");
    const why = /"error"\s*:\s*"([^"]*)"/.exec(said)?.[1] ?? proxyError.data;
    throw new ControlError(`did not answer ${what} (${why})`, undefined, proxyError.data !== "not-sent", proxyError.data === "timeout");
  }
  const reader = response.body?.getReader();
  let body = "";
  let truncated = false;
  if (reader) {
    const decoder = new TextDecoder();
    let received = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        body += decoder.decode(value, { stream: true });
        if (received > maxBytes) {
          truncated = true;
          await reader.cancel().catch(() => undefined);
          break;
        }
      }
    } catch (error) {
      const why = describeFetchError(error);
      throw new ControlError(`broke off its answer to ${what} (${why})`, response.status, true, why === TIMED_OUT);
    }
  }
  return { status: response.status, body, truncated };
}

function parseJson(answer: HttpAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.body);
  } catch {
    throw new ControlError(`answered ${what} with something that is not JSON: ${snippet(answer.body)}`, answer.status);
  }
}

/** GET /total, parsed with the contract's schema. */
export async function getTotal(baseUrl: string, timeoutMs = 2000): Promise<TotalAnswer> {
  const what = "GET /total";
  const answer = await request(`${trimUrl(baseUrl)}/total`, { timeoutMs }, what);
  if (answer.status !== 200) throw new ControlError(`answered ${what} with ${answer.status}: ${snippet(answer.body)}`, answer.status);
  const parsed = TotalResponse.safeParse(parseJson(answer, what));
  if (!parsed.success) {
    throw new ControlError(
      `answered ${what} with ${snippet(answer.body)}; expected {"node": "<id>", "total": "<integer as a string>", "count": <integer>}`,
      answer.status,
    );
  }
  return { node: parsed.data.node, total: BigInt(parsed.data.total), count: parsed.data.count };
}

/** GET /state (an optional route), parsed with the contract's schema. */
export async function getState(baseUrl: string, timeoutMs = 2000): Promise<StateResponse> {
  const what = "GET /state";
  const answer = await request(`${trimUrl(baseUrl)}/state`, { timeoutMs }, what);
  if (answer.status !== 200) throw new ControlError(`answered ${what} with ${answer.status}: ${snippet(answer.body)}`, answer.status);
  const parsed = StateResponse.safeParse(parseJson(answer, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ControlError(`answered ${what} unexpectedly at ${issue?.path.join(".") || "(body)"}: ${issue?.message ?? "invalid"}`, answer.status);
  }
  return parsed.data;
}

/** GET /health: the answer when it is 200 and as the contract says; ControlError otherwise. */
export async function getHealth(baseUrl: string, timeoutMs = 1000, options: { readonly awaitNodeMs?: number } = {}): Promise<HealthResponse> {
  const what = "GET /health";
  const answer = await request(`${trimUrl(baseUrl)}/health`, { timeoutMs, maxBytes: 64 * 1024, ...options }, what);
  if (answer.status !== 200) throw new ControlError(`answered ${what} with ${answer.status}`, answer.status);
  const parsed = HealthResponse.safeParse(parseJson(answer, what));
  if (!parsed.success) throw new ControlError(`answered ${what} with ${snippet(answer.body)}; expected {"status": "ok", "node": "<id>"}`, 200);
  return parsed.data;
}

/** GET /health: true on 200. */
export async function isHealthy(baseUrl: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const answer = await request(`${trimUrl(baseUrl)}/health`, { timeoutMs, maxBytes: 64 * 1024 });
    return answer.status === 200;
  } catch {
    return false;
  }
}

/** POST /numbers with one value or a batch. Values are decimal strings (any size). Returns the parsed answer. */
export async function addNumbers(baseUrl: string, values: readonly (string | bigint)[], timeoutMs = 5000): Promise<unknown> {
  const what = "POST /numbers";
  const answer = await request(`${trimUrl(baseUrl)}/numbers`, { method: "POST", body: postNumbersBody(values), timeoutMs }, what);
  if (answer.status !== 201 && answer.status !== 200) {
    let reason = snippet(answer.body);
    try {
      const j = JSON.parse(answer.body) as { error?: unknown };
      if (typeof j.error === "string") reason = j.error;
    } catch {
      // keep the raw text
    }
    throw new ControlError(`rejected ${what} with ${answer.status}: ${reason}`, answer.status);
  }
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return answer.body;
  }
}
