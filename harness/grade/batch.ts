/**
 * Batch grading: every submission of a folder (see submissions.ts) graded into `<out>/<name>/report.{md,json}`, up
 * to `jobs` at once (each in its own networks, ports, folders and runtime: nothing is shared but the machine), plus
 * the class summary in `<out>/summary.md`, `<out>/summary.csv` and `<out>/summary.html`: each student's score, which
 * scenarios failed across the class, and which bug classes were most common.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { eachLimited } from "../base/each-limited.js";
import { grade, type GradeOptions } from "./grade.js";
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
  /** Scenarios that did not pass (names). */
  readonly failedScenarios: readonly string[];
  /** Bug classes seen: failed conformance checks and the kinds of failing nodes (see bugClasses). */
  readonly bugClasses: readonly string[];
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
    failedScenarios: report.scenarios.filter((s) => s.status !== "pass").map((s) => s.name),
    bugClasses: bugClasses(report),
    report: reportPath,
  };
}

/** What a failing node's kind says about the bug, in a class summary's words. */
const KIND_WORDS: Record<string, string> = {
  lost: "loses numbers",
  surplus: "counts numbers twice",
  "wrong-total": "reports a wrong total",
  "too-slow": "too slow (nothing lost)",
  unreachable: "stops answering",
  crashed: "crashes",
  "start-failed": "does not start",
  error: "harness error",
};

/** A report's bug classes: each failed conformance check, and each kind of failing node in its scenarios. */
export function bugClasses(report: GradeReport): string[] {
  const classes = new Set<string>();
  for (const check of report.conformance.checks) if (check.status === "fail") classes.add(`conformance: ${check.title}`);
  for (const s of report.scenarios) {
    if (s.status === "timeout") classes.add("scenario time limit");
    for (const node of s.failingNodes) classes.add(KIND_WORDS[node.kind ?? ""] ?? "fails a scenario");
  }
  return [...classes];
}

/** How many submissions each item of `pick` applies to, most common first. */
function tally(rows: readonly SummaryRow[], pick: (row: SummaryRow) => readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const row of rows) for (const item of new Set(pick(row))) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export interface BatchOptions {
  /** Options shared by every submission's grade (scenarios, format, runs, ...). */
  readonly grade: Omit<GradeOptions, "implementation" | "name" | "outDir" | "log">;
  readonly outDir: string;
  /** Submissions graded at once (default 1). */
  readonly jobs?: number;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Grades every submission, `jobs` at once; a row per submission in the given order (graded or not). */
export async function gradeSubmissions(submissions: readonly Submission[], options: BatchOptions): Promise<SummaryRow[]> {
  const log = options.log ?? (() => undefined);
  const jobs = options.jobs ?? 1;
  const rows = new Map<string, SummaryRow>();
  await eachLimited(submissions, jobs, async (submission) => {
    if (options.signal?.aborted) return;
    const shown = submission.kind === "image" ? submission.image : `${submission.name}/command: ${submission.command}`;
    // With several at once, every line says whose it is.
    const say = jobs > 1 ? (line: string) => log(`[${submission.name}] ${line}`) : log;
    say(`== ${submission.name} (${shown})`);
    try {
      const { report, files } = await grade({
        ...options.grade,
        implementation: implementationOf(submission),
        name: submission.name,
        outDir: join(options.outDir, submission.name),
        log: say,
      });
      say(`${report.passed ? "PASSED" : "FAILED"} ${submission.name}: score ${report.score.earned}/${report.score.possible} (${report.score.percent}%)`);
      rows.set(submission.name, summaryRow(submission.name, shown, report, reportLink(options.outDir, files.markdown)));
    } catch (error) {
      say(`NOT GRADED ${submission.name}: ${(error as Error).message}`);
      rows.set(submission.name, errorRow(submission.name, shown, (error as Error).message));
    }
  });
  return submissions.flatMap((s) => rows.get(s.name) ?? []);
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
    failedScenarios: [],
    bugClasses: ["not graded"],
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
  const scenarios = tally(rows, (r) => r.failedScenarios);
  lines.push("", "## Scenarios failed across the class", "");
  if (scenarios.length === 0) lines.push("Every graded submission passed every scenario.");
  else {
    lines.push("| scenario | submissions that failed it |", "| --- | --- |");
    for (const [name, n] of scenarios) lines.push(`| ${mdCell(name)} | ${n} of ${rows.length} |`);
  }
  const classes = tally(rows, (r) => r.bugClasses);
  lines.push("", "## Most common bug classes", "");
  if (classes.length === 0) lines.push("None seen.");
  else {
    lines.push("| bug class | submissions |", "| --- | --- |");
    for (const [name, n] of classes) lines.push(`| ${mdCell(name)} | ${n} of ${rows.length} |`);
  }
  return lines.join("\n") + "\n";
}

function html(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The class summary as one self-contained HTML page (no scripts, no external assets). */
export function renderSummaryHtml(rows: readonly SummaryRow[]): string {
  const table = (head: readonly string[], body: readonly (readonly string[])[]): string =>
    `<table><thead><tr>${head.map((h) => `<th>${html(h)}</th>`).join("")}</tr></thead><tbody>` +
    body.map((cells) => `<tr>${cells.join("")}</tr>`).join("") +
    "</tbody></table>";
  const students = table(
    ["submission", "result", "score", "conformance", "scenarios", "notes"],
    rows.map((r) => [
      `<td>${r.report ? `<a href="${html(r.report)}">${html(r.name)}</a>` : html(r.name)}</td>`,
      `<td class="${r.passed ? "pass" : "fail"}">${r.passed ? "PASS" : "FAIL"}</td>`,
      `<td>${html(`${r.earned}/${r.possible} (${r.percent}%)`)}</td>`,
      `<td>${html(r.conformance.toUpperCase())}</td>`,
      `<td>${html(`${r.scenariosPassed}/${r.scenarios}`)}</td>`,
      `<td>${html(r.notes)}</td>`,
    ]),
  );
  const counted = (title: string, items: [string, number][], empty: string): string =>
    `<h2>${html(title)}</h2>` +
    (items.length === 0
      ? `<p>${html(empty)}</p>`
      : table(["", "submissions"], items.map(([name, n]) => [`<td>${html(name)}</td>`, `<td>${n} of ${rows.length}</td>`])));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sumnet grade: class summary</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.pass{color:#070}.fail{color:#b00}</style>
</head><body>
<h1>sumnet grade: class summary</h1>
<p>${rows.filter((r) => r.passed).length} of ${rows.length} submissions pass everything.</p>
${students}
${counted("Scenarios failed across the class", tally(rows, (r) => r.failedScenarios), "Every graded submission passed every scenario.")}
${counted("Most common bug classes", tally(rows, (r) => r.bugClasses), "None seen.")}
</body></html>
`;
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
    "failed_scenarios",
    "bug_classes",
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
      r.failedScenarios.join("; "),
      r.bugClasses.join("; "),
      r.report,
    ]
      .map(csvField)
      .join(","),
  );
  return [header.join(","), ...body].join("\n") + "\n";
}

export async function writeSummary(
  outDir: string,
  rows: readonly SummaryRow[],
): Promise<{ markdown: string; csv: string; html: string }> {
  await mkdir(outDir, { recursive: true });
  const markdown = join(outDir, "summary.md");
  const csv = join(outDir, "summary.csv");
  const page = join(outDir, "summary.html");
  await writeFile(markdown, renderSummaryMarkdown(rows));
  await writeFile(csv, renderSummaryCsv(rows));
  await writeFile(page, renderSummaryHtml(rows));
  return { markdown, csv, html: page };
}

export function reportLink(outDir: string, reportPath: string): string {
  return relative(outDir, reportPath);
}
