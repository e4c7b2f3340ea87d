/**
 * The figures of a run's efficiency as results carry them (numbers, bytes and frames per number, stable latency),
 * apart from the sampler that measures them (efficiency.ts), so results and reporters need not import the sampler.
 */
export type Precision = "exact" | "approximate";

export interface LatencyFigures {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** Numbers whose latency was measured. */
  readonly measured: number;
  /** Numbers some node that must hold them had not reported by the end of the run (or of the failed step). */
  readonly notStable: number;
}

export interface EfficiencyFigures {
  /** exact: per number, by identity; approximate: by counts. */
  readonly precision: Precision;
  /** Numbers added: acknowledged by POSTs, plus NUMBERS (given at start). */
  readonly numbers: number;
  /** Bytes that crossed the links, both directions. */
  readonly bytes: number;
  /** 0x04-terminated frames that crossed the links (sumnet/1 and p2pnetwork framing). */
  readonly frames: number;
  readonly bytesPerNumber: number | null;
  readonly framesPerNumber: number | null;
  /** Null when no number's latency could be measured. */
  readonly latency: LatencyFigures | null;
  readonly durationMs: number;
}

/** Figures of one `expect` window (since the previous expect) or one `load` (from its start until it ended). */
export interface EfficiencyWindow extends EfficiencyFigures {
  readonly step: number;
  readonly kind: "expect" | "load";
  /** Milliseconds since the network started. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface TrafficPoint {
  /** Milliseconds since the network started. */
  readonly atMs: number;
  /** Cumulative bytes and frames over every link. */
  readonly bytes: number;
  readonly frames: number;
}

export interface LatencyBucket {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

export interface ScenarioEfficiency extends EfficiencyFigures {
  /** Why the figures are approximate, when they are. */
  readonly approximateBecause?: string | undefined;
  /** Interval between the sampler's rounds: the resolution of the latencies. */
  readonly sampleIntervalMs: number;
  /** Sampling rounds over the running nodes. */
  readonly samples: number;
  readonly windows: readonly EfficiencyWindow[];
  /** Cumulative traffic over time (at most a few hundred points). */
  readonly traffic: readonly TrafficPoint[];
  /** Distribution of the measured latencies. */
  readonly latencyHistogram: readonly LatencyBucket[];
}

/** One line: "1,200 numbers, 14.6 frames/number, 2.1 kB/number, stable latency p50 462 / p95 595 / max 810 ms (exact)". */
export function efficiencyLine(e: EfficiencyFigures): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const size = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1000 ? `${(b / 1000).toFixed(1)} kB` : `${Math.round(b)} B`);
  const parts = [`${n(e.numbers)} number${e.numbers === 1 ? "" : "s"}`];
  if (e.framesPerNumber !== null && e.bytesPerNumber !== null) {
    parts.push(`${e.framesPerNumber} frames/number (0x04-framed)`, `${size(e.bytesPerNumber)}/number`);
  } else parts.push(`${n(e.frames)} frames (0x04-framed)`, size(e.bytes));
  if (e.latency && e.latency.measured > 0) {
    parts.push(`stable latency p50 ${n(e.latency.p50Ms)} / p95 ${n(e.latency.p95Ms)} / max ${n(e.latency.maxMs)} ms`);
  }
  if (e.latency && e.latency.notStable > 0) parts.push(`${n(e.latency.notStable)} not seen everywhere`);
  return `${parts.join(", ")} (${e.precision})`;
}
