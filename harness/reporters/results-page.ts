/**
 * The HTML results page of a run: per scenario its verdict, the step log, and for every `expect` step a convergence
 * timeline (time against the number of nodes agreeing) drawn as inline SVG. Pure and self-contained: a result in,
 * one HTML document out, with no script and nothing loaded from elsewhere, so it can be archived as a CI artifact.
 */
import type { ConvergencePoint, NodeCheck, ScenarioResult, StepResult } from "../runner/result.js";
import { passRates, ranSeveralSeeds } from "./pass-rate.js";
import { renderEfficiency } from "./efficiency-charts.js";
import { escapeHtml } from "./escape-html.js";
import { MESSAGE_DIAGRAM_STYLE, renderMessageDiagram } from "./message-diagram.js";

export interface ResultsPageOptions {
  title?: string;
  /** Shown in the header; default now. */
  generatedAt?: Date;
}

export { escapeHtml };

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function shortNumber(value: string): string {
  return value.length <= 24 ? value : `${value.slice(0, 10)}…${value.slice(-10)} (${value.replace("-", "").length} digits)`;
}

/** Round tick steps (1, 2, 5 x 10^k) so that about `target` ticks cover `max`. */
function ticks(max: number, target: number): number[] {
  if (max <= 0) return [0];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const result: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) result.push(Math.round(t * 1e6) / 1e6);
  return result;
}

/**
 * Time (x) against nodes agreeing (y) for one expect step: a step line, since the count holds between polls, with
 * a dashed line at "all nodes".
 */
export function renderTimeline(step: StepResult): string {
  const points: readonly ConvergencePoint[] = step.timeline ?? [];
  if (points.length === 0) return `<p class="muted">no convergence samples recorded</p>`;
  const of = Math.max(...points.map((p) => p.of), 1);
  const endMs = Math.max(step.durationMs, ...points.map((p) => p.atMs), 1);
  const W = 640, H = 200, left = 48, right = 16, top = 14, bottom = 34;
  const x = (ms: number) => left + (ms / endMs) * (W - left - right);
  const y = (n: number) => top + (1 - n / of) * (H - top - bottom);
  const f = (v: number) => v.toFixed(1);

  let path = `M${f(x(points[0]!.atMs))},${f(y(points[0]!.agreeing))}`;
  for (let i = 1; i < points.length; i++) path += ` H${f(x(points[i]!.atMs))} V${f(y(points[i]!.agreeing))}`;
  path += ` H${f(x(endMs))}`;

  const xTicksMs = ticks(endMs / 1000, 6).map((s) => s * 1000).filter((ms) => ms <= endMs);
  const yTicks = of <= 10 ? Array.from({ length: of + 1 }, (_, i) => i) : ticks(of, 5).filter((n) => n <= of);
  const last = points[points.length - 1]!;
  const allAt = points.find((p) => p.agreeing === p.of);
  const summary = allAt
    ? `all ${allAt.of} nodes as expected after ${seconds(allAt.atMs)}`
    : `${last.agreeing} of ${last.of} nodes as expected when it stopped waiting (${seconds(endMs)})`;

  const parts = [
    `<svg class="timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(`convergence of step ${step.index + 1}: ${summary}`)}">`,
    `<title>${escapeHtml(summary)}</title>`,
    ...yTicks.map((n) => `<line class="grid" x1="${left}" x2="${W - right}" y1="${f(y(n))}" y2="${f(y(n))}"/><text class="tick" x="${left - 6}" y="${f(y(n))}" text-anchor="end" dominant-baseline="central">${n}</text>`),
    ...xTicksMs.map((ms) => `<text class="tick" x="${f(x(ms))}" y="${H - bottom + 16}" text-anchor="middle">${(ms / 1000).toString()}</text>`),
    `<line class="axis" x1="${left}" x2="${W - right}" y1="${f(y(0))}" y2="${f(y(0))}"/>`,
    `<line class="all" x1="${left}" x2="${W - right}" y1="${f(y(of))}" y2="${f(y(of))}"/>`,
    `<path class="agreeing ${step.status}" d="${path}"/>`,
    ...points.map((p) => `<circle class="sample" cx="${f(x(p.atMs))}" cy="${f(y(p.agreeing))}" r="2.5"><title>${escapeHtml(`${seconds(p.atMs)}: ${p.agreeing} of ${p.of}`)}</title></circle>`),
    `<text class="axis-label" x="${(left + W - right) / 2}" y="${H - 4}" text-anchor="middle">seconds since the step started</text>`,
    `<text class="axis-label" x="12" y="${(top + H - bottom) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(top + H - bottom) / 2})">nodes as expected</text>`,
    `</svg>`,
  ];
  return `<figure><figcaption>${escapeHtml(summary)}</figcaption>${parts.join("")}</figure>`;
}

function renderChecks(checks: readonly NodeCheck[]): string {
  const failing = checks.filter((c) => !c.ok);
  if (failing.length === 0) return "";
  const rows = failing.map(
    (c) =>
      `<tr><td>${escapeHtml(c.node)}</td><td class="num" title="${escapeHtml(c.expected)}">${escapeHtml(shortNumber(c.expected))}</td><td class="num" title="${escapeHtml(c.reported ?? "")}">${c.reported === undefined ? "no answer" : escapeHtml(shortNumber(c.reported))}</td><td>${escapeHtml(c.message ?? "")}</td></tr>`,
  );
  return `<table class="checks"><thead><tr><th>node</th><th class="num">expected</th><th class="num">reported</th><th>why</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function renderScenario(result: ScenarioResult, position: number): string {
  const steps = result.steps.map((s) => {
    const number = s.index < 0 ? "" : String(s.index + 1);
    return `<tr class="${s.status}"><td class="num">${number}</td><td>${escapeHtml(s.label)}</td><td><span class="badge ${s.status}">${s.status}</span></td><td class="num">${seconds(s.durationMs)}</td><td class="num">${seconds(s.waitedMs)}</td><td>${escapeHtml(s.message ?? "")}</td></tr>`;
  });
  const expects = result.steps
    .filter((s) => s.kind === "expect")
    .map(
      (s) =>
        `<section class="expect"><h4>step ${s.index + 1}: ${escapeHtml(s.label)} <span class="badge ${s.status}">${s.status}</span></h4>${renderTimeline(s)}${s.checks ? renderChecks(s.checks) : ""}</section>`,
    );
  const facts = [
    `runtime ${escapeHtml(result.runtime)}`,
    `${result.nodes} nodes, ${result.links} links`,
    `seed ${result.seed}`,
    `${seconds(result.durationMs)}`,
    ...(result.file ? [`file ${escapeHtml(result.file)}`] : []),
    ...(result.logsDir ? [`node logs in ${escapeHtml(result.logsDir)}`] : []),
  ];
  return `<section class="scenario ${result.status}" id="scenario-${position + 1}">
<h2><span class="badge ${result.status}">${result.status}</span> ${escapeHtml(result.name)}</h2>
<p class="facts">${facts.join(" · ")}</p>
${result.failure ? `<p class="failure">${escapeHtml(result.failure)}</p>` : ""}
<h3>Steps</h3>
<table class="steps"><thead><tr><th class="num">#</th><th>step</th><th>result</th><th class="num">took</th><th class="num">waiting on peers</th><th>message</th></tr></thead><tbody>${steps.join("")}</tbody></table>
${expects.length ? `<h3>Convergence</h3>${expects.join("\n")}` : ""}
${renderEfficiency(result.efficiency)}
${result.messages ? `<h3>Messages</h3>${renderMessageDiagram(result.messages)}` : ""}
</section>`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2733;background:#f6f7f9;margin:0;padding:1.5rem 2rem;max-width:72rem}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:0 0 .3rem}h3{font-size:1rem;margin:1.2rem 0 .4rem;color:#445}h4{font-size:.95rem;margin:.8rem 0 .3rem;font-weight:600}
.muted,.facts{color:#66727f;font-size:.9rem;margin:.2rem 0}
.summary{margin:.2rem 0 1.2rem}
.scenario{background:#fff;border:1px solid #d9dee4;border-left:6px solid #2a9d5b;border-radius:.4rem;padding:1rem 1.2rem;margin:0 0 1.2rem}
.scenario.failed{border-left-color:#d62828}
.failure{background:#fde2e2;color:#7f1d1d;padding:.5rem .7rem;border-radius:.3rem;white-space:pre-wrap}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th{text-align:left;color:#66727f;font-weight:500;border-bottom:1px solid #d9dee4;padding:.3rem .4rem}
td{padding:.25rem .4rem;border-bottom:1px solid #eef0f3;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.failed td{background:#fff5f5}tr.skipped td{color:#9aa4ae}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.78rem;font-weight:600;vertical-align:.05rem}
.badge.passed{background:#dcf3e5;color:#17683b}.badge.failed{background:#fde2e2;color:#9b1c1c}.badge.skipped{background:#eef0f3;color:#5b6570}
figure{margin:.2rem 0 .6rem}figcaption{font-size:.85rem;color:#445;margin-bottom:.2rem}
.timeline{max-width:100%;height:auto;background:#fbfcfd;border:1px solid #eef0f3;border-radius:.3rem}
.timeline .grid{stroke:#eef0f3}.timeline .axis{stroke:#9aa4ae}.timeline .all{stroke:#2a9d5b;stroke-dasharray:5 4}
.timeline .tick,.timeline .axis-label{font-size:11px;fill:#66727f}
.timeline .agreeing{fill:none;stroke:#4b6a88;stroke-width:2.5}.timeline .agreeing.failed{stroke:#d62828}
.timeline .sample{fill:#4b6a88}.timeline .bar{fill:#7a9cc0}
.checks{margin-top:.4rem}
${MESSAGE_DIAGRAM_STYLE}`;

/** Several seeds per scenario: a table of pass rates, failed seeds linking to their run below. */
function renderPassRates(list: readonly ScenarioResult[]): string {
  const rows = passRates(list).map((rate) => {
    const seeds = rate.results
      .map((r) => ({ r, at: list.indexOf(r) }))
      .filter(({ r }) => r.status === "failed")
      .map(({ r, at }) => `<a href="#scenario-${at + 1}">${r.seed}</a>`);
    const status = rate.passed === rate.runs ? "passed" : "failed";
    return `<tr class="${status}"><td>${escapeHtml(rate.name)}</td><td><span class="badge ${status}">${rate.passed}/${rate.runs} passed</span></td><td>${seeds.join(", ") || "none"}</td><td class="num">${seconds(rate.durationMs)}</td></tr>`;
  });
  return `<h2>Pass rates</h2>
<table class="rates"><thead><tr><th>scenario</th><th>runs</th><th>failed seeds</th><th class="num">time</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The whole page for one scenario result or all of a run's. */
export function renderResultsPage(results: ScenarioResult | readonly ScenarioResult[], options: ResultsPageOptions = {}): string {
  const list: readonly ScenarioResult[] = Array.isArray(results) ? results : [results as ScenarioResult];
  const failed = list.filter((r) => r.status === "failed").length;
  const title = options.title ?? (list.length === 1 ? `sumnet: ${list[0]!.name}` : "sumnet run");
  const generated = (options.generatedAt ?? new Date()).toISOString();
  const verdict =
    list.length === 0
      ? "no scenarios ran"
      : `${list.length} scenario${list.length === 1 ? "" : "s"}: ${list.length - failed} passed, ${failed} failed`;
  const rates = ranSeveralSeeds(list) ? renderPassRates(list) : "";
  const index =
    list.length > 1
      ? `<ol class="muted">${list.map((r, i) => `<li><a href="#scenario-${i + 1}">${escapeHtml(r.name)}</a> - ${r.status}</li>`).join("")}</ol>`
      : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="summary"><span class="badge ${failed ? "failed" : "passed"}">${failed ? "failed" : "passed"}</span> ${escapeHtml(verdict)} <span class="muted">· generated ${generated}</span></p>
${rates}
${index}
${list.map((r, i) => renderScenario(r, i)).join("\n")}
</body>
</html>
`;
}
