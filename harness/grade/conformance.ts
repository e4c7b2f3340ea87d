/**
 * Conformance: before any scenario, start one node of the implementation under grading and check, one request at a
 * time, that it does what PEER-CONTRACT.md asks. Every failure says in plain words what happened, what the contract
 * expects, and where to read about it, e.g.
 * `GET /total answered 404: a peer must serve GET /total, see PEER-CONTRACT.md`.
 *
 * Besides the contract's shapes it checks what scenarios cannot see on one node: the same value posted twice is two
 * numbers, concurrent POSTs all count; and, on small networks of their own (conformance-restarts.ts), new numbers
 * after a restart without DATA_DIR count once at the other node, and NUMBERS count once after a restart with DATA_DIR.
 *
 * It runs on any Runtime (local processes or containers), so the same words reach a student whichever way they
 * packaged their peer.
 */
import { performance } from "node:perf_hooks";
import { explainExit } from "../runtime/exit-words.js";
import type { z } from "zod";
import { HealthResponse, TotalResponse } from "../../contract/http-api.js";
import { request as contractRequest, type HttpAnswer as ContractAnswer } from "../../contract/peer-client.js";
import type { NodeSpec } from "../network/spec.js";
import type { Runtime, StartedNetwork } from "../runtime/runtime.js";
import { checkRestarts } from "./conformance-restarts.js";
import { describeError, quote, shortInteger } from "./conformance-words.js";
import { logTail } from "./log-tail.js";

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface ConformanceCheck {
  /** Stable id, e.g. `health`, `total-initial`, `reject-float`. */
  readonly id: string;
  /** What was checked, in a few words. */
  readonly title: string;
  /** `warn`: the contract asks for it but scenarios do not depend on it; it does not fail grading. */
  readonly status: CheckStatus;
  /** Plain words: what happened and what was expected. */
  readonly message: string;
}

export interface ConformanceResult {
  /** True when no check failed (warnings allowed). */
  readonly passed: boolean;
  /**
   * True when the peer started and GET /total answered in the contract's shape: scenarios can judge it. When false,
   * running scenarios would only produce the same failure many times, slowly.
   */
  readonly usable: boolean;
  readonly checks: readonly ConformanceCheck[];
  /** The end of the node's log (bounded, printable). */
  readonly logTail: string;
  readonly durationMs: number;
}

export interface ConformanceOptions {
  readonly runtime: Runtime;
  /** The implementation: a command (process runtimes) or an image (container runtimes); undefined = runtime default. */
  readonly command?: string | undefined;
  readonly image?: string | undefined;
  /** Extra environment for the node (e.g. tuning variables). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * How long GET /health may take to answer 200 after start (default 15000 ms: the contract's 10 s plus slack for a
   * loaded machine or a container's CPU limit). A peer that misses it is started once more before it fails.
   */
  readonly healthTimeoutMs?: number;
  /**
   * How long after SIGTERM the peer is killed (default 3000 ms: the contract's 2 s plus slack for a loaded machine).
   */
  readonly stopGraceMs?: number;
  /** How long one HTTP request may take (default 5000 ms). */
  readonly requestTimeoutMs?: number;
  /** How long two linked nodes of the restart checks may take to agree (default 10000 ms). */
  readonly convergeTimeoutMs?: number;
}

const CONTRACT = "see PEER-CONTRACT.md";
const NODE_ID = "c1";
const INITIAL_NUMBERS = ["7", "-2"] as const;
const BIG_NEGATIVE = "-123456789012345678901234567890";

/** What the checks read back: status and (bounded) body. */
type HttpAnswer = Pick<ContractAnswer, "status" | "body">;

/** One HTTP request with a timeout and a bounded body (the peer is untrusted): the contract's client. */
function request(url: string, init: { method: "GET" | "POST"; body?: string }, timeoutMs: number): Promise<HttpAnswer> {
  return contractRequest(url, { ...init, timeoutMs, maxBytes: 64 * 1024 });
}

function zodProblems(error: z.ZodError): string {
  return error.issues.map((issue) => `"${issue.path.join(".") || "body"}" ${issue.message}`).join("; ");
}

/** The invalid inputs every peer must reject with 400, storing nothing. */
const INVALID_POSTS: readonly { id: string; what: string; body: string }[] = [
  { id: "reject-float", what: "a float", body: '{"value": 1.5}' },
  { id: "reject-exponent", what: "a number with an exponent", body: '{"value": 1e3}' },
  { id: "reject-empty", what: "an empty string", body: '{"value": ""}' },
  { id: "reject-text", what: "text that is not a number", body: '{"value": "abc"}' },
  { id: "reject-too-long", what: "an integer of 1001 digits", body: `{"value": "1${"0".repeat(1000)}"}` },
  { id: "reject-batch", what: "a batch with one bad value", body: '{"values": [1, "x"]}' },
  { id: "reject-not-json", what: "a body that is not JSON", body: "add 5 please" },
];

/** Posted twice: equal values are two numbers. */
const TWICE_BODY = '{"value": 11}';
const CONCURRENT_POSTS = 8;
const CONCURRENT_BATCH = 100;
/** How long a wrong total may take to become right (a peer may apply a POST just after answering it). */
const SETTLE_MS = 2_000;

/** The concurrent POSTs' batches: distinct values, so that a lost batch shows in the total as well as the count. */
function concurrentBatches(): string[][] {
  return Array.from({ length: CONCURRENT_POSTS }, (_, b) =>
    Array.from({ length: CONCURRENT_BATCH }, (_, i) => String(b * CONCURRENT_BATCH + i + 1)),
  );
}

const VALID_POSTS: readonly { body: string; values: readonly string[] }[] = [
  { body: '{"value": 42}', values: ["42"] },
  { body: `{"value": "${BIG_NEGATIVE}"}`, values: [BIG_NEGATIVE] },
  { body: '{"values": [1, "2", -3]}', values: ["1", "2", "-3"] },
];

export async function checkConformance(options: ConformanceOptions): Promise<ConformanceResult> {
  const started = performance.now();
  const healthTimeoutMs = options.healthTimeoutMs ?? 15_000;
  const stopGraceMs = options.stopGraceMs ?? 3_000;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const checks: ConformanceCheck[] = [];
  const add = (id: string, title: string, status: CheckStatus, message: string): boolean => {
    checks.push({ id, title, status, message });
    return status !== "fail";
  };

  const node: NodeSpec = {
    id: NODE_ID,
    command: options.command,
    image: options.image,
    env: options.env ?? {},
    dataDir: false,
    numbers: INITIAL_NUMBERS,
  };
  let net: StartedNetwork | undefined;
  let startError: unknown;
  // A second attempt only after a slow start: one busy moment on the machine should not cost every scenario.
  let attempts = 0;
  while (!net && attempts < 2) {
    attempts++;
    try {
      net = await options.runtime.start({ name: "conformance", nodes: [node], links: [] }, { healthTimeoutMs });
    } catch (error) {
      startError = error;
      if (!/not healthy within|did not answer GET \/health/.test(describeError(error))) break;
    }
  }
  if (!net) {
    add(
      "health",
      "starts and answers GET /health",
      "fail",
      `the peer could not start, or did not answer GET /health with 200 within ${healthTimeoutMs / 1000} s` +
        `${attempts > 1 ? " (tried twice)" : ""}: ${describeError(startError).trim()}\n` +
        `A peer must start, listen on HTTP_PORT and serve GET /health once both its ports listen, ${CONTRACT}`,
    );
    return { passed: false, usable: false, checks, logTail: "", durationMs: performance.now() - started };
  }

  let log = "";
  let usable = false;
  try {
    usable = await runChecks(net, add, { timeoutMs, healthTimeoutMs, stopGraceMs });
  } finally {
    log = await net.readLog(NODE_ID).catch((error: unknown) => `(log unavailable: ${describeError(error)})`);
    await net[Symbol.asyncDispose]();
  }
  let restartLogs = "";
  if (usable) {
    for (const check of await checkRestarts({ ...options, healthTimeoutMs, stopGraceMs, requestTimeoutMs: timeoutMs })) {
      add(check.id, check.title, check.status, check.message);
      restartLogs += check.logTail;
    }
  }
  return {
    passed: checks.every((check) => check.status !== "fail"),
    usable,
    checks,
    logTail: logTail(log) + (restartLogs ? `\n${restartLogs}` : ""),
    durationMs: performance.now() - started,
  };
}

type Add = (id: string, title: string, status: CheckStatus, message: string) => boolean;

async function runChecks(
  net: StartedNetwork,
  add: Add,
  limits: { timeoutMs: number; healthTimeoutMs: number; stopGraceMs: number },
): Promise<boolean> {
  const base = net.controlUrl(NODE_ID);
  const why = (error: unknown): string => describeError(error, limits.timeoutMs);
  const call = (method: "GET" | "POST", path: string, body?: string): Promise<HttpAnswer> =>
    request(`${base}${path}`, body === undefined ? { method } : { method, body }, limits.timeoutMs);

  /** After a request went wrong, a crashed peer explains more than the request error does. */
  const crashNote = (): string => {
    const info = net.snapshot().nodes.find((n) => n.id === NODE_ID);
    if (info?.status !== "exited") return "";
    const exit = info.lastExit;
    const how = exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code ?? "?"}`;
    const meaning = exit ? explainExit(exit) : undefined;
    return ` The peer exited on its own (${how}${meaning ? `: ${meaning}` : ""}); see the end of its log.`;
  };
  const skipRest = (ids: readonly [string, string][], why: string): void => {
    for (const [id, title] of ids) add(id, title, "skip", `not checked: ${why}`);
  };

  // GET /health: the runtime has seen a 200; check the body says ok.
  try {
    const health = await call("GET", "/health");
    const parsed = health.status === 200 ? HealthResponse.safeParse(safeJson(health.body)) : undefined;
    if (health.status !== 200) {
      add("health", "GET /health", "fail", `GET /health answered ${health.status}: a peer must answer 200, ${CONTRACT}`);
    } else if (!parsed?.success) {
      add(
        "health",
        "GET /health",
        "warn",
        `GET /health answered 200 with ${quote(health.body)}; the contract's body is {"status":"ok","node":"<id>"}`,
      );
    } else {
      add("health", "GET /health", "pass", "answers 200 {\"status\":\"ok\"}");
    }
  } catch (error) {
    add("health", "GET /health", "fail", `GET /health failed: ${why(error)}.${crashNote()}`);
  }

  // GET /total before any POST: NUMBERS=7,-2 must be counted.
  let expectedTotal = INITIAL_NUMBERS.reduce((sum, v) => sum + BigInt(v), 0n);
  let expectedCount: number = INITIAL_NUMBERS.length;
  type Reading = { readonly state: "ok" | "wrong"; readonly total: bigint; readonly count: number } | { readonly state: "broken" };
  /**
   * GET /total against the expected total and count. `hint` adds the likely cause to a wrong reading; `settleMs` lets
   * a peer that applies POSTs asynchronously catch up before the reading counts as wrong.
   */
  const readTotal = async (
    id: string,
    title: string,
    context: string,
    options: { hint?: (reported: { total: bigint; count: number }) => string; settleMs?: number } = {},
  ): Promise<Reading> => {
    const deadline = performance.now() + (options.settleMs ?? 0);
    for (;;) {
      const reading = await readTotalOnce(id, title, context, options.hint, performance.now() >= deadline);
      if (reading !== "again") return reading;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const readTotalOnce = async (
    id: string,
    title: string,
    context: string,
    hint: ((reported: { total: bigint; count: number }) => string) | undefined,
    last: boolean,
  ): Promise<Reading | "again"> => {
    let answer: HttpAnswer;
    try {
      answer = await call("GET", "/total");
    } catch (error) {
      add(id, title, "fail", `GET /total failed: ${why(error)}.${crashNote()}`);
      return { state: "broken" };
    }
    if (answer.status !== 200) {
      add(id, title, "fail", `GET /total answered ${answer.status}: a peer must serve GET /total, ${CONTRACT}`);
      return { state: "broken" };
    }
    const parsed = TotalResponse.safeParse(safeJson(answer.body));
    if (!parsed.success) {
      add(
        id,
        title,
        "fail",
        `GET /total answered ${quote(answer.body)}: ${zodProblems(parsed.error)}; expected ` +
          `{"node":"c1","total":"<decimal string>","count":<how many numbers>}, ${CONTRACT}`,
      );
      return { state: "broken" };
    }
    const { total, count } = parsed.data;
    if (BigInt(total) !== expectedTotal || count !== expectedCount) {
      if (!last) return "again";
      add(
        id,
        title,
        "fail",
        `${context}, GET /total reported total ${shortInteger(total)} count ${count}, expected total ` +
          `${shortInteger(expectedTotal)} count ${expectedCount}` +
          (hint?.({ total: BigInt(total), count }) ?? ""),
      );
      return { state: "wrong", total: BigInt(total), count };
    }
    add(id, title, "pass", `total ${shortInteger(total)} count ${count}`);
    return { state: "ok", total: BigInt(total), count };
  };

  const initial = await readTotal(
    "total-initial",
    "counts NUMBERS at start",
    `with NUMBERS=${INITIAL_NUMBERS.join(",")} and nothing posted (a peer must add the numbers in NUMBERS when it starts)`,
  );
  if (initial.state === "broken") {
    skipRest(
      [
        ["post-valid", "POST /numbers accepts integers"],
        ["reject-invalid", "POST /numbers rejects invalid values"],
        ["post-twice", "the same value posted twice counts twice"],
        ["post-concurrent", `${CONCURRENT_POSTS} concurrent POSTs all count`],
      ],
      "GET /total does not work",
    );
  } else {
    if (initial.state === "wrong") {
      // Go on from what the peer reports, so that the next checks judge only POST.
      expectedTotal = initial.total;
      expectedCount = initial.count;
    }
    // Valid POSTs: 201 each, then the total includes them.
    let postsOk = true;
    for (const post of VALID_POSTS) {
      try {
        const answer = await call("POST", "/numbers", post.body);
        if (answer.status !== 201) {
          postsOk = add(
            "post-valid",
            "POST /numbers accepts integers",
            "fail",
            `POST /numbers with ${quote(post.body, 60)} answered ${answer.status} ${quote(answer.body, 80)}: a peer ` +
              `must accept integers (JSON numbers or decimal strings, any size up to 1000 digits) and answer 201, ${CONTRACT}`,
          );
          break;
        }
        for (const v of post.values) expectedTotal += BigInt(v);
        expectedCount += post.values.length;
      } catch (error) {
        postsOk = add(
          "post-valid",
          "POST /numbers accepts integers",
          "fail",
          `POST /numbers with ${quote(post.body, 60)} failed: ${why(error)}.${crashNote()}`,
        );
        break;
      }
    }
    if (postsOk) {
      const after = await readTotal(
        "post-valid",
        "POST /numbers accepts integers",
        `after POSTing 42, ${BIG_NEGATIVE} and the batch [1, "2", -3] (each answered 201)`,
      );
      postsOk = after.state === "ok";
    }

    // Invalid POSTs: 400 each, nothing stored.
    const accepted: string[] = [];
    let broken = "";
    for (const post of INVALID_POSTS) {
      try {
        const answer = await call("POST", "/numbers", post.body);
        if (answer.status !== 400) accepted.push(`${post.what} (${quote(post.body, 40)}) answered ${answer.status}`);
      } catch (error) {
        broken = `POST /numbers with ${post.what} failed: ${why(error)}.${crashNote()}`;
        break;
      }
    }
    if (broken) {
      add("reject-invalid", "POST /numbers rejects invalid values", "fail", broken);
    } else if (accepted.length > 0) {
      add(
        "reject-invalid",
        "POST /numbers rejects invalid values",
        "fail",
        `POST /numbers with ${accepted.join("; ")}: a peer must answer 400 {"error": "..."} and store nothing, ${CONTRACT}`,
      );
    } else {
      add("reject-invalid", "POST /numbers rejects invalid values", "pass", `all ${INVALID_POSTS.length} answered 400`);
    }
    // After a wrong reading, go on from what the peer reports, so that each check judges only itself.
    const rebase = (reading: Reading): void => {
      if (reading.state === "wrong") {
        expectedTotal = reading.total;
        expectedCount = reading.count;
      }
    };
    if (!broken && postsOk) {
      rebase(
        await readTotal(
          "reject-stores-nothing",
          "rejected values are not stored",
          "after the rejected POSTs (a rejected POST must store nothing; a batch is all or nothing)",
        ),
      );
    }

    // Counting, as the scenarios cannot see it: equal values are distinct numbers, concurrent POSTs all count.
    const posted = async (id: string, title: string, bodies: readonly string[], what: string): Promise<boolean> => {
      const answers = await Promise.allSettled(bodies.map((body) => call("POST", "/numbers", body)));
      const wrong = answers.flatMap((a, i) =>
        a.status === "rejected"
          ? [`POST ${i + 1} failed: ${why(a.reason)}`]
          : a.value.status !== 201
            ? [`POST ${i + 1} answered ${a.value.status} ${quote(a.value.body, 80)}`]
            : [],
      );
      if (wrong.length === 0) return true;
      add(
        id,
        title,
        "fail",
        `${what}: ${wrong.length} of ${bodies.length} POSTs went wrong (${wrong.slice(0, 3).join("; ")})` +
          `${crashNote()}; a peer must accept each with 201, ${CONTRACT}`,
      );
      return false;
    };

    const twiceTitle = "the same value posted twice counts twice";
    if (await posted("post-twice", twiceTitle, [TWICE_BODY], "POST /numbers with 11")) {
      if (await posted("post-twice", twiceTitle, [TWICE_BODY], "POST /numbers with 11 a second time")) {
        expectedTotal += 22n;
        expectedCount += 2;
        const reported = await readTotal("post-twice", twiceTitle, "after POSTing 11 twice (each answered 201)", {
          settleMs: SETTLE_MS,
          hint: (r) =>
            r.count === expectedCount - 1
              ? ": the second 11 was taken for the first. Two POSTs are two numbers even when their values are equal: " +
                `identify a number by where and when it was added (e.g. origin and sequence number), never by its value, ${CONTRACT}`
              : `; adding the same value twice is two numbers, ${CONTRACT}`,
        });
        rebase(reported);
      }
    }

    const concurrentTitle = `${CONCURRENT_POSTS} concurrent POSTs all count`;
    const batches = concurrentBatches();
    if (
      await posted(
        "post-concurrent",
        concurrentTitle,
        batches.map((values) => JSON.stringify({ values })),
        `${CONCURRENT_POSTS} concurrent POSTs of ${CONCURRENT_BATCH} values each`,
      )
    ) {
      const all = batches.flat();
      expectedTotal += all.reduce((sum, v) => sum + BigInt(v), 0n);
      expectedCount += all.length;
      const reported = await readTotal(
        "post-concurrent",
        concurrentTitle,
        `after ${CONCURRENT_POSTS} POSTs of ${CONCURRENT_BATCH} values each, sent at once and each answered 201`,
        {
          settleMs: SETTLE_MS,
          hint: (r) =>
            r.count < expectedCount
              ? `: ${expectedCount - r.count} of the ${all.length} numbers are missing although every POST was ` +
                "answered 201. Requests that arrive together must not overwrite each other's numbers (an unlocked " +
                "read-modify-write of shared state, or a copy stored after an await?); a number answered 201 must count"
              : `; every number answered 201 must count exactly once, ${CONTRACT}`,
        },
      );
      rebase(reported);
    }
  }

  // Unknown route: 404. Scenarios do not depend on it, so it only warns.
  try {
    const answer = await call("GET", "/no-such-route");
    if (answer.status === 404) add("unknown-route", "unknown route answers 404", "pass", "answers 404");
    else
      add(
        "unknown-route",
        "unknown route answers 404",
        "warn",
        `GET /no-such-route answered ${answer.status}: the contract asks for 404 on unknown routes`,
      );
  } catch (error) {
    add("unknown-route", "unknown route answers 404", "warn", `GET /no-such-route failed: ${why(error)}`);
  }

  // SIGTERM: gone within the grace period, else killed.
  const info = net.snapshot().nodes.find((n) => n.id === NODE_ID);
  const usable = initial.state !== "broken";
  if (info?.status !== "running") {
    add("sigterm", "exits on SIGTERM", "fail", `the peer was no longer running before SIGTERM.${crashNote()}`);
    return usable;
  }
  const stopStarted = performance.now();
  try {
    await net.stopNode(NODE_ID, { timeoutMs: limits.stopGraceMs });
  } catch (error) {
    add("sigterm", "exits on SIGTERM", "fail", `stopping the peer failed: ${why(error)}`);
    return usable;
  }
  const tookMs = performance.now() - stopStarted;
  const exit = net.snapshot().nodes.find((n) => n.id === NODE_ID)?.lastExit;
  if (exit && (exit.signal === "SIGKILL" || exit.code === 137)) {
    add(
      "sigterm",
      "exits on SIGTERM",
      "fail",
      `the peer did not exit within ${limits.stopGraceMs / 1000} s of SIGTERM and was killed: a peer must exit ` +
        `within 2 s of SIGTERM (handle the signal; in a container your process is PID 1 and gets no default ` +
        `handler), ${CONTRACT}`,
    );
  } else {
    const how = exit?.signal ? `on signal ${exit.signal}` : `with code ${exit?.code ?? "?"}`;
    add("sigterm", "exits on SIGTERM", "pass", `exited ${how} after ${(tookMs / 1000).toFixed(1)} s`);
  }
  return usable;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
