/**
 * A background load: POSTs at a rate for a while, several in flight at once, at random live nodes or named ones,
 * with values from a distribution. Each POST ends one of three ways, and the checker hears which (Maelstrom's ok,
 * fail and info): acknowledged (the numbers must count), refused before it was sent (they do not exist), or
 * indeterminate (sent, then a timeout or a broken connection: they may count, never must).
 */
import type { NodeClient } from "../../contract/node-client.js";
import { ControlError } from "../../contract/peer-client.js";
import { realClock, type Clock } from "../base/clock.js";
import { seededRandom, type SeededRandom } from "../base/seeded-random.js";
import type { LoadValues, PlannedLoad } from "../scenario/plan.js";
import type { LoadResult } from "./result.js";

export interface LoadHooks {
  /** Nodes a POST may go to now (running or paused), among the load's targets. */
  eligible(targets: "random" | readonly string[]): string[];
  /** The node's control API. */
  client(node: string): NodeClient;
  /**
   * A mark of the network's state (the checker's count of changes) taken as each POST is sent, and given back with
   * its acknowledgement: a POST that straddled a change may have spread under either state.
   */
  mark?(): number;
  /** `answer` is the POST's parsed answer body (it may name the numbers' identities). */
  acknowledged(node: string, values: readonly string[], sentAt: number, answer: unknown, markWhenSent?: number): void;
  indeterminate(node: string, values: readonly string[], sentAt: number, why: string): void;
}

/** What a load did (the result's LoadResult, before it is tied to its step). */
export type LoadStats = Omit<LoadResult, "step">;

export interface LoadRun {
  /** Ends the load early; what is in flight still completes. */
  stop(): void;
  readonly done: Promise<LoadStats>;
}

/** How long one POST may take before it counts as indeterminate. */
const POST_TIMEOUT_MS = 5000;

export function drawValue(rng: SeededRandom, values: LoadValues): string {
  if (typeof values === "object") return rng.bigint(BigInt(values.min), BigInt(values.max)).toString();
  const kind = values === "mixed" ? (["small", "negative", "huge"] as const)[rng.int(0, 2)] : values;
  switch (kind) {
    case "small":
      return String(rng.int(-1000, 1000));
    case "negative":
      return String(-rng.int(1, 1_000_000_000_000));
    case "huge": {
      const digits = rng.int(30, 60);
      const magnitude = rng.bigint(10n ** BigInt(digits - 1), 10n ** BigInt(digits) - 1n);
      return (rng.next() < 0.5 ? -magnitude : magnitude).toString();
    }
    default:
      throw new Error(`unknown load values: ${String(kind)}`);
  }
}

export function startLoad(load: PlannedLoad, hooks: LoadHooks, clock: Clock = realClock): LoadRun {
  const now = (): number => clock.now();
  const rng = seededRandom(load.seed);
  let stopped = false;
  /** Wakes the load from its wait between POSTs when it is stopped. */
  const wake = new AbortController();
  const stats = { posts: 0, acknowledged: 0, indeterminate: 0, refused: 0, skipped: 0, late: 0 };
  const started = now();
  const inFlight = new Set<Promise<void>>();

  const post = async (node: string, values: string[]): Promise<void> => {
    const sentAt = now();
    const mark = hooks.mark?.();
    stats.posts++;
    try {
      const answer = await hooks.client(node).addNumbers(values, POST_TIMEOUT_MS);
      stats.acknowledged += values.length;
      hooks.acknowledged(node, values, sentAt, answer, mark);
    } catch (error) {
      const sent = error instanceof ControlError ? error.sent && !(error.status !== undefined && error.status < 500) : true;
      if (sent) {
        stats.indeterminate += values.length;
        hooks.indeterminate(node, values, sentAt, (error as Error).message);
      } else stats.refused += values.length;
    }
  };

  const run = async (): Promise<LoadStats> => {
    const perPost = load.batch;
    const posts = Math.max(1, Math.round((load.rate * load.durationMs) / 1000 / perPost));
    const gapMs = (1000 * perPost) / load.rate;
    for (let i = 0; i < posts && !stopped; i++) {
      const due = started + i * gapMs;
      const wait = due - now();
      if (wait > 0) await clock.sleep(wait, wake.signal);
      if (stopped) break;
      while (inFlight.size >= load.concurrency && !stopped) await Promise.race(inFlight);
      if (stopped) break;
      // POSTs that hang (a paused node answers nothing until its timeout) held the load back past its duration by
      // more than a POST's timeout: what is left is not sent, so the load ends within seconds of its time instead of
      // minutes later. A merely slow machine stays well within that slack and sends everything.
      if (now() - started > load.durationMs + POST_TIMEOUT_MS) {
        stats.late += (posts - i) * perPost;
        break;
      }
      const values = Array.from({ length: perPost }, () => drawValue(rng, load.values));
      const eligible = hooks.eligible(load.targets);
      if (eligible.length === 0) {
        stats.skipped += values.length;
        continue;
      }
      const node = eligible[rng.int(0, eligible.length - 1)] as string;
      const p = post(node, values).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    return { ...stats, durationMs: now() - started };
  };

  const done = run();
  return {
    stop() {
      stopped = true;
      wake.abort();
    },
    done,
  };
}
