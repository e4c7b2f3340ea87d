/**
 * Fuzzer of a real peer's control API over raw sockets: malformed bodies, headers, methods, paths and content
 * lengths, requests sent byte by byte, and deliberately incomplete requests.
 *
 * Findings:
 * - crash: the peer process exits, or stops answering GET /health;
 * - hang: a complete request gets no complete answer within `answerMs`; an incomplete one is not closed by the
 *   server within `incompleteMs` (its header and request timeouts);
 * - server error: an answer of 5xx to a client's mistake;
 * - total changed: GET /total differs from what the 201 answers account for (a rejected request changed the total).
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { seededRandom, type SeededRandom } from "../../harness/base/seeded-random.js";
import { REQUEST_TIMEOUT_MS } from "../../node/adapters/http-api.js";

export interface ControlApiFinding {
  readonly kind: "crash" | "hang" | "server-error" | "total-changed";
  readonly detail: string;
  /** The request (first 300 bytes, JSON-escaped). */
  readonly request: string;
}

export interface ControlApiFuzzResult {
  readonly requests: number;
  readonly incomplete: number;
  /** Answers by status code (0: connection closed without an answer, allowed only for malformed framing). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly crashes: number;
  readonly hangs: number;
  readonly serverErrors: number;
  readonly totalChanges: number;
  readonly findings: readonly ControlApiFinding[];
  readonly elapsedMs: number;
}

export interface ControlApiFuzzOptions {
  readonly host: string;
  readonly port: number;
  /** Complete requests to send. */
  readonly requests: number;
  /** Deliberately incomplete requests (each waits for the server to close it). */
  readonly incomplete: number;
  readonly seed?: number;
  readonly concurrency?: number;
  readonly answerMs?: number;
  readonly incompleteMs?: number;
  /** Is the peer process still running? */
  readonly alive: () => boolean;
}

interface Request {
  readonly bytes: Buffer;
  /** Write in pieces with pauses (a slow client). */
  readonly slow: boolean;
}

const pick = <T>(r: SeededRandom, items: readonly T[]): T => items[r.int(0, items.length - 1)] as T;

const BODIES: readonly string[] = [
  "",
  "{}",
  "[]",
  "null",
  "42",
  '"x"',
  '{"value":1.5}',
  '{"value":1e3}',
  '{"value":"1e3"}',
  '{"value":" 7"}',
  '{"value":"7 "}',
  '{"value":"+"}',
  '{"value":"--1"}',
  '{"value":""}',
  '{"value":true}',
  '{"value":null}',
  '{"value":[1]}',
  '{"value":{"v":1}}',
  `{"value":${"9".repeat(1001)}}`,
  `{"value":"${"9".repeat(1001)}"}`,
  '{"values":[]}',
  '{"values":[1,"x"]}',
  '{"values":[1,2.5]}',
  '{"values":{"0":1}}',
  '{"values":[1],"extra":2}',
  '{"value":1,"values":[2]}',
  '{"value":1,"value":2}',
  '{"value":1',
  '{"value":1}}',
  '{"value":1}garbage',
  '{"value":0x10}',
  '{"value":-0}',
  '{"value":NaN}',
  '{"value":Infinity}',
  '{"__proto__":{"value":1}}',
  '{"constructor":{"prototype":{"value":1}}}',
  `{"values":${"[".repeat(5000)}1${"]".repeat(5000)}}`,
  `{"value":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`,
  '{"value":"\u0000"}',
  '{"value":"\ud800"}',
  '{"value":"١٢٣"}',
  '{"value":"１２"}',
  "\uFEFF{\"value\":1}",
  '{"value":1}',
  '{"values":[1,-1,"99999999999999999999999"]}',
];

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "post", "G\u00c9T", "POST /", "", "CONNECT", "FOO", "PRI"];
const PATHS = [
  "/numbers",
  "/total",
  "/health",
  "/state",
  "/metrics",
  "//",
  "//numbers",
  "/numbers?x=1",
  "/numbers#frag",
  "/numbers/",
  "/%",
  "/%zz",
  "/%00",
  "*",
  "http://peer/numbers",
  "/../numbers",
  "/\u00e9",
  `/${"a".repeat(20_000)}`,
  "numbers",
  "/numbers?" + "&".repeat(5000),
];

/** A body that the API must accept, with the values it holds. */
function validBody(r: SeededRandom): string {
  const values = Array.from({ length: r.int(1, 3) }, () => String(r.int(-100, 100)));
  return r.next() < 0.5 ? `{"value":${values[0]}}` : `{"values":[${values.map((v) => (r.next() < 0.5 ? `"${v}"` : v)).join(",")}]}`;
}

function mutateText(r: SeededRandom, text: string): string {
  if (!text.length) return text;
  const at = r.int(0, text.length - 1);
  switch (r.int(0, 3)) {
    case 0:
      return text.slice(0, at) + String.fromCharCode(r.int(0, 0xffff)) + text.slice(at + 1);
    case 1:
      return text.slice(0, at);
    case 2:
      return text.slice(0, at) + text.slice(at, at + r.int(1, 10)).repeat(r.int(2, 5)) + text.slice(at);
    default:
      return text.slice(0, at) + pick(r, ["\u0004", "\r\n", "\u0000", '"', "}", "]", ","]) + text.slice(at);
  }
}

function generate(r: SeededRandom): Request {
  const method = r.next() < 0.6 ? "POST" : pick(r, METHODS);
  const path = r.next() < 0.6 ? "/numbers" : pick(r, PATHS);
  let body = r.next() < 0.15 ? validBody(r) : pick(r, BODIES);
  if (r.next() < 0.3) body = mutateText(r, body);
  const bodyBytes = Buffer.from(body, "utf8");
  const headers: string[] = ["Host: peer"];
  const lengthMode = r.int(0, 9);
  if (lengthMode <= 5) headers.push(`Content-Length: ${bodyBytes.length}`);
  else if (lengthMode === 6) headers.push(`Content-Length: ${pick(r, ["-1", "abc", "1e3", "99999999999999999999", " ", "0x10", "1, 2"])}`);
  else if (lengthMode === 7) headers.push(`Content-Length: ${Math.max(0, bodyBytes.length - r.int(1, 5))}`);
  else if (lengthMode === 8) headers.push(`Content-Length: ${bodyBytes.length}`, `Content-Length: ${bodyBytes.length + 1}`);
  else headers.push("Transfer-Encoding: chunked");
  if (r.next() < 0.3) headers.push(`Content-Type: ${pick(r, ["application/json", "text/plain", "application/json; charset=latin1", "", "\u00ff"])}`);
  if (r.next() < 0.1) headers.push(pick(r, ["X-Bad Header: 1", "NoColon", `X-Long: ${"a".repeat(20_000)}`, "X-Null: a\u0000b", "Transfer-Encoding: gzip, chunked", "Expect: 100-continue", ": empty-name"]));
  headers.push("Connection: close");
  let payload: Buffer = bodyBytes;
  if (lengthMode === 9) {
    payload = r.next() < 0.7
      ? Buffer.from(`${bodyBytes.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`, "utf8")
      : Buffer.from(pick(r, [`zz\r\n${body}\r\n0\r\n\r\n`, `${body.length.toString(16)}\r\n${body}0\r\n\r\n`, "0\r\n\r\n"]), "utf8");
  }
  // Content-Length longer than the body would leave the request incomplete; pad so the request is complete.
  const head = `${method} ${path} ${pick(r, ["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 ", "HTTP/9"])}\r\n${headers.join("\r\n")}\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, "utf8"), payload]), slow: r.next() < 0.03 };
}

/** A request the server must time out: headers never finished, or a body shorter than its Content-Length. */
function incompleteRequest(r: SeededRandom): Buffer {
  return Buffer.from(
    pick(r, [
      "POST /numbers HTTP/1.1\r\nHost: peer\r\n",
      "POST /numbers HTTP/1.1\r\nHost: peer\r\nContent-Length: 100\r\n\r\n{\"value\":",
      "POST /numbers HTTP/1.1\r\nHost: peer\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"val",
      "GET /total HTTP/1.1\r\nHo",
      "POST /numbers HTTP/1.1\r\nHost: peer\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n{\"value\":1}\r\n0\r\n\r\n",
      "P",
    ]),
  );
}

interface Answer {
  readonly status: number;
  readonly body: string;
  /** The socket closed before the answer was complete, or the answer did not come in time. */
  readonly complete: boolean;
  readonly timedOut: boolean;
}

/** Sends raw bytes and reads one HTTP answer (or the close). */
function exchange(host: string, port: number, request: Request, answerMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    // A request the server answers before reading it all is complete from its side; never wait forever.
    const guard = setTimeout(() => finish({ status: -1, body: "", complete: false, timedOut: true }), answerMs + 60_000);
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(guard);
      socket.destroy();
      resolve(answer);
    };
    const parse = (closed: boolean): void => {
      const end = data.indexOf("\r\n\r\n");
      if (end === -1) {
        if (closed) finish({ status: 0, body: "", complete: data.length === 0, timedOut: false });
        return;
      }
      const head = data.subarray(0, end).toString("latin1");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? -1);
      if (status >= 100 && status < 200) {
        // An interim answer (100 Continue): the real one follows.
        data = data.subarray(end + 4);
        parse(closed);
        return;
      }
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      const body = data.subarray(end + 4);
      if (length && body.length >= Number(length[1])) {
        finish({ status, body: body.subarray(0, Number(length[1])).toString("utf8"), complete: true, timedOut: false });
      } else if (closed) finish({ status, body: body.toString("utf8"), complete: !length, timedOut: false });
    };
    // The answer is due within answerMs of the last byte written (a slow client takes its time to write).
    let timer: NodeJS.Timeout | undefined;
    const startClock = (): void => {
      timer = setTimeout(() => finish({ status: -1, body: "", complete: false, timedOut: true }), answerMs);
    };
    socket.on("data", (c: Buffer) => {
      data = Buffer.concat([data, c]);
      parse(false);
    });
    socket.on("error", () => parse(true));
    socket.on("close", () => parse(true));
    socket.once("connect", async () => {
      if (!request.slow) {
        socket.write(request.bytes, startClock);
        return;
      }
      for (let i = 0; i < request.bytes.length && !socket.destroyed; i += 7) {
        socket.write(request.bytes.subarray(i, i + 7));
        await new Promise((r) => setTimeout(r, 5));
      }
      startClock();
    });
  });
}

/** Sends `bytes` and waits for the server to close the connection; resolves with how long that took, or -1. */
function waitForServerClose(host: string, port: number, bytes: Buffer, limitMs: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const started = performance.now();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(-1);
    }, limitMs);
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    socket.once("connect", () => socket.write(bytes));
  });
}

async function getJson(host: string, port: number, path: string): Promise<{ status: number; json: unknown }> {
  const answer = await exchange(host, port, { bytes: Buffer.from(`GET ${path} HTTP/1.1\r\nHost: peer\r\nConnection: close\r\n\r\n`), slow: false }, 5000);
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    json = undefined;
  }
  return { status: answer.status, json };
}

const preview = (bytes: Buffer): string => JSON.stringify(bytes.subarray(0, 300).toString("latin1"));

export async function fuzzControlApi(options: ControlApiFuzzOptions): Promise<ControlApiFuzzResult> {
  const r = seededRandom(options.seed ?? 1);
  const { host, port } = options;
  const answerMs = options.answerMs ?? 5000;
  const statuses: Record<string, number> = {};
  const findings: ControlApiFinding[] = [];
  const counts = { crash: 0, hang: 0, "server-error": 0, "total-changed": 0 };
  const note = (kind: ControlApiFinding["kind"], detail: string, request: Buffer): void => {
    counts[kind]++;
    if (findings.filter((f) => f.kind === kind).length < 5) findings.push({ kind, detail, request: preview(request) });
  };
  const totalNow = async (): Promise<bigint | undefined> => {
    const t = await getJson(host, port, "/total");
    const total = (t.json as { total?: unknown } | undefined)?.total;
    return t.status === 200 && typeof total === "string" ? BigInt(total) : undefined;
  };
  const started = performance.now();
  let expected = await totalNow();
  if (expected === undefined) throw new Error(`the peer at ${host}:${port} does not answer GET /total`);

  // Incomplete requests first, all at once: each must be closed by the server's own timeouts.
  // The peer's request timeout, plus its 1 s check interval and slack for a busy machine.
  const incompleteMs = options.incompleteMs ?? REQUEST_TIMEOUT_MS + 5000;
  const closes = await Promise.all(
    Array.from({ length: options.incomplete }, () => {
      const bytes = incompleteRequest(r);
      return waitForServerClose(host, port, bytes, incompleteMs).then((ms) => {
        if (ms < 0) note("hang", `an incomplete request was not closed by the server within ${incompleteMs} ms`, bytes);
      });
    }),
  );
  void closes;

  const requests = Array.from({ length: options.requests }, () => generate(r));
  const checkEvery = 100;
  let next = 0;
  for (let batchStart = 0; batchStart < requests.length; batchStart += checkEvery) {
    const batch = requests.slice(batchStart, batchStart + checkEvery);
    let added = 0n;
    /** Requests whose connection closed without an answer: the likely cause if the total moves. */
    const unanswered: Buffer[] = [];
    next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency ?? 8 }, async () => {
        while (next < batch.length) {
          const request = batch[next++]!;
          const answer = await exchange(host, port, request, answerMs);
          statuses[String(answer.status)] = (statuses[String(answer.status)] ?? 0) + 1;
          if (answer.status === 0) unanswered.push(request.bytes);
          if (answer.timedOut) note("hang", `no answer within ${answerMs} ms`, request.bytes);
          else if (answer.status >= 500) note("server-error", `answered ${answer.status}: ${answer.body.slice(0, 200)}`, request.bytes);
          if (answer.status === 201) {
            try {
              const parsed = JSON.parse(answer.body) as { numbers: { value: string }[] };
              for (const n of parsed.numbers) added += BigInt(n.value);
            } catch {
              note("server-error", `a 201 whose body does not list the numbers: ${answer.body.slice(0, 200)}`, request.bytes);
            }
          }
        }
      }),
    );
    expected += added;
    if (!options.alive()) {
      note("crash", "the peer process exited", batch[0]!.bytes);
      break;
    }
    const total = await totalNow();
    if (total === undefined) {
      note("crash", "the peer stopped answering GET /total", batch[0]!.bytes);
      break;
    }
    if (total !== expected) {
      const suspect = unanswered[0] ?? batch[0]!.bytes;
      note("total-changed", `GET /total is ${total}, the 201 answers account for ${expected} (${unanswered.length} requests of the batch got no answer; the first is shown)`, suspect);
      expected = total;
    }
  }
  const health = await getJson(host, port, "/health");
  if (options.alive() && health.status !== 200) note("crash", `GET /health answered ${health.status} at the end`, Buffer.alloc(0));
  return {
    requests: options.requests,
    incomplete: options.incomplete,
    statuses,
    crashes: counts.crash,
    hangs: counts.hang,
    serverErrors: counts["server-error"],
    totalChanges: counts["total-changed"],
    findings,
    elapsedMs: performance.now() - started,
  };
}
