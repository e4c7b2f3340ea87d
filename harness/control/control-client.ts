/**
 * Client of a peer's HTTP control API (the peer contract): POST /numbers, GET /total, GET /health. Answers are parsed
 * with zod; every failure says which node, which request and what came back.
 */
import { z } from "zod";

export const TotalAnswer = z.object({
  node: z.string().optional(),
  total: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((t) => BigInt(t)),
  count: z.number().int().nonnegative().optional(),
});
export type TotalAnswer = z.infer<typeof TotalAnswer>;

export class ControlError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the peer answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "ControlError";
  }
}

function describeFetchError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return "timed out";
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

async function request(url: string, init: RequestInit, what: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ControlError(`did not answer ${what} (${describeFetchError(error)})`);
  }
  let body: string;
  try {
    body = await res.text();
  } catch (error) {
    throw new ControlError(`broke off its answer to ${what} (${describeFetchError(error)})`, res.status);
  }
  return { status: res.status, body };
}

const snippet = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}...` : s);

/** GET /total. */
export async function getTotal(baseUrl: string, timeoutMs = 2000): Promise<TotalAnswer> {
  const { status, body } = await request(`${trimUrl(baseUrl)}/total`, {}, "GET /total", timeoutMs);
  if (status !== 200) throw new ControlError(`answered GET /total with ${status}: ${snippet(body)}`, status);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ControlError(`answered GET /total with something that is not JSON: ${snippet(body)}`, status);
  }
  const parsed = TotalAnswer.safeParse(json);
  if (!parsed.success) {
    throw new ControlError(
      `answered GET /total with ${snippet(body)}; expected {"total": "<integer as a string>", "count": <integer>}`,
      status,
    );
  }
  return parsed.data;
}

/** POST /numbers with one value or a batch. Values are decimal strings (any size). Returns the parsed answer. */
export async function addNumbers(baseUrl: string, values: readonly (string | bigint)[], timeoutMs = 5000): Promise<unknown> {
  const body = values.length === 1 ? { value: String(values[0]) } : { values: values.map(String) };
  const { status, body: text } = await request(
    `${trimUrl(baseUrl)}/numbers`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    "POST /numbers",
    timeoutMs,
  );
  if (status !== 201 && status !== 200) {
    let reason = snippet(text);
    try {
      const j = JSON.parse(text) as { error?: unknown };
      if (typeof j.error === "string") reason = j.error;
    } catch {
      // keep the raw text
    }
    throw new ControlError(`rejected POST /numbers with ${status}: ${reason}`, status);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** GET /health: true on 200. */
export async function isHealthy(baseUrl: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const { status } = await request(`${trimUrl(baseUrl)}/health`, {}, "GET /health", timeoutMs);
    return status === 200;
  } catch {
    return false;
  }
}
