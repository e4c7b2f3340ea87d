/** JUnit XML reporter for CI systems: a testsuite with one testcase per scenario; failures carry the explanation. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Reporter, SuiteSummary } from "./reporter.js";
import type { ScenarioResult } from "../runner/result.js";
import { formatDuration } from "./console-reporter.js";
import { efficiencyLine } from "../runner/efficiency.js";

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
  const cases = results.map((r) => {
    const classname = `sumnet.${r.file ? path.basename(r.file).replace(/\.[^.]+$/, "") : "scenario"}`;
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
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="sumnet" tests="${summary.total}" failures="${summary.failed}" errors="0" time="${seconds(summary.durationMs)}">
  <testsuite name="sumnet scenarios" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="0" time="${seconds(summary.durationMs)}" timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, "")}">
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
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
