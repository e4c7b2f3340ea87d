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

/** Largest number of subsets of uncertain numbers examined exactly before falling back to bounds. */
const MAX_COMBINATIONS = 200_000;

/**
 * How a report matches the certain numbers plus some subset of the uncertain ones (total, and count when the peer
 * reports one):
 * - "exact": a subset that gives it was found (or the subset is fixed: none or all of them, by the count);
 * - "bounds": too many uncertain numbers to search, and the report is within what a subset of its size could give.
 *   That lets the node pass, but does not show which numbers it holds: it may lack certain ones and hold uncertain
 *   ones instead (explore --runtime sim, seed 188), so the model must not take it as having seen the certain ones;
 * - false: no subset gives it.
 */
export type Acceptance = "exact" | "bounds" | false;

export function acceptance(e: Expectation, r: TotalReport): Acceptance {
  if (e.uncertain.length === 0) return r.total === e.total && (r.count === undefined || r.count === e.count) ? "exact" : false;
  const diff = r.total - e.total;
  const extra = r.count === undefined ? undefined : r.count - e.count;
  if (extra !== undefined && (extra < 0 || extra > e.uncertain.length)) return false;
  if (extra === 0) return diff === 0n ? "exact" : false;
  if (extra === e.uncertain.length) return diff === sum(e.uncertain) ? "exact" : false;
  // With a count, look for the smaller side: the uncertain numbers held, or those not held.
  let target = diff;
  let size = extra;
  if (size !== undefined && 2 * size > e.uncertain.length) {
    target = sum(e.uncertain) - diff;
    size = e.uncertain.length - size;
  }
  // Group equal values: choose how many of each value (a multiset subset-sum with a count constraint).
  const groups = new Map<bigint, number>();
  for (const u of e.uncertain) groups.set(u.value, (groups.get(u.value) ?? 0) + 1);
  const entries = [...groups];
  if (searchCost(entries.map(([, m]) => m), size) > MAX_COMBINATIONS) {
    // Too many to enumerate: accept anything a subset of the reported size could reach (of any size without a count).
    const values = e.uncertain.map((u) => u.value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
  const search = (i: number, s: bigint, c: number): boolean => {
    if (size !== undefined && c > size) return false;
    if (i === entries.length) return s === target && (size === undefined || c === size);
    const [value, m] = entries[i] as [bigint, number];
    for (let k = 0; k <= m; k++) if (search(i + 1, s + value * BigInt(k), c + k)) return true;
    return false;
  };
  return search(0, 0n, 0) ? "exact" : false;
}

/**
 * An upper bound on the subsets `acceptance` visits: of any size, the product of (multiplicity + 1); of `size`
 * numbers, the ways to choose that many from the groups with repetition, C(groups + size - 1, size).
 */
function searchCost(multiplicities: readonly number[], size: number | undefined): number {
  let any = 1;
  for (const m of multiplicities) {
    any *= m + 1;
    if (any > MAX_COMBINATIONS) break;
  }
  if (size === undefined) return any;
  let choose = 1;
  for (let i = 1; i <= size && choose <= MAX_COMBINATIONS; i++) choose = (choose * (multiplicities.length + i - 1)) / i;
  return Math.min(any, choose);
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
