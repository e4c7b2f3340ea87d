/**
 * The efficiency section of the results page: the one-line figures, a table of the expect and load windows, the
 * distribution of stable latencies and the traffic over time, as inline SVG (no script, nothing loaded).
 */
import { efficiencyLine, type ScenarioEfficiency } from "../runner/efficiency-figures.js";
import { escapeHtml as esc } from "./escape-html.js";

const f = (v: number): string => v.toFixed(1);

const W = 640, H = 180, LEFT = 56, RIGHT = 16, TOP = 12, BOTTOM = 34;

function frame(label: string, xLabel: string, yLabel: string, yMax: number, yUnit: (v: number) => string, body: string[]): string {
  const y = (v: number): number => TOP + (1 - v / Math.max(yMax, 1e-9)) * (H - TOP - BOTTOM);
  const yTicks = [0, yMax / 2, yMax];
  return [
    `<svg class="timeline efficiency" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(label)}">`,
    `<title>${esc(label)}</title>`,
    ...yTicks.map((v) => `<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${f(y(v))}" y2="${f(y(v))}"/><text class="tick" x="${LEFT - 6}" y="${f(y(v))}" text-anchor="end" dominant-baseline="central">${esc(yUnit(v))}</text>`),
    `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${f(y(0))}" y2="${f(y(0))}"/>`,
    ...body,
    `<text class="axis-label" x="${(LEFT + W - RIGHT) / 2}" y="${H - 4}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text class="axis-label" x="12" y="${(TOP + H - BOTTOM) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(TOP + H - BOTTOM) / 2})">${esc(yLabel)}</text>`,
    `</svg>`,
  ].join("");
}

/** Bars: how many numbers took how long to be held everywhere. */
export function renderLatencyDistribution(e: ScenarioEfficiency): string {
  const buckets = e.latencyHistogram;
  if (buckets.length === 0) return `<p class="muted">no stable latency measured</p>`;
  const maxCount = Math.max(...buckets.map((b) => b.count), 1);
  const endMs = (buckets[buckets.length - 1] as { toMs: number }).toMs;
  const x = (ms: number): number => LEFT + (ms / endMs) * (W - LEFT - RIGHT);
  const y = (n: number): number => TOP + (1 - n / maxCount) * (H - TOP - BOTTOM);
  const bars = buckets.map(
    (b) =>
      `<rect class="bar" x="${f(x(b.fromMs) + 0.5)}" y="${f(y(b.count))}" width="${f(Math.max(1, x(b.toMs) - x(b.fromMs) - 1))}" height="${f(y(0) - y(b.count))}"><title>${b.fromMs}-${b.toMs} ms: ${b.count}</title></rect>`,
  );
  const ticks = [0, endMs / 2, endMs].map((ms) => `<text class="tick" x="${f(x(ms))}" y="${H - BOTTOM + 16}" text-anchor="middle">${Math.round(ms)}</text>`);
  const caption = `stable latency of ${e.latency?.measured ?? 0} numbers (${e.precision}, sampled every ${e.sampleIntervalMs} ms)`;
  return `<figure><figcaption>${esc(caption)}</figcaption>${frame(caption, "milliseconds from acknowledgement until every node that must hold it reports it", "numbers", maxCount, (v) => String(Math.round(v)), [...bars, ...ticks])}</figure>`;
}

/** Bytes per second over every link between the sampler's rounds. */
export function renderTraffic(e: ScenarioEfficiency): string {
  const pts = e.traffic;
  if (pts.length < 2) return `<p class="muted">no traffic samples recorded</p>`;
  const rates: { atMs: number; perSec: number }[] = [];
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!, b = pts[i]!;
    if (b.atMs > a.atMs) rates.push({ atMs: b.atMs, perSec: ((b.bytes - a.bytes) * 1000) / (b.atMs - a.atMs) });
  }
  if (rates.length === 0) return `<p class="muted">no traffic samples recorded</p>`;
  const endMs = Math.max(pts[pts.length - 1]!.atMs, 1);
  const maxRate = Math.max(...rates.map((r) => r.perSec), 1);
  const x = (ms: number): number => LEFT + (ms / endMs) * (W - LEFT - RIGHT);
  const y = (v: number): number => TOP + (1 - v / maxRate) * (H - TOP - BOTTOM);
  let path = `M${f(x(pts[0]!.atMs))},${f(y(0))}`;
  for (const r of rates) path += ` V${f(y(r.perSec))} H${f(x(r.atMs))}`;
  const kb = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(1)} MB/s` : `${(v / 1000).toFixed(v >= 1e4 ? 0 : 1)} kB/s`);
  const windows = e.windows
    .filter((w) => w.kind === "expect")
    .map((w) => `<line class="all" x1="${f(x(w.toMs))}" x2="${f(x(w.toMs))}" y1="${TOP}" y2="${f(y(0))}"><title>step ${w.step + 1} (expect) ended at ${(w.toMs / 1000).toFixed(2)} s</title></line>`);
  const ticks = [0, endMs / 2, endMs].map((ms) => `<text class="tick" x="${f(x(ms))}" y="${H - BOTTOM + 16}" text-anchor="middle">${(ms / 1000).toFixed(1)}</text>`);
  const caption = `traffic over every link: ${e.bytes.toLocaleString("en-US")} bytes, ${e.frames.toLocaleString("en-US")} frames (0x04-framed); dashed: expect steps ended`;
  return `<figure><figcaption>${esc(caption)}</figcaption>${frame(caption, "seconds since the network started", "bytes/s", maxRate, kb, [`<path class="agreeing" d="${path}"/>`, ...windows, ...ticks])}</figure>`;
}

/** The whole efficiency section of one scenario. */
export function renderEfficiency(e: ScenarioEfficiency | undefined): string {
  if (!e) return "";
  const rows = e.windows.map(
    (w) =>
      `<tr><td class="num">${w.step + 1}</td><td>${w.kind}</td><td class="num">${w.numbers.toLocaleString("en-US")}</td><td class="num">${w.framesPerNumber ?? "-"}</td><td class="num">${w.bytesPerNumber ?? "-"}</td><td class="num">${w.latency && w.latency.measured > 0 ? `${w.latency.p50Ms} / ${w.latency.p95Ms} / ${w.latency.maxMs}` : "-"}</td><td>${w.precision}</td></tr>`,
  );
  const table = rows.length
    ? `<table class="steps"><thead><tr><th class="num">step</th><th>window</th><th class="num">numbers</th><th class="num">frames/number</th><th class="num">bytes/number</th><th class="num">latency p50 / p95 / max ms</th><th>precision</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
    : "";
  return `<h3>Efficiency</h3>
<p class="facts">${esc(efficiencyLine(e))}${e.approximateBecause ? ` · approximate because ${esc(e.approximateBecause)}` : ""}</p>
${table}
${renderLatencyDistribution(e)}
${renderTraffic(e)}`;
}
