/**
 * Efficiency of a run, for any peer implementation: numbers added, the bytes and 0x04-terminated frames that crossed
 * the links (the harness's relays count them), both per number, and each number's stable latency: from its
 * acknowledgement (the POST's answer) to the moment every node that must hold it (the checker's model says which)
 * reports it, as p50, p95 and max.
 *
 * Exact where a peer names the identities of the numbers it acknowledged (`{"numbers":[{"origin","seq"}]}`) and
 * exposes what it holds (`GET /state` with a `digest`); approximate otherwise, by counts: a node is taken to hold
 * the j-th number it must hold (in order of acknowledgement) from the moment its count reached j and stayed there.
 *
 * `EfficiencyLedger` is the pure part (samples in, figures out); `EfficiencyMeter` is the one sampler per run that
 * polls the running nodes at a modest interval with bounded concurrency, and reads the relays' counters.
 */
import { z } from "zod";
import { PostNumbersResponse, type StateResponse } from "../../contract/http-api.js";
import { ControlError } from "../../contract/peer-client.js";
import { eachLimited } from "../base/each-limited.js";
import type { NetworkModel } from "../checker/model.js";
import type { StartedNetwork } from "../runtime/runtime.js";
import type { StepResult } from "./result.js";
import type {
  EfficiencyFigures,
  EfficiencyWindow,
  LatencyBucket,
  LatencyFigures,
  Precision,
  ScenarioEfficiency,
  TrafficPoint,
} from "./efficiency-figures.js";



/** Nearest-rank quantile of ascending values (q in 0..1); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Equal-width buckets from 0 to the largest value. */
export function histogram(values: readonly number[], buckets = 20): LatencyBucket[] {
  if (values.length === 0) return [];
  const max = Math.max(...values);
  const width = Math.max(1, Math.ceil((max + 1) / buckets));
  const out = Array.from({ length: buckets }, (_, i) => ({ fromMs: i * width, toMs: (i + 1) * width, count: 0 }));
  for (const v of values) (out[Math.min(buckets - 1, Math.floor(v / width))] as { count: number }).count++;
  while (out.length > 1 && (out[out.length - 1] as LatencyBucket).count === 0) out.pop();
  return out;
}

/** What a node reported in one sample: its count, and what it holds when it says (origin -> seq ranges). */
export interface HeldReport {
  readonly count: number;
  readonly digest?: Readonly<Record<string, readonly (readonly [number, number])[]>> | undefined;
}

/** A number the ledger follows: acknowledged at `ackMs`, by the load or inject of `step`. */
interface Tracked {
  readonly modelId: number;
  readonly ackMs: number;
  readonly step: number;
  readonly origin?: string | undefined;
  readonly seq?: number | undefined;
}

interface NodeSamples {
  /** (time, count) in arrival order; sorted when figures are computed. */
  readonly counts: { atMs: number; count: number }[];
  lastCount: number;
  /** Whether every sample of this node had a digest. */
  digest: boolean;
  /** Exact: since when the node has held each tracked number (cleared when it lost its state). */
  readonly heldSince: Map<Tracked, number>;
  /** Every identified number before this index is held: numbers arrive mostly in order, so samples scan little. */
  scanFrom: number;
}

/** Where a number must be held: node, and its rank there (1-based, in order of acknowledgement) for counts. */
interface Required {
  readonly node: string;
  readonly rank: number;
}

const inRanges = (ranges: readonly (readonly [number, number])[] | undefined, seq: number): boolean =>
  ranges !== undefined && ranges.some(([lo, hi]) => seq >= lo && seq <= hi);

/** The pure part: acknowledgements, samples and the checker's verdicts in; figures out. Times in ms from any origin. */
export class EfficiencyLedger {
  private readonly tracked = new Map<number, Tracked>();
  /** Tracked numbers with an identity, in acknowledgement order. */
  private readonly identified: Tracked[] = [];
  private readonly nodes = new Map<string, NodeSamples>();
  private readonly required = new Map<Tracked, Required[]>();
  private readonly trafficPoints: TrafficPoint[] = [];
  private numbersAtStart = 0;
  /** countIndex() of the samples so far; dropped by every new count. */
  private counted: Map<string, { times: number[]; suffixMin: number[] }> | undefined;
  private anonymous = 0;

  /** NUMBERS given at start: they count as added; they have no acknowledgement, so no latency. */
  numbersGiven(count: number): void {
    this.numbersAtStart += count;
  }

  /**
   * Numbers acknowledged at `atMs` (model ids in the order of the POST's values) with the POST's answer, which may
   * name their identities.
   */
  acknowledged(modelIds: readonly number[], answer: unknown, atMs: number, step: number): void {
    const parsed = PostNumbersResponse.safeParse(answer);
    const ids = parsed.success && parsed.data.numbers.length === modelIds.length ? parsed.data.numbers : undefined;
    if (!ids) this.anonymous += modelIds.length;
    modelIds.forEach((modelId, i) => {
      const t: Tracked = { modelId, ackMs: atMs, step, ...(ids ? { origin: ids[i]?.origin, seq: ids[i]?.seq } : {}) };
      this.tracked.set(modelId, t);
      if (ids) this.identified.push(t);
    });
  }

  private node(id: string): NodeSamples {
    let n = this.nodes.get(id);
    if (!n) {
      n = { counts: [], lastCount: -1, digest: true, heldSince: new Map(), scanFrom: 0 };
      this.nodes.set(id, n);
    }
    return n;
  }

  /** One answer of a node, received at `atMs`. */
  observe(node: string, atMs: number, report: HeldReport): void {
    const n = this.node(node);
    // Fewer numbers than before: it lost its state (restarted without DATA_DIR); it holds again what it relearns.
    if (report.count < n.lastCount) {
      n.heldSince.clear();
      n.scanFrom = 0;
    }
    if (report.count !== n.lastCount) {
      n.counts.push({ atMs, count: report.count });
      this.counted = undefined;
    }
    n.lastCount = report.count;
    if (!report.digest) {
      n.digest = false;
      return;
    }
    const all = this.identified;
    for (let i = n.scanFrom; i < all.length; i++) {
      const t = all[i] as Tracked;
      if (!n.heldSince.has(t) && inRanges(report.digest[t.origin as string], t.seq as number)) n.heldSince.set(t, atMs);
    }
    while (n.scanFrom < all.length && n.heldSince.has(all[n.scanFrom] as Tracked)) n.scanFrom++;
  }

  /** Cumulative traffic over every link at `atMs`. */
  traffic(atMs: number, bytes: number, frames: number): void {
    this.trafficPoints.push({ atMs, bytes, frames });
  }

  /**
   * The checker's verdict: each node must hold `certain` (model ids). For numbers not yet settled, this fixes which
   * nodes must hold them. When `confirmedAtMs` is given, the nodes were seen holding them then (a passed expect), so
   * that is the latest moment each could have been first held.
   */
  settle(expectations: Iterable<{ readonly node: string; readonly certain: readonly { readonly id: number }[] }>, confirmedAtMs?: number): void {
    const fresh = new Map<Tracked, Required[]>();
    // Nodes of one component share one `certain` array: order it once.
    const orders = new Map<readonly { readonly id: number }[], { t: Tracked | undefined; rank: number }[]>();
    for (const e of expectations) {
      const n = this.node(e.node);
      let order = orders.get(e.certain);
      if (!order) {
        order = e.certain
          .map((r) => ({ t: this.tracked.get(r.id), id: r.id }))
          .sort((a, b) => (a.t?.ackMs ?? Number.NEGATIVE_INFINITY) - (b.t?.ackMs ?? Number.NEGATIVE_INFINITY) || a.id - b.id)
          .map(({ t }, i) => ({ t, rank: i + 1 }));
        orders.set(e.certain, order);
      }
      for (const { t, rank } of order) {
        if (!t) continue;
        if (confirmedAtMs !== undefined && !n.heldSince.has(t)) n.heldSince.set(t, confirmedAtMs);
        if (this.required.has(t)) continue;
        let list = fresh.get(t);
        if (!list) fresh.set(t, (list = []));
        list.push({ node: e.node, rank });
      }
      if (confirmedAtMs !== undefined && n.lastCount < e.certain.length) {
        n.counts.push({ atMs: confirmedAtMs, count: e.certain.length });
        this.counted = undefined;
        n.lastCount = e.certain.length;
      }
    }
    for (const [t, list] of fresh) this.required.set(t, list);
  }

  /** Cumulative traffic at `atMs`: the last point at or before it. */
  private trafficAt(atMs: number): TrafficPoint {
    let best: TrafficPoint = { atMs, bytes: 0, frames: 0 };
    for (const p of this.trafficPoints) {
      if (p.atMs > atMs) break; // points arrive in time order
      best = p;
    }
    return best;
  }

  /** For count-based holding: per node, the counts sorted by time with their suffix minimum. */
  private countIndex(): Map<string, { times: number[]; suffixMin: number[] }> {
    if (this.counted) return this.counted;
    const out = new Map<string, { times: number[]; suffixMin: number[] }>();
    for (const [id, n] of this.nodes) {
      const sorted = [...n.counts].sort((a, b) => a.atMs - b.atMs);
      const suffixMin = new Array<number>(sorted.length);
      let min = Number.POSITIVE_INFINITY;
      for (let i = sorted.length - 1; i >= 0; i--) suffixMin[i] = min = Math.min(min, (sorted[i] as { count: number }).count);
      out.set(id, { times: sorted.map((s) => s.atMs), suffixMin });
    }
    this.counted = out;
    return out;
  }

  /** Figures over the numbers acknowledged in [fromMs, toMs) (or those of `step`), traffic over [fromMs, toMs]. */
  figures(window: { readonly fromMs: number; readonly toMs: number; readonly step?: number; readonly withNumbersGiven?: boolean }): EfficiencyFigures & { readonly latencies: number[] } {
    const counts = this.countIndex();
    // The first sample from which on the node's count stayed at least `rank`.
    const heldByCount = (node: string, rank: number): number | undefined => {
      const c = counts.get(node);
      if (!c) return undefined;
      let lo = 0;
      let hi = c.suffixMin.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((c.suffixMin[mid] as number) >= rank) hi = mid;
        else lo = mid + 1;
      }
      return lo < c.times.length ? c.times[lo] : undefined;
    };
    const numbers = [...this.tracked.values()].filter((t) =>
      window.step !== undefined ? t.step === window.step : t.ackMs >= window.fromMs && t.ackMs < window.toMs,
    );
    const latencies: number[] = [];
    let notStable = 0;
    let approximate = numbers.some((t) => t.origin === undefined) || [...this.nodes.values()].some((n) => !n.digest);
    for (const t of numbers) {
      const required = this.required.get(t);
      if (!required || required.length === 0) continue;
      let stable = Number.NEGATIVE_INFINITY;
      for (const r of required) {
        const n = this.nodes.get(r.node);
        const exact = t.origin !== undefined && n?.digest === true;
        if (!exact) approximate = true;
        const at = exact ? n?.heldSince.get(t) : heldByCount(r.node, r.rank);
        if (at === undefined) {
          stable = Number.NaN;
          break;
        }
        stable = Math.max(stable, at);
      }
      if (Number.isNaN(stable)) notStable++;
      else latencies.push(Math.max(0, stable - t.ackMs));
    }
    latencies.sort((a, b) => a - b);
    const from = this.trafficAt(window.fromMs);
    const to = this.trafficAt(window.toMs);
    const added = numbers.length + (window.withNumbersGiven ? this.numbersAtStart : 0);
    const bytes = to.bytes - from.bytes;
    const frames = to.frames - from.frames;
    const round = (x: number): number => Math.round(x * 10) / 10;
    return {
      precision: approximate ? "approximate" : "exact",
      numbers: added,
      bytes,
      frames,
      bytesPerNumber: added > 0 ? round(bytes / added) : null,
      framesPerNumber: added > 0 ? round(frames / added) : null,
      latency:
        latencies.length > 0 || notStable > 0
          ? {
              p50Ms: Math.round(quantile(latencies, 0.5)),
              p95Ms: Math.round(quantile(latencies, 0.95)),
              maxMs: Math.round(quantile(latencies, 1)),
              measured: latencies.length,
              notStable,
            }
          : null,
      durationMs: Math.round(window.toMs - window.fromMs),
      latencies,
    };
  }

  /** Why the figures are approximate: which nodes gave no digest, whether the POST answers named no identities. */
  approximateBecause(): string | undefined {
    const reasons: string[] = [];
    if (this.anonymous > 0) reasons.push(`${this.anonymous} acknowledged numbers had no identity in the POST answer`);
    const noDigest = [...this.nodes].filter(([, n]) => !n.digest).map(([id]) => id);
    if (noDigest.length > 0) reasons.push(`${noDigest.slice(0, 5).join(", ")}${noDigest.length > 5 ? ", ..." : ""} gave no digest in GET /state`);
    return reasons.length ? reasons.join("; ") : undefined;
  }

  /** The traffic points, thinned to at most `max`. */
  trafficSeries(max = 300): TrafficPoint[] {
    const pts = this.trafficPoints;
    if (pts.length <= max) return [...pts];
    const step = (pts.length - 1) / (max - 1);
    return Array.from({ length: max }, (_, i) => pts[Math.round(i * step)] as TrafficPoint);
  }
}

/** `SUMNET_EFFICIENCY=off` switches the sampler off (it is on by default). */
const EfficiencySwitch = z.enum(["on", "off"], { error: 'SUMNET_EFFICIENCY must be "on" or "off"' }).optional();
export function efficiencyWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = EfficiencySwitch.safeParse(env.SUMNET_EFFICIENCY || undefined);
  if (!parsed.success) throw new Error(`${parsed.error.issues[0]?.message}, not ${JSON.stringify(env.SUMNET_EFFICIENCY)}`);
  return parsed.data !== "off";
}

/**
 * The sampler asks every node each round. Above this many nodes (only the simulator runs so many) that would cost more
 * than the run itself, so efficiency is measured there only when asked for explicitly.
 */
export const EFFICIENCY_MAX_NODES = 1000;

/** Between 100 and 250 ms: finer for small networks, gentler for big ones. */
export function sampleIntervalFor(nodes: number): number {
  return Math.min(250, Math.max(100, nodes * 10));
}

/** GET requests in flight at once, so sampling never crowds the peers or the harness. */
const SAMPLE_CONCURRENCY = 4;
const SAMPLE_TIMEOUT_MS = 1000;

/** The one sampler of a run, and the bookkeeping of its windows. */
export class EfficiencyMeter {
  readonly ledger = new EfficiencyLedger();
  private readonly t0: number;
  private readonly intervalMs: number;
  /** Nodes that answered GET /state without a digest, or not at all: sampled with GET /total. */
  private readonly countOnly = new Set<string>();
  private readonly windows: { step: number; kind: "expect" | "load"; fromMs: number; toMs?: number }[] = [];
  private lastExpectEndMs = 0;
  private rounds = 0;
  private stopped = false;
  /** Wakes the sampler from its wait when the run ends. */
  private readonly wake = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly network: StartedNetwork,
    numbersGiven: number,
    intervalMs?: number,
  ) {
    this.t0 = network.clock.now();
    this.intervalMs = intervalMs ?? sampleIntervalFor(network.snapshot().nodes.length);
    this.ledger.numbersGiven(numbersGiven);
    this.recordTraffic();
    this.loop = this.run();
  }

  private now(): number {
    return this.network.clock.now() - this.t0;
  }

  private recordTraffic(): void {
    let bytes = 0;
    let frames = 0;
    for (const l of this.network.linkTraffic()) {
      bytes += l.bytes;
      frames += l.frames;
    }
    this.ledger.traffic(this.now(), bytes, frames);
  }

  private async sample(node: string): Promise<void> {
    const client = this.network.client(node);
    if (!this.countOnly.has(node)) {
      let state: StateResponse | undefined;
      try {
        state = await client.state(SAMPLE_TIMEOUT_MS);
      } catch (error) {
        // No such route (or not as the contract says): count from GET /total from now on. A timeout is just missed.
        if (!(error instanceof ControlError && error.status !== undefined)) return;
      }
      if (state?.digest) {
        this.ledger.observe(node, this.now(), { count: state.count, digest: state.digest });
        return;
      }
      this.countOnly.add(node);
    }
    const total = await client.total(SAMPLE_TIMEOUT_MS).catch(() => undefined);
    if (total) this.ledger.observe(node, this.now(), { count: total.count });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = this.network.clock.now();
      const running = this.network.snapshot().nodes.filter((n) => n.status === "running").map((n) => n.id);
      await eachLimited(running, SAMPLE_CONCURRENCY, (id) => this.sample(id).catch(() => undefined));
      this.recordTraffic();
      this.rounds++;
      const pause = this.intervalMs - (this.network.clock.now() - started);
      if (pause > 0 && !this.stopped) await this.network.clock.sleep(pause, this.wake.signal);
    }
  }

  /** Numbers a POST acknowledged (the model's records of them) with its answer. */
  acknowledged(records: readonly { readonly id: number }[], answer: unknown, step: number): void {
    this.ledger.acknowledged(records.map((r) => r.id), answer, this.now(), step);
  }

  loadStarted(step: number): void {
    this.windows.push({ step, kind: "load", fromMs: this.now() });
  }

  loadEnded(step: number): void {
    const w = this.windows.find((x) => x.kind === "load" && x.step === step);
    if (w) w.toMs = this.now();
    this.recordTraffic();
  }

  /** After every step: a passed expect settles where its numbers must be, and closes a window. */
  stepEnded(result: StepResult, model: NetworkModel): void {
    if (result.kind !== "expect") return;
    const at = this.now();
    this.recordTraffic();
    if (result.status === "passed" && result.checks) {
      this.ledger.settle(model.expectations(result.checks.map((c) => c.node)).values(), at);
    }
    this.windows.push({ step: result.index, kind: "expect", fromMs: this.lastExpectEndMs, toMs: at });
    this.lastExpectEndMs = at;
  }

  /**
   * Stop sampling and compute: numbers no expect settled must be held by every running node of their component
   * (the model's verdict at the end), and count as not stable if some never reported them.
   */
  async finish(model: NetworkModel): Promise<ScenarioEfficiency> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    const end = this.now();
    this.recordTraffic();
    const running = model.history.running();
    if (running.length > 0) this.ledger.settle(model.expectations(running).values());

    const all = this.ledger.figures({ fromMs: 0, toMs: end + 1, withNumbersGiven: true });
    const windows = this.windows.map((w) => {
      const toMs = w.toMs ?? end;
      const { latencies: _, ...figures } = this.ledger.figures({
        fromMs: w.fromMs,
        toMs,
        withNumbersGiven: w.kind === "expect" && w.fromMs === 0,
        ...(w.kind === "load" ? { step: w.step } : {}),
      });
      return { step: w.step, kind: w.kind, fromMs: Math.round(w.fromMs), toMs: Math.round(toMs), ...figures };
    });
    const { latencies, ...figures } = all;
    return {
      ...figures,
      ...(figures.precision === "approximate" ? { approximateBecause: this.ledger.approximateBecause() ?? "some nodes were never sampled" } : {}),
      sampleIntervalMs: this.intervalMs,
      samples: this.rounds,
      windows,
      traffic: this.ledger.trafficSeries(),
      latencyHistogram: histogram(latencies),
    };
  }
}

/** The steps with their windows' figures attached. */
export function withStepEfficiency(steps: readonly StepResult[], efficiency: ScenarioEfficiency): StepResult[] {
  return steps.map((s) => {
    const w = efficiency.windows.find((x) => x.step === s.index);
    return w ? { ...s, efficiency: w } : s;
  });
}

