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
 * True when the report matches the certain numbers plus some subset of the uncertain ones (total, and count when the
 * peer reports one).
 */
export function accepts(e: Expectation, r: TotalReport): boolean {
  if (e.uncertain.length === 0) return r.total === e.total && (r.count === undefined || r.count === e.count);
  const diff = r.total - e.total;
  const extra = r.count === undefined ? undefined : r.count - e.count;
  if (extra !== undefined && (extra < 0 || extra > e.uncertain.length)) return false;
  // Group equal values: choose how many of each value (a multiset subset-sum with a count constraint).
  const groups = new Map<bigint, number>();
  for (const u of e.uncertain) groups.set(u.value, (groups.get(u.value) ?? 0) + 1);
  const entries = [...groups];
  let combinations = 1;
  for (const [, m] of entries) {
    combinations *= m + 1;
    if (combinations > MAX_COMBINATIONS) break;
  }
  if (combinations > MAX_COMBINATIONS) {
    // Too many to enumerate: accept anything within the reachable range.
    let lo = 0n;
    let hi = 0n;
    for (const u of e.uncertain) {
      if (u.value < 0n) lo += u.value;
      else hi += u.value;
    }
    return diff >= lo && diff <= hi;
  }
  const search = (i: number, s: bigint, c: number): boolean => {
    if (i === entries.length) return s === diff && (extra === undefined || c === extra);
    const [value, m] = entries[i] as [bigint, number];
    for (let k = 0; k <= m; k++) if (search(i + 1, s + value * BigInt(k), c + k)) return true;
    return false;
  };
  return search(0, 0n, 0);
}

function groupByOrigin(rs: readonly InjectedNumber[]): Map<string, InjectedNumber[]> {
  const m = new Map<string, InjectedNumber[]>();
  for (const r of rs) m.set(r.origin, [...(m.get(r.origin) ?? []), r]);
  return m;
}

const numbers = (n: number): string => `${n} number${n === 1 ? "" : "s"}`;
const joinAnd = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;

/**
 * Find origin groups (all numbers injected at one node) whose union explains a shortfall of `count` numbers summing
 * to `total` (count undefined: total only).
 */
function explainByOrigins(rs: readonly InjectedNumber[], total: bigint, count: number | undefined): string[] | undefined {
  const groups = [...groupByOrigin(rs)].map(([origin, g]) => ({ origin, n: g.length, s: sum(g) }));
  const fits = (s: bigint, n: number): boolean => s === total && (count === undefined || n === count);
  // Smallest explanation first: one origin, then two, then (for few origins) any combination.
  for (const g of groups) if (fits(g.s, g.n)) return [g.origin];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i] as (typeof groups)[number];
      const b = groups[j] as (typeof groups)[number];
      if (fits(a.s + b.s, a.n + b.n)) return [a.origin, b.origin];
    }
  }
  if (groups.length > 14) return undefined;
  let best: string[] | undefined;
  for (let mask = 1; mask < 1 << groups.length; mask++) {
    let s = 0n;
    let n = 0;
    const picked: string[] = [];
    groups.forEach((g, i) => {
      if (mask & (1 << i)) {
        s += g.s;
        n += g.n;
        picked.push(g.origin);
      }
    });
    if (fits(s, n) && (!best || picked.length < best.length)) best = picked;
  }
  return best;
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
    const origins = explainByOrigins(e.certain, deficit, missing);
    hints.push(
      origins
        ? `missing ${numbers(missing)} injected at ${joinAnd(origins)}`
        : `missing ${numbers(missing)} of ${e.count}${deficit !== 0n ? `, worth ${deficit}` : ""}`,
    );
  } else if (r.count !== undefined && r.count > e.count + e.uncertain.length) {
    const surplus = r.count - e.count;
    const origins = explainByOrigins(all, -deficit, surplus);
    hints.push(
      `count ${r.count}, expected ${e.count}: ${numbers(surplus)} more than exist in its part of the network` +
        (origins ? `; the surplus equals the numbers injected at ${joinAnd(origins)}: counted twice?` : ": counted twice?"),
    );
  } else if (r.count !== undefined && r.count === e.count && deficit !== 0n) {
    hints.push(`count ${r.count} is right but the total is off by ${-deficit > 0n ? "+" : ""}${-deficit}`);
  } else if (r.count !== undefined && r.count !== e.count && deficit !== 0n) {
    hints.push(`count ${r.count}, expected ${e.count}${e.uncertain.length ? ` to ${e.count + e.uncertain.length}` : ""}`);
  } else if (r.count !== undefined && deficit === 0n) {
    hints.push(`the total is right but count ${r.count} is not ${e.count}`);
  } else if (r.count === undefined && deficit !== 0n) {
    const origins = deficit > 0n ? explainByOrigins(e.certain, deficit, undefined) : explainByOrigins(all, -deficit, undefined);
    if (origins) {
      hints.push(
        deficit > 0n
          ? `short by ${deficit}, the numbers injected at ${joinAnd(origins)}`
          : `over by ${-deficit}, the numbers injected at ${joinAnd(origins)}: counted twice?`,
      );
    } else hints.push(`${deficit > 0n ? "short" : "over"} by ${deficit > 0n ? deficit : -deficit}`);
  }
  return `${reports}, expected ${expected} (${hints.join("; ")})`;
}
