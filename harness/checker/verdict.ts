/**
 * Judge a node's report against the model's expectation, and explain a mismatch in words a student can act on:
 * `n4 reports 12, expected 15 (waited 10.0 s; missing 3 numbers injected at n1)`.
 */
import type { Expectation, InjectedNumber } from "./expectation.js";

/** What a node said on GET /total. */
export interface TotalReport {
  readonly total: bigint;
  /** Absent when the peer does not report a count. */
  readonly count?: number | undefined;
}

const sum = (rs: readonly InjectedNumber[]): bigint => rs.reduce((s, r) => s + r.value, 0n);

/**
 * Most states the exact search of `acceptance` visits for one report before it falls back to bounds (up to about
 * 100 ms; a node still converging sends a new report at each poll of an expect step, and each (expectation, report)
 * is searched once). 200,000 decided a few more reports of 64 to 128 uncertain numbers and made the simulator's
 * campaigns 3 times slower (BENCHMARKS.md, `npm run bench:checker`).
 */
const SEARCH_BUDGET = 50_000;
/** Past this many (group, item) bound entries the search tables are not built: bounds at once. */
const MAX_TABLE = 250_000;
/** The search recurses once per distinct value: past this many it is not tried (the stack holds about 3,000). */
const MAX_DISTINCT = 1_000;

/**
 * How a report matches the certain numbers plus some subset of the uncertain ones (total, and count when the peer
 * reports one):
 * - "exact": a subset that gives it was found;
 * - "bounds": the search ran out of its budget (many uncertain numbers whose sums do not prune: dozens of mid-sized
 *   values), and the report is within what a subset of its size could give. That lets the node pass;
 * - false: no subset gives it (the search proved it, or the report is beyond what any could give).
 * Neither "exact" nor "bounds" shows which numbers the node holds: it may lack certain ones and hold uncertain ones
 * that make up for them (explore --runtime sim, seeds 188 and 41103). `couldLackCertain` asks that.
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

/** States a search may still visit; shared by the searches of one question. */
interface Budget {
  left: number;
}

/**
 * Is there a sub-multiset of `values` summing to `target` (of exactly `size` numbers when given)? true or false when
 * the search settled it within SEARCH_BUDGET states, undefined when it did not.
 */
export function subsetWithSum(values: readonly bigint[], target: bigint, size: number | undefined): boolean | undefined {
  if (size !== undefined && new Set(values).size * (size + 1) > MAX_TABLE) return undefined;
  return new SubsetSums(values, size ?? 0).find(target, size, { left: SEARCH_BUDGET });
}

/**
 * Sub-multiset sums of one multiset of values, asked for many targets.
 *
 * Depth first over the distinct values, largest magnitude first, choosing how many of each to take. A state (values
 * decided so far, numbers taken, sum) is cut when what is left cannot reach the target: with a size, the rest must
 * lie between the sums of the smallest and of the largest values still to come, of that many numbers; without one,
 * between the sums of the negative and of the positive ones. Huge values (hundreds of digits) are decided first and
 * almost every choice of them is cut at once; states proved to fail are remembered, which bounds the work on small
 * values by the sums they can make.
 */
class SubsetSums {
  private readonly entries: [bigint, number][];
  /** For each suffix of `entries`: how many numbers it holds, and the sums of its negative and positive ones. */
  private readonly left: number[];
  private readonly negative: bigint[];
  private readonly positive: bigint[];
  /** lows[i][k], highs[i][k]: the sums of the k smallest and of the k largest numbers of suffix i, k up to maxSize. */
  private readonly lows: bigint[][] = [];
  private readonly highs: bigint[][] = [];

  constructor(
    values: readonly bigint[],
    private readonly maxSize: number,
  ) {
    const groups = new Map<bigint, number>();
    for (const v of values) groups.set(v, (groups.get(v) ?? 0) + 1);
    this.entries = [...groups].sort((a, b) => compare(magnitude(b[0]), magnitude(a[0])));
    const g = this.entries.length;
    this.left = new Array<number>(g + 1).fill(0);
    this.negative = new Array<bigint>(g + 1).fill(0n);
    this.positive = new Array<bigint>(g + 1).fill(0n);
    // The maxSize smallest and largest numbers of the suffix, ascending and descending.
    let smallest: bigint[] = [];
    let largest: bigint[] = [];
    for (let i = g; i >= 0; i--) {
      if (i < g) {
        const [v, m] = this.entries[i] as [bigint, number];
        this.left[i] = this.left[i + 1]! + m;
        this.negative[i] = this.negative[i + 1]! + (v < 0n ? v * BigInt(m) : 0n);
        this.positive[i] = this.positive[i + 1]! + (v > 0n ? v * BigInt(m) : 0n);
        smallest = insertBounded(smallest, v, m, maxSize, (a, b) => a < b);
        largest = insertBounded(largest, v, m, maxSize, (a, b) => a > b);
      }
      const lo = [0n];
      const hi = [0n];
      for (let j = 0; j < smallest.length; j++) {
        lo.push(lo[j]! + smallest[j]!);
        hi.push(hi[j]! + largest[j]!);
      }
      this.lows[i] = lo;
      this.highs[i] = hi;
    }
  }

  /** `size` at most the `maxSize` this was made for. */
  find(target: bigint, size: number | undefined, budget: Budget): boolean | undefined {
    const { entries, left, negative, positive, lows, highs } = this;
    if (size !== undefined && size > this.maxSize) throw new Error(`subset search made for sizes up to ${this.maxSize}, asked for ${size}`);
    if (entries.length > MAX_DISTINCT) return undefined;
    const g = entries.length;
    /** States proved to fail: by (values decided, numbers taken), the sums. */
    const failed = new Map<number, Set<bigint>>();
    const width = (size ?? left[0]!) + 1;
    const search = (i: number, taken: number, total: bigint): boolean | undefined => {
      if (--budget.left < 0) return undefined;
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
}

/** `sorted` (by `before`) with `m` copies of `v` put in their place, cut to its first `max` numbers. */
function insertBounded(sorted: readonly bigint[], v: bigint, m: number, max: number, before: (a: bigint, b: bigint) => boolean): bigint[] {
  let at = 0;
  while (at < sorted.length && before(sorted[at]!, v)) at++;
  if (at >= max) return sorted as bigint[];
  return [...sorted.slice(0, at), ...new Array<bigint>(Math.min(m, max - at)).fill(v), ...sorted.slice(at)].slice(0, max);
}

/** Most distinct (sum, size) choices of uncertain numbers `couldLackCertain` weighs before it gives up. */
const MAX_CHOICES = 4_000;

/**
 * Could the node that sent report `r` lack some of `e`'s certain numbers? Totals cannot show which numbers a node
 * holds: a node that lacks certain numbers M and holds uncertain ones U' reports the same as one that holds them all
 * when sum(U') - sum(M) and |U'| - |M| are what the report adds to the certain numbers (explore --runtime sim, seed
 * 41103: a node lacked 893 and held uncertain numbers that made up for it, the expect passed, and the model took the
 * node as holding 893). false when no such M exists (the report shows every certain number held); true when one does;
 * undefined when the search could not tell.
 */
export function couldLackCertain(e: Expectation, r: TotalReport, weigh?: "uncertain" | "certain"): boolean | undefined {
  if (e.certain.length === 0) return false;
  const diff = r.total - e.total;
  const extra = r.count === undefined ? undefined : r.count - e.count;
  const certain = e.certain.map((c) => c.value);
  const uncertain = e.uncertain.map((u) => u.value);
  // Weigh every (sum, size) of one side, and search the other side for its match: the side with fewer choices
  // (`weigh` picks one, for tests that check both ways agree).
  const ofUncertain = weigh === "certain" ? undefined : choicesOf(uncertain);
  const ofCertain = weigh === "uncertain" || (ofUncertain && ofUncertain.length <= MAX_CHOICES / 8) ? undefined : choicesOf(certain);
  const budget: Budget = { left: SEARCH_BUDGET };
  let unsure = false;
  if (ofUncertain && (!ofCertain || ofUncertain.length <= ofCertain.length)) {
    // M: |U'| - extra of the certain numbers (without a count: any number, at least one), summing to sum(U') - diff.
    const maxSize = extra === undefined ? 0 : Math.min(certain.length, Math.max(0, ...ofUncertain.map(([, size]) => size - extra)));
    if (new Set(certain).size * (maxSize + 1) > MAX_TABLE) return undefined;
    const sums = new SubsetSums(certain, maxSize);
    // Without a count, M summing to 0 is missed by no total: one of value 0, or of both signs (not searched: unsure).
    const zeroSum = certain.includes(0n) ? true : certain.some((v) => v < 0n) && certain.some((v) => v > 0n) ? undefined : false;
    for (const [sum, size] of ofUncertain) {
      const target = sum - diff;
      let found: boolean | undefined;
      if (extra !== undefined) {
        const k = size - extra;
        if (k < 1 || k > maxSize) continue;
        found = sums.find(target, k, budget);
      } else {
        found = target === 0n ? zeroSum : sums.find(target, undefined, budget);
      }
      if (found === true) return true;
      if (found === undefined) unsure = true;
      if (budget.left < 0) return undefined;
    }
  } else if (ofCertain) {
    // U': |M| + extra of the uncertain numbers (without a count: any number), summing to sum(M) + diff.
    const maxSize = extra === undefined ? 0 : Math.min(uncertain.length, Math.max(0, ...ofCertain.map(([, size]) => size + extra)));
    if (new Set(uncertain).size * (maxSize + 1) > MAX_TABLE) return undefined;
    const sums = new SubsetSums(uncertain, maxSize);
    for (const [sum, size] of ofCertain) {
      if (size < 1) continue;
      const k = extra === undefined ? undefined : size + extra;
      if (k !== undefined && (k < 0 || k > maxSize)) continue;
      const found = sums.find(sum + diff, k, budget);
      if (found === true) return true;
      if (found === undefined) unsure = true;
      if (budget.left < 0) return undefined;
    }
  } else {
    return undefined;
  }
  return unsure ? undefined : false;
}

/** Every distinct (sum, size) a sub-multiset of `values` makes; undefined past MAX_CHOICES of them. */
function choicesOf(values: readonly bigint[]): [bigint, number][] | undefined {
  const groups = new Map<bigint, number>();
  for (const v of values) groups.set(v, (groups.get(v) ?? 0) + 1);
  // Keyed by sum and size in one bigint (a size is below 2^32): no strings to make and collect.
  const key = (sum: bigint, size: number): bigint => (sum << 32n) + BigInt(size);
  const choices = new Map<bigint, [bigint, number]>([[0n, [0n, 0]]]);
  for (const [v, m] of groups) {
    for (const [sum, size] of [...choices.values()]) {
      for (let take = 1; take <= m; take++) {
        const c: [bigint, number] = [sum + v * BigInt(take), size + take];
        choices.set(key(c[0], c[1]), c);
      }
    }
    if (choices.size > MAX_CHOICES) return undefined;
  }
  return [...choices.values()];
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
