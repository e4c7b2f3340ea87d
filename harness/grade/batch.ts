/**
 * Batch grading: every submission of a folder (see submissions.ts) graded one after another into
 * `<out>/<name>/report.{md,json}`, plus one summary table in `<out>/summary.md` and `<out>/summary.csv`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { GradeReport } from "./report.js";
import { commandInFolder, type Submission } from "./submissions.js";

export interface SummaryRow {
  readonly name: string;
  readonly implementation: string;
  readonly passed: boolean;
  readonly earned: number;
  readonly possible: number;
  readonly percent: number;
  readonly conformance: "pass" | "fail";
  readonly scenariosPassed: number;
  readonly scenarios: number;
  /** Names of scenarios that did not pass, or the reason the grading itself failed. */
  readonly notes: string;
  /** Path of the Markdown report, relative to the summary. */
  readonly report: string;
}

export function implementationOf(submission: Submission): { kind: "image"; image: string } | { kind: "command"; command: string } {
  return submission.kind === "image"
    ? { kind: "image", image: submission.image }
    : { kind: "command", command: commandInFolder(submission) };
}

export function summaryRow(name: string, implementation: string, report: GradeReport, reportPath: string): SummaryRow {
  const failing = report.scenarios.filter((s) => s.status !== "pass").map((s) => `${s.name} (${s.status})`);
  const failedChecks = report.conformance.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const notes = [
    ...(failedChecks.length > 0 ? [`conformance: ${failedChecks.join(", ")}`] : []),
    ...failing,
  ].join("; ");
  return {
    name,
    implementation,
    passed: report.passed,
    earned: report.score.earned,
    possible: report.score.possible,
    percent: report.score.percent,
    conformance: report.conformance.passed ? "pass" : "fail",
    scenariosPassed: report.scenarios.filter((s) => s.status === "pass").length,
    scenarios: report.scenarios.length,
    notes,
    report: reportPath,
  };
}

/** A row for a submission whose grading could not run at all (e.g. its image does not exist). */
export function errorRow(name: string, implementation: string, message: string): SummaryRow {
  return {
    name,
    implementation,
    passed: false,
    earned: 0,
    possible: 0,
    percent: 0,
    conformance: "fail",
    scenariosPassed: 0,
    scenarios: 0,
    notes: `not graded: ${message}`,
    report: "",
  };
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function renderSummaryMarkdown(rows: readonly SummaryRow[]): string {
  const lines = [
    "# sumnet grade: summary",
    "",
    `${rows.filter((r) => r.passed).length} of ${rows.length} submissions pass everything.`,
    "",
    "| submission | result | score | conformance | scenarios | notes | report |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${mdCell(r.name)} | ${r.passed ? "PASS" : "FAIL"} | ${r.earned}/${r.possible} (${r.percent}%) | ` +
        `${r.conformance.toUpperCase()} | ${r.scenariosPassed}/${r.scenarios} | ${mdCell(r.notes)} | ` +
        `${r.report ? `[report](${r.report})` : "-"} |`,
    );
  }
  return lines.join("\n") + "\n";
}

function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderSummaryCsv(rows: readonly SummaryRow[]): string {
  const header = [
    "submission",
    "implementation",
    "passed",
    "earned",
    "possible",
    "percent",
    "conformance",
    "scenarios_passed",
    "scenarios",
    "notes",
    "report",
  ];
  const body = rows.map((r) =>
    [
      r.name,
      r.implementation,
      r.passed,
      r.earned,
      r.possible,
      r.percent,
      r.conformance,
      r.scenariosPassed,
      r.scenarios,
      r.notes,
      r.report,
    ]
      .map(csvField)
      .join(","),
  );
  return [header.join(","), ...body].join("\n") + "\n";
}

export async function writeSummary(outDir: string, rows: readonly SummaryRow[]): Promise<{ markdown: string; csv: string }> {
  await mkdir(outDir, { recursive: true });
  const markdown = join(outDir, "summary.md");
  const csv = join(outDir, "summary.csv");
  await writeFile(markdown, renderSummaryMarkdown(rows));
  await writeFile(csv, renderSummaryCsv(rows));
  return { markdown, csv };
}

export function reportLink(outDir: string, reportPath: string): string {
  return relative(outDir, reportPath);
}
