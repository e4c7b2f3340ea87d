/**
 * Judge a node's report against the model's expectation, and explain a mismatch in words a student can act on:
 * `n4 reports 12, expected 15 (waited 10.0 s; missing 3 numbers injected at n1)`.
 */
import type { Expectation, InjectedNumber } from "./model.js";

/** What a node said on GET /total. */
export interface TotalReport {
  readonly total: bigint;
  /** Absent when the peer does not report a count. */
  readonly count?: number | undefined;
}

const sum = (rs: readonly InjectedNumber[]): bigint => rs.reduce((s, r) => s + r.value, 0n);

/**
 * Most states the exact search of `acceptance` visits for one report before it falls back to bounds (about a tenth of
 * a second). Reports are judged again at every poll of an expect step: each (expectation, report) is searched once.
 */
const SEARCH_BUDGET = 200_000;
/** Past this many (group, item) bound entries the search tables are not built: bounds at once. */
const MAX_TABLE = 250_000;

/**
 * How a report matches the certain numbers plus some subset of the uncertain ones (total, and count when the peer
 * reports one):
 * - "exact": a subset that gives it was found, or the search proved none does (then false);
 * - "bounds": the search ran out of its budget (many uncertain numbers whose sums do not prune: dozens of mid-sized
 *   values), and the report is within what a subset of its size could give. That lets the node pass, but does not show
 *   which numbers it holds: it may lack certain ones and hold uncertain ones instead (explore --runtime sim, seed 188),
 *   so the model must not take it as having seen the certain ones;
 * - false: no subset gives it.
 */
export type Acceptance = "exact" | "bounds" | false;

const judged = new WeakMap<Expectation, Map<string, Acceptance>>();

export function acceptance(e: Expectation, r: TotalReport): Acceptance {
  if (e.uncertain.length === 0) return r.total === e.total && (r.count === undefined || r.count === e.count) ? "exact" : false;
  const key = `${r.total}|${r.count ?? ""}`;
  let seen = judged.get(e);
  const known = seen?.get(key);
  if (known !== undefined) return known;
  const verdict = judge(e, r);
  if (!seen) judged.set(e, (seen = new Map()));
  if (seen.size < 64) seen.set(key, verdict);
  return verdict;
}

function judge(e: Expectation, r: TotalReport): Acceptance {
  const diff = r.total - e.total;
  const extra = r.count === undefined ? undefined : r.count - e.count;
  if (extra !== undefined && (extra < 0 || extra > e.uncertain.length)) return false;
  if (extra === 0) return diff === 0n ? "exact" : false;
  if (extra === e.uncertain.length) return diff === sum(e.uncertain) ? "exact" : false;
  const found = subsetWithSum(
    e.uncertain.map((u) => u.value),
    diff,
    extra,
  );
  if (found !== undefined) return found ? "exact" : false;
  // Out of budget: accept anything a subset of the reported size could reach (of any size without a count).
  const values = e.uncertain.map((u) => u.value).sort(compare);
  let lo = 0n;
  let hi = 0n;
  if (extra === undefined) {
    for (const v of values) {
      if (v < 0n) lo += v;
      else hi += v;
    }
  } else {
    for (let i = 0; i < extra; i++) {
      lo += values[i] as bigint;
      hi += values[values.length - 1 - i] as bigint;
    }
  }
  return diff >= lo && diff <= hi ? "bounds" : false;
}

const compare = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const magnitude = (v: bigint): bigint => (v < 0n ? -v : v);

/**
 * Is there a sub-multiset of `values` summing to `target` (of exactly `size` numbers when given)? true or false when
 * the search settled it within SEARCH_BUDGET states, undefined when it did not.
 *
 * Depth first over the distinct values, largest magnitude first, choosing how many of each to take. A state (values
 * decided so far, numbers taken, sum) is cut when what is left cannot reach the target: with a size, the rest must
 * lie between the sums of the smallest and of the largest values still to come, of that many numbers; without one,
 * between the sums of the negative and of the positive ones. Huge values (hundreds of digits) are decided first and
 * almost every choice of them is cut at once; states proved to fail are remembered, which bounds the work on small
 * values by the sums they can make.
 */
export function subsetWithSum(values: readonly bigint[], target: bigint, size: number | undefined): boolean | undefined {
  const groups = new Map<bigint, number>();
  for (const v of values) groups.set(v, (groups.get(v) ?? 0) + 1);
  const entries = [...groups].sort((a, b) => compare(magnitude(b[0]), magnitude(a[0])));
  const g = entries.length;
  if (size !== undefined && g * (size + 1) > MAX_TABLE) return undefined;
  // For each suffix of `entries`: its numbers sorted, and the bounds a choice from it can reach.
  const left = new Array<number>(g + 1).fill(0);
  const negative = new Array<bigint>(g + 1).fill(0n);
  const positive = new Array<bigint>(g + 1).fill(0n);
  /** lows[i][k], highs[i][k]: the sums of the k smallest and of the k largest numbers of suffix i (k up to size). */
  const lows: bigint[][] = [];
  const highs: bigint[][] = [];
  let suffix: bigint[] = [];
  for (let i = g; i >= 0; i--) {
    if (i < g) {
      const [v, m] = entries[i] as [bigint, number];
      left[i] = left[i + 1]! + m;
      negative[i] = negative[i + 1]! + (v < 0n ? v * BigInt(m) : 0n);
      positive[i] = positive[i + 1]! + (v > 0n ? v * BigInt(m) : 0n);
      if (size !== undefined) suffix = mergeSorted(suffix, v, m);
    }
    if (size !== undefined) {
      const k = Math.min(size, suffix.length);
      const lo = [0n];
      const hi = [0n];
      for (let j = 0; j < k; j++) {
        lo.push(lo[j]! + suffix[j]!);
        hi.push(hi[j]! + suffix[suffix.length - 1 - j]!);
      }
      lows[i] = lo;
      highs[i] = hi;
    }
  }
  /** States proved to fail: by (values decided, numbers taken), the sums. */
  const failed = new Map<number, Set<bigint>>();
  const width = (size ?? values.length) + 1;
  let visits = 0;
  const search = (i: number, taken: number, total: bigint): boolean | undefined => {
    if (++visits > SEARCH_BUDGET) return undefined;
    const rest = target - total;
    if (size === undefined) {
      if (rest < negative[i]! || rest > positive[i]!) return false;
    } else {
      const k = size - taken;
      if (k < 0 || k > left[i]!) return false;
      if (rest < lows[i]![k]! || rest > highs[i]![k]!) return false;
    }
    if (i === g) return rest === 0n;
    const slot = i * width + taken;
    let sums = failed.get(slot);
    if (sums?.has(total)) return false;
    const [v, m] = entries[i] as [bigint, number];
    for (let take = 0; take <= m; take++) {
      const found = search(i + 1, taken + take, total + v * BigInt(take));
      if (found !== false) return found;
    }
    if (!sums) failed.set(slot, (sums = new Set()));
    sums.add(total);
    return false;
  };
  return search(0, 0, 0n);
}

/** `sorted` (ascending) with `m` copies of `v` put in their place. */
function mergeSorted(sorted: readonly bigint[], v: bigint, m: number): bigint[] {
  let at = 0;
  while (at < sorted.length && sorted[at]! < v) at++;
  return [...sorted.slice(0, at), ...new Array<bigint>(m).fill(v), ...sorted.slice(at)];
}

/** True when the report matches the certain numbers plus some subset of the uncertain ones (see `acceptance`). */
export function accepts(e: Expectation, r: TotalReport): boolean {
  return acceptance(e, r) !== false;
}

const numbers = (n: number): string => `${n} number${n === 1 ? "" : "s"}`;
const joinAnd = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;

/** Numbers added together: one node's NUMBERS, or one step's numbers at one node. */
interface Batch {
  readonly key: string;
  readonly origin: string;
  readonly records: readonly InjectedNumber[];
  readonly n: number;
  readonly s: bigint;
}

function batches(rs: readonly InjectedNumber[]): Batch[] {
  const m = new Map<string, InjectedNumber[]>();
  for (const r of rs) {
    const key = r.source === "numbers" ? `${r.origin}|numbers` : `${r.origin}|${r.step}|${r.after ?? ""}`;
    m.set(key, [...(m.get(key) ?? []), r]);
  }
  return [...m].map(([key, records]) => ({ key, origin: records[0]!.origin, records, n: records.length, s: sum(records) }));
}

/** A batch in words: "injected at n2 in step 7, after n2 restarted without DATA_DIR in step 5", "from n1's NUMBERS". */
function describe(b: Batch): string {
  const r = b.records[0]!;
  if (r.source === "numbers") return `from ${b.origin}'s NUMBERS`;
  return `injected at ${b.origin}${r.step >= 0 ? ` in step ${r.step + 1}` : ""}${r.after ? `, ${r.after}` : ""}`;
}

/** Several batches in words, e.g. "injected at n1 in step 1 and at n4 in step 5". */
function describeAll(picked: readonly Batch[]): string {
  return joinAnd(picked.map((b, i) => (i === 0 ? describe(b) : describe(b).replace(/^injected at /, "at "))));
}

/** Batches whose union explains `count` numbers summing to `total` (count undefined: total only); smallest first. */
function explainByBatches(rs: readonly InjectedNumber[], total: bigint, count: number | undefined): Batch[] | undefined {
  const groups = batches(rs);
  const fits = (s: bigint, n: number): boolean => s === total && (count === undefined || n === count);
  for (const g of groups) if (fits(g.s, g.n)) return [g];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i] as Batch;
      const b = groups[j] as Batch;
      if (fits(a.s + b.s, a.n + b.n)) return [a, b];
    }
  }
  if (groups.length > 14) return undefined;
  let best: Batch[] | undefined;
  for (let mask = 1; mask < 1 << groups.length; mask++) {
    let s = 0n;
    let n = 0;
    const picked: Batch[] = [];
    groups.forEach((g, i) => {
      if (mask & (1 << i)) {
        s += g.s;
        n += g.n;
        picked.push(g);
      }
    });
    if (fits(s, n) && (!best || picked.length < best.length)) best = picked;
  }
  return best;
}

/**
 * Part of one batch: k of its numbers sum to `total`. Says which when only one choice of values fits, and says so
 * when values alone cannot tell (equal values are one choice: any of them fits the same).
 */
function explainWithinBatch(rs: readonly InjectedNumber[], total: bigint, count: number): string | undefined {
  const fitting: string[] = [];
  for (const b of batches(rs)) {
    if (count >= b.n || b.n > 20) continue;
    const values = b.records.map((r) => r.value);
    const choices = new Set<string>();
    const pick = (i: number, left: number, s: bigint, chosen: bigint[]): void => {
      if (choices.size > 1) return;
      if (left === 0) {
        if (s === total) choices.add([...chosen].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).join(","));
        return;
      }
      if (i === values.length || values.length - i < left) return;
      pick(i + 1, left - 1, s + (values[i] as bigint), [...chosen, values[i] as bigint]);
      pick(i + 1, left, s, chosen);
    };
    pick(0, count, 0n, []);
    if (choices.size === 0) continue;
    const which = choices.size === 1 ? ` (the value${count === 1 ? "" : "s"} ${[...choices][0]!.split(",").join(", ")})` : "; values alone cannot tell which";
    fitting.push(`${count} of the ${numbers(b.n)} ${describe(b)}${which}`);
  }
  if (fitting.length === 1) return fitting[0];
  if (fitting.length > 1) return `${numbers(count)}: values alone cannot tell which (${fitting.length} batches fit)`;
  return undefined;
}

const waited = (ms: number): string => `waited ${(ms / 1000).toFixed(1)} s`;

/** One line explaining why `r` is not accepted (or why there is no report). */
export function explain(e: Expectation, r: TotalReport | { readonly error: string }, waitedMs: number): string {
  const expected =
    e.uncertain.length === 0
      ? `${e.total}`
      : `${e.total} plus any of ${numbers(e.uncertain.length)} whose spread was cut short`;
  if ("error" in r) return `${e.node} ${r.error}, expected ${expected} (${waited(waitedMs)})`;
  const reports = `${e.node} reports ${r.total}`;
  const hints: string[] = [waited(waitedMs)];
  const all = [...e.certain, ...e.uncertain];
  const deficit = e.total - r.total;
  if (r.count !== undefined && r.count < e.count) {
    const missing = e.count - r.count;
    const whole = explainByBatches(e.certain, deficit, missing);
    const part = whole ? undefined : explainWithinBatch(e.certain, deficit, missing);
    hints.push(
      whole
        ? `missing ${numbers(missing)} ${describeAll(whole)}`
        : part
          ? `missing ${part}`
          : `missing ${numbers(missing)} of ${e.count}${deficit !== 0n ? `, worth ${deficit}` : ""}; values alone cannot tell which`,
    );
  } else if (r.count !== undefined && r.count > e.count + e.uncertain.length) {
    const surplus = r.count - e.count;
    const whole = explainByBatches(all, -deficit, surplus);
    hints.push(
      `count ${r.count}, expected ${e.count}: ${numbers(surplus)} more than exist in its part of the network` +
        (whole ? `; the surplus equals the numbers ${describeAll(whole)}: counted twice?` : ": counted twice?"),
    );
  } else if (r.count !== undefined && r.count === e.count && deficit !== 0n) {
    hints.push(`count ${r.count} is right but the total is off by ${-deficit > 0n ? "+" : ""}${-deficit}`);
  } else if (r.count !== undefined && r.count !== e.count && deficit !== 0n) {
    hints.push(`count ${r.count}, expected ${e.count}${e.uncertain.length ? ` to ${e.count + e.uncertain.length}` : ""}`);
  } else if (r.count !== undefined && deficit === 0n) {
    hints.push(`the total is right but count ${r.count} is not ${e.count}`);
  } else if (r.count === undefined && deficit !== 0n) {
    const whole = deficit > 0n ? explainByBatches(e.certain, deficit, undefined) : explainByBatches(all, -deficit, undefined);
    if (whole) {
      hints.push(
        deficit > 0n
          ? `short by ${deficit}, the numbers ${describeAll(whole)}`
          : `over by ${-deficit}, the numbers ${describeAll(whole)}: counted twice?`,
      );
    } else hints.push(`${deficit > 0n ? "short" : "over"} by ${deficit > 0n ? deficit : -deficit}`);
  }
  return `${reports}, expected ${expected} (${hints.join("; ")})`;
}
