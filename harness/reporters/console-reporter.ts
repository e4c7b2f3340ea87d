/**
 * Console reporter: a line per step with its duration, live progress while an expect waits (rewritten in place on
 * a terminal, a line every 2 s otherwise), failures with the checker's explanation, and a summary table.
 * Colour only on a TTY and never when NO_COLOR is set (FORCE_COLOR forces it).
 */
import { performance } from "node:perf_hooks";
import { Chalk, type ChalkInstance } from "chalk";
import type { Reporter, SuiteSummary } from "./reporter.js";
import type { ScenarioResult, StepResult } from "../runner/result.js";
import { formatPassRate, passRates, ranSeveralSeeds } from "./pass-rate.js";
import { efficiencyLine } from "../runner/efficiency-figures.js";

export interface ConsoleReporterOptions {
  readonly stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly color?: boolean;
}

export function wantsColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return (stream as NodeJS.WriteStream).isTTY === true && env.TERM !== "dumb";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function pad(s: string, width: number): string {
  // Width without ANSI escapes.
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/\u001b\[[0-9;]*m/g, "").length;
  return s + " ".repeat(Math.max(0, width - visible));
}

export class ConsoleReporter implements Reporter {
  private readonly out: NodeJS.WritableStream;
  private readonly c: ChalkInstance;
  private readonly tty: boolean;
  private progressShown = false;
  private lastProgressLine = 0;

  constructor(options: ConsoleReporterOptions = {}) {
    this.out = options.stream ?? process.stdout;
    const color = options.color ?? wantsColor(this.out);
    this.c = new Chalk({ level: color ? 1 : 0 });
    this.tty = (this.out as NodeJS.WriteStream).isTTY === true;
  }

  private write(line: string): void {
    this.clearProgress();
    this.out.write(`${line}\n`);
  }

  private clearProgress(): void {
    if (this.progressShown) {
      this.out.write("\r\u001b[2K");
      this.progressShown = false;
    }
  }

  scenarioStart({ plan, file }: Parameters<NonNullable<Reporter["scenarioStart"]>>[0]): void {
    this.write(
      `${this.c.bold(plan.name)}${file ? this.c.dim(`  ${file}`) : ""}${this.c.dim(`  seed ${plan.seed}`)}`,
    );
  }

  stepStart(): void {
    this.lastProgressLine = performance.now();
  }

  progress(step: { index: number; label: string }, p: { elapsedMs: number; agreeing: number; of: number; lagging: readonly string[] }): void {
    const text = `    … ${step.index + 1}. ${step.label}  ${formatDuration(p.elapsedMs)}  ${p.agreeing}/${p.of} agree${p.lagging.length ? ` (waiting for ${p.lagging.join(", ")}${p.of - p.agreeing > p.lagging.length ? ", ..." : ""})` : ""}`;
    if (this.tty) {
      this.clearProgress();
      this.out.write(this.c.dim(text));
      this.progressShown = true;
    } else if (performance.now() - this.lastProgressLine >= 2000) {
      this.lastProgressLine = performance.now();
      this.out.write(`${text}\n`);
    }
  }

  stepEnd(r: StepResult): void {
    const n = r.index < 0 ? "  " : `${r.index + 1}.`;
    const mark =
      r.status === "passed" ? this.c.green("✓") : r.status === "failed" ? this.c.red("✗") : this.c.dim("-");
    const label = r.status === "skipped" ? this.c.dim(r.label) : r.label;
    const time = r.status === "skipped" ? this.c.dim("skipped") : this.c.dim(formatDuration(r.durationMs));
    this.write(`  ${mark} ${pad(`${n} ${label}`, 58)} ${time}`);
    for (const note of r.notes ?? []) this.write(`      ${this.c.dim(note)}`);
    if (r.message && r.status === "failed") {
      for (const line of r.message.split("\n")) this.write(`      ${this.c.red(line)}`);
    }
  }

  scenarioEnd(r: ScenarioResult): void {
    const verdict = r.status === "passed" ? this.c.green.bold("PASS") : this.c.red.bold("FAIL");
    for (const load of r.loads ?? []) {
      this.write(
        this.c.dim(
          `  load of step ${load.step + 1}: ${load.posts} POSTs in ${formatDuration(load.durationMs)}; numbers acknowledged ${load.acknowledged}, ` +
            `indeterminate ${load.indeterminate}, refused ${load.refused}${load.skipped ? `, not sent (no live node) ${load.skipped}` : ""}${load.late ? `, not sent (time up, POSTs still in flight) ${load.late}` : ""}`,
        ),
      );
    }
    if (r.efficiency) this.write(this.c.dim(`  efficiency: ${efficiencyLine(r.efficiency)}`));
    this.write(`  ${verdict} ${r.name} in ${formatDuration(r.durationMs)}${r.logsDir ? this.c.dim(`  logs: ${r.logsDir}`) : ""}`);
    if (r.status === "failed" && r.replay && r.logsDir) this.write(`  replay: sumnet run ${r.logsDir}/replay.yaml`);
    this.write("");
  }

  async suiteEnd(results: readonly ScenarioResult[], s: SuiteSummary): Promise<void> {
    this.clearProgress();
    if (results.length === 0) {
      this.write("no scenarios ran");
      return;
    }
    if (ranSeveralSeeds(results)) {
      this.passRateSummary(results, s);
      return;
    }
    const rows = results.map((r) => [
      r.name,
      r.status === "passed" ? this.c.green("pass") : this.c.red("fail"),
      `${r.steps.filter((x) => x.status === "passed" && x.index >= 0).length}/${r.steps.filter((x) => x.index >= 0).length}`,
      String(r.nodes),
      formatDuration(r.durationMs),
    ]);
    const head = ["scenario", "result", "steps", "nodes", "time"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).replace(/\u001b\[[0-9;]*m/g, "").length)));
    const line = (cells: string[]): string => cells.map((cell, i) => pad(cell, widths[i] as number)).join("  ");
    this.write(this.c.bold(line(head)));
    for (const row of rows) this.write(line(row));
    this.write("");
    const status = s.failed === 0 ? this.c.green.bold(`${s.passed} passed`) : `${this.c.red.bold(`${s.failed} failed`)}, ${s.passed} passed`;
    this.write(`${status} (${s.total} scenario${s.total === 1 ? "" : "s"}, ${formatDuration(s.durationMs)})`);
    for (const r of results.filter((x) => x.status === "failed")) {
      this.write(`${this.c.red("✗")} ${r.name}: ${r.failure?.split("\n")[0] ?? ""}${r.logsDir ? `\n    logs: ${r.logsDir}` : ""}`);
    }
  }

  /** Several seeds per scenario: a pass rate per scenario, then the first line of each failed run. */
  private passRateSummary(results: readonly ScenarioResult[], s: SuiteSummary): void {
    for (const rate of passRates(results)) {
      const line = formatPassRate(rate);
      this.write(rate.passed === rate.runs ? line : this.c.red(line));
    }
    this.write("");
    const status = s.failed === 0 ? this.c.green.bold(`${s.passed} runs passed`) : `${this.c.red.bold(`${s.failed} runs failed`)}, ${s.passed} passed`;
    this.write(`${status} (${passRates(results).length} scenarios, ${s.total} runs, ${formatDuration(s.durationMs)})`);
    for (const r of results.filter((x) => x.status === "failed")) {
      this.write(`${this.c.red("✗")} ${r.name} seed ${r.seed}: ${r.failure?.split("\n")[0] ?? ""}${r.logsDir ? `\n    logs: ${r.logsDir}` : ""}`);
    }
  }
}
