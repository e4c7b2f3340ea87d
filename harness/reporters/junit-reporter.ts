/**
 * JUnit XML reporter for CI systems: a testsuite with one testcase per scenario; failures carry the explanation.
 * When scenarios ran with several seeds (`--runs N`), still one testcase per scenario (CI dashboards track a test by
 * name, and a seed is not a test): its failure message is the pass rate with the failed seeds, its text each failed
 * run's explanation, and its system-out one line per run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Reporter, SuiteSummary } from "./reporter.js";
import type { ScenarioResult } from "../runner/result.js";
import { formatDuration } from "./console-reporter.js";
import { formatPassRate, passRates, ranSeveralSeeds } from "./pass-rate.js";
import { efficiencyLine } from "../runner/efficiency-figures.js";

export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

const classnameOf = (file: string | undefined): string => `sumnet.${file ? path.basename(file).replace(/\.[^.]+$/, "") : "scenario"}`;

function suiteXml(cases: readonly string[], tests: number, failures: number, durationMs: number, timestamp: Date): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="sumnet" tests="${tests}" failures="${failures}" errors="0" time="${seconds(durationMs)}">
  <testsuite name="sumnet scenarios" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${seconds(durationMs)}" timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, "")}">
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}

/** One testcase per scenario with its pass rate over the seeds. */
function passRateXml(results: readonly ScenarioResult[], summary: SuiteSummary, timestamp: Date): string {
  const rates = passRates(results);
  const cases = rates.map((rate) => {
    const failed = rate.results.filter((r) => r.status === "failed");
    const failure = failed.length
      ? `\n      <failure message="${xmlEscape(formatPassRate(rate))}" type="ScenarioFailure">${xmlEscape(failed.map((r) => `seed ${r.seed}: ${r.failure ?? "failed"}${r.logsDir ? `\nnode logs: ${r.logsDir}` : ""}`).join("\n\n"))}</failure>`
      : "";
    const out = rate.results.map((r) => `${r.status === "passed" ? "ok  " : "FAIL"} seed ${r.seed} (${formatDuration(r.durationMs)})`).join("\n");
    return `    <testcase classname="${xmlEscape(classnameOf(rate.file))}" name="${xmlEscape(rate.name)}" time="${seconds(rate.durationMs)}">${failure}
      <system-out>${xmlEscape(`${formatPassRate(rate)}\n${out}`)}</system-out>
    </testcase>`;
  });
  return suiteXml(cases, rates.length, rates.filter((r) => r.passed < r.runs).length, summary.durationMs, timestamp);
}

/** The run's efficiency as testcase properties (`efficiency.numbers`, `efficiency.latency.p50Ms`, ...). */
function efficiencyProperties(r: ScenarioResult): string {
  const e = r.efficiency;
  if (!e) return "";
  const props: Record<string, string | number | null> = {
    precision: e.precision,
    numbers: e.numbers,
    bytes: e.bytes,
    frames: e.frames,
    bytesPerNumber: e.bytesPerNumber,
    framesPerNumber: e.framesPerNumber,
    "latency.p50Ms": e.latency?.p50Ms ?? null,
    "latency.p95Ms": e.latency?.p95Ms ?? null,
    "latency.maxMs": e.latency?.maxMs ?? null,
    "latency.measured": e.latency?.measured ?? null,
    "latency.notStable": e.latency?.notStable ?? null,
  };
  const lines = Object.entries(props)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `        <property name="efficiency.${k}" value="${xmlEscape(String(v))}"/>`);
  return `\n      <properties>\n${lines.join("\n")}\n      </properties>`;
}

export function junitXml(results: readonly ScenarioResult[], summary: SuiteSummary, timestamp = new Date()): string {
  if (ranSeveralSeeds(results)) return passRateXml(results, summary, timestamp);
  const cases = results.map((r) => {
    const classname = classnameOf(r.file);
    const steps = r.steps
      .map((s) => `${s.status === "passed" ? "ok  " : s.status === "failed" ? "FAIL" : "skip"} ${s.index < 0 ? "  " : `${s.index + 1}.`} ${s.label} (${formatDuration(s.durationMs)})`)
      .join("\n");
    const out = `${steps}${r.efficiency ? `\nefficiency: ${efficiencyLine(r.efficiency)}` : ""}${r.logsDir ? `\nnode logs: ${r.logsDir}` : ""}`;
    const failure =
      r.status === "failed"
        ? `\n      <failure message="${xmlEscape((r.failure ?? "failed").split("\n")[0] as string)}" type="ScenarioFailure">${xmlEscape(r.failure ?? "")}</failure>`
        : "";
    return `    <testcase classname="${xmlEscape(classname)}" name="${xmlEscape(r.name)}" time="${seconds(r.durationMs)}">${efficiencyProperties(r)}${failure}
      <system-out>${xmlEscape(out)}</system-out>
    </testcase>`;
  });
  return suiteXml(cases, summary.total, summary.failed, summary.durationMs, timestamp);
}

export class JunitReporter implements Reporter {
  constructor(private readonly out?: string) {}

  async suiteEnd(results: readonly ScenarioResult[], summary: SuiteSummary): Promise<void> {
    const xml = junitXml(results, summary);
    if (this.out) {
      await mkdir(path.dirname(path.resolve(this.out)), { recursive: true });
      await writeFile(this.out, xml);
    } else process.stdout.write(xml);
  }
}
