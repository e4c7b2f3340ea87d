/**
 * Conformance across restarts: what the single-node checks cannot see, each on a small network of its own.
 *
 * - `restart-fresh-posts`: a node restarted without DATA_DIR, then posted to, must give its new numbers identities
 *   never used before. A peer that starts its sequence numbers again at 1 under its old name looks right on its own:
 *   the collision shows at the OTHER node, which takes the new numbers for ones it already has. So two nodes of the
 *   implementation are linked, numbers are posted at c1, c1 is killed and restarted without DATA_DIR, new numbers are
 *   posted at c1, and c2 (and c1) must count all of them once.
 * - `restart-numbers-once`: a node with NUMBERS and DATA_DIR, restarted, must count NUMBERS once (not append them to
 *   what it recovers).
 *
 * Both networks run the implementation only (no reference peer), so any wire protocol will do.
 */
import { performance } from "node:perf_hooks";
import { addNumbers, getTotal, type TotalAnswer } from "../../contract/peer-client.js";
import type { LinkSpec, NodeSpec } from "../network/spec.js";
import type { Runtime, StartedNetwork } from "../runtime/runtime.js";
import { describeError, shortInteger } from "./conformance-words.js";
import { logTail } from "./log-tail.js";

export interface RestartChecksOptions {
  readonly runtime: Runtime;
  readonly command?: string | undefined;
  readonly image?: string | undefined;
  readonly env?: Readonly<Record<string, string>>;
  readonly healthTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly requestTimeoutMs: number;
  /** How long two linked nodes may take to agree (default 10000 ms, a scenario's usual expect timeout). */
  readonly convergeTimeoutMs?: number;
}

export interface RestartCheck {
  readonly id: string;
  readonly title: string;
  /** `skip`: the check could not judge (two linked nodes never agreed); the scenarios show that failure. */
  readonly status: "pass" | "fail" | "skip";
  readonly message: string;
  /** The end of each node's log, labelled, when the check failed; empty otherwise. */
  readonly logTail: string;
}

const CONTRACT = "see PEER-CONTRACT.md";
const BEFORE = ["1000", "2000", "3000"] as const;
const AFTER = ["4", "5", "6"] as const;
const NUMBERS = ["7", "-2"] as const;
const POSTED_WITH_NUMBERS = "40";

const sum = (values: readonly string[]): bigint => values.reduce((s, v) => s + BigInt(v), 0n);
const describe = (r: TotalAnswer | string): string =>
  typeof r === "string" ? r : `total ${shortInteger(r.total)} count ${r.count}`;

/** Polls GET /total until it reports `want` or the time is up; the last reading (or why it failed). */
async function waitForTotal(
  url: string,
  want: { total: bigint; count: number },
  timeoutMs: number,
  requestTimeoutMs: number,
): Promise<{ ok: boolean; last: TotalAnswer | string }> {
  const deadline = performance.now() + timeoutMs;
  let last: TotalAnswer | string = "no answer";
  for (;;) {
    try {
      last = await getTotal(url, requestTimeoutMs);
      if (last.total === want.total && last.count === want.count) return { ok: true, last };
    } catch (error) {
      last = `GET /total failed: ${describeError(error, requestTimeoutMs)}`;
    }
    if (performance.now() >= deadline) return { ok: false, last };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function checkRestarts(options: RestartChecksOptions): Promise<RestartCheck[]> {
  return [await freshPostsAfterRestart(options), await numbersOnceWithDataDir(options)];
}

/** Starts a network of the implementation, runs `body` on it, and always removes it; start failures become a fail. */
async function onNetwork(
  options: RestartChecksOptions,
  check: { id: string; title: string },
  network: { name: string; nodes: NodeSpec[]; links: LinkSpec[] },
  /** What went wrong (a fail), `{ skip }` when the check cannot judge, or null when it passed. */
  body: (net: StartedNetwork) => Promise<string | { skip: string } | null>,
): Promise<RestartCheck> {
  let net: StartedNetwork;
  try {
    net = await options.runtime.start(network, { healthTimeoutMs: options.healthTimeoutMs });
  } catch (error) {
    return { ...check, status: "fail", message: `not checked: the ${network.nodes.length}-node network did not start: ${describeError(error)}`, logTail: "" };
  }
  let failure: string | { skip: string } | null;
  try {
    failure = await body(net);
  } catch (error) {
    failure = `${describeError(error, options.requestTimeoutMs)}${crashNote(net)}`;
  }
  let tail = "";
  if (typeof failure === "string") {
    for (const node of network.nodes) {
      const text = await net.readLog(node.id).catch((error: unknown) => `(log unavailable: ${describeError(error)})`);
      tail += `--- ${node.id} (${check.id}) ---\n${logTail(text, { lines: 15 })}\n`;
    }
  }
  await net[Symbol.asyncDispose]();
  if (failure === null) return { ...check, status: "pass", message: passMessage(check.id), logTail: "" };
  if (typeof failure !== "string") return { ...check, status: "skip", message: failure.skip, logTail: "" };
  return { ...check, status: "fail", message: failure, logTail: tail };
}

function passMessage(id: string): string {
  return id === "restart-fresh-posts"
    ? `c1 killed and restarted without DATA_DIR; the ${AFTER.length} numbers posted after it count once at c1 and c2`
    : `NUMBERS=${NUMBERS.join(",")} counted once after a restart with DATA_DIR`;
}

function crashNote(net: StartedNetwork): string {
  const exited = net.snapshot().nodes.filter((n) => n.status === "exited");
  return exited.map((n) => ` ${n.id} exited on its own (code ${n.lastExit?.code ?? "?"}); see the end of its log.`).join("");
}

function node(options: RestartChecksOptions, id: string, dataDir: boolean, numbers: readonly string[]): NodeSpec {
  return { id, command: options.command, image: options.image, env: options.env ?? {}, dataDir, numbers };
}

async function freshPostsAfterRestart(options: RestartChecksOptions): Promise<RestartCheck> {
  const check = { id: "restart-fresh-posts", title: "new numbers after a restart without DATA_DIR count once" };
  const converge = options.convergeTimeoutMs ?? 10_000;
  const t = options.requestTimeoutMs;
  const network = {
    name: "conformance-restart",
    nodes: [node(options, "c1", false, []), node(options, "c2", false, [])],
    // c1 dials c2, so that c1 links up again as soon as it restarts.
    links: [{ from: "c1", to: "c2" }],
  };
  return onNetwork(options, check, network, async (net) => {
    const [c1, c2] = [net.controlUrl("c1"), net.controlUrl("c2")];
    await addNumbers(c1, BEFORE, t);
    const first = { total: sum(BEFORE), count: BEFORE.length };
    const reached = await waitForTotal(c2, first, converge, t);
    if (!reached.ok) {
      return {
        skip: `not checked: before any restart, the ${BEFORE.length} numbers posted at c1 (${BEFORE.join(", ")}) did not ` +
        `reach c2, linked to it, within ${converge / 1000} s (c2: ${describe(reached.last)}); two linked peers must ` +
        `share their numbers, ${CONTRACT}`,
      };
    }
    await net.restartNode("c1", { hard: true, healthTimeoutMs: options.healthTimeoutMs });
    // A restarted node may answer at another address (a new container or task): ask the network again.
    await addNumbers(net.controlUrl("c1"), AFTER, t);
    const want = { total: sum([...BEFORE, ...AFTER]), count: BEFORE.length + AFTER.length };
    const context =
      `c1 was posted ${BEFORE.join(", ")}, killed, restarted without DATA_DIR and posted ${AFTER.join(", ")} ` +
      `(answered 201)`;
    const other = await waitForTotal(c2, want, converge, t);
    if (!other.ok) {
      const r = other.last;
      const hint =
        typeof r !== "string" && r.count === BEFORE.length && r.total === sum(BEFORE)
          ? ": c2 took the new numbers for the ones it already had. A peer restarted without DATA_DIR must give " +
            "its new numbers identities never used before (e.g. a fresh random incarnation in the origin), not " +
            `restart its sequence numbers at 1 under its old name, ${CONTRACT}`
          : typeof r !== "string" && r.count > want.count
            ? `: ${r.count - want.count} numbers counted twice; every number must count once, ${CONTRACT}`
            : "";
      return `${context}; within ${converge / 1000} s c2 reported ${describe(r)}, expected total ${want.total} count ${want.count}${hint}`;
    }
    const self = await waitForTotal(net.controlUrl("c1"), want, converge, t);
    if (!self.ok) {
      return (
        `${context}; c2 counts all ${want.count} numbers, but within ${converge / 1000} s c1 reported ` +
        `${describe(self.last)}, expected total ${want.total} count ${want.count}: after a restart without DATA_DIR ` +
        `a peer starts empty and must catch up from its neighbours, and its new numbers must not be confused with ` +
        `its old ones, ${CONTRACT}`
      );
    }
    return null;
  });
}

async function numbersOnceWithDataDir(options: RestartChecksOptions): Promise<RestartCheck> {
  const check = { id: "restart-numbers-once", title: "NUMBERS count once after a restart with DATA_DIR" };
  const t = options.requestTimeoutMs;
  const settle = 3_000;
  const network = { name: "conformance-datadir", nodes: [node(options, "c1", true, NUMBERS)], links: [] };
  return onNetwork(options, check, network, async (net) => {
    const c1 = net.controlUrl("c1");
    const atStart = await waitForTotal(c1, { total: sum(NUMBERS), count: NUMBERS.length }, settle, t);
    if (!atStart.ok) {
      return `not checked: with NUMBERS=${NUMBERS.join(",")} and DATA_DIR set, the first start reported ${describe(atStart.last)}, expected total ${sum(NUMBERS)} count ${NUMBERS.length}`;
    }
    await addNumbers(c1, [POSTED_WITH_NUMBERS], t);
    const want = { total: sum([...NUMBERS, POSTED_WITH_NUMBERS]), count: NUMBERS.length + 1 };
    await net.restartNode("c1", { timeoutMs: options.stopGraceMs, healthTimeoutMs: options.healthTimeoutMs });
    const after = await waitForTotal(net.controlUrl("c1"), want, settle, t);
    if (after.ok) return null;
    const r = after.last;
    const hint =
      typeof r === "string"
        ? ""
        : r.count === want.count + NUMBERS.length && r.total === want.total + sum(NUMBERS)
          ? `: NUMBERS were counted again. A peer must count NUMBERS once, also when it recovers from DATA_DIR ` +
            `(give them identities that stay the same across starts, e.g. node and position), ${CONTRACT}`
          : r.count < want.count
            ? `: with DATA_DIR a peer must come back knowing what it knew, ${CONTRACT}`
            : `, ${CONTRACT}`;
    return (
      `c1 with NUMBERS=${NUMBERS.join(",")} and DATA_DIR was posted ${POSTED_WITH_NUMBERS} (answered 201) and ` +
      `restarted (SIGTERM, then started with the same environment); it reported ${describe(r)}, expected total ` +
      `${want.total} count ${want.count}${hint}`
    );
  });
}
