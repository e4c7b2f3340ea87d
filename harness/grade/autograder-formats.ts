/**
 * The results files that course platforms read, made from a grade report: Gradescope's
 * `/autograder/results/results.json` and PrairieLearn's external-grader `results.json`. Each is a zod schema (the
 * type and the documentation of what is written) and a pure function from a GradeReport.
 *
 * Every scenario is one test: its points are its weight, its score what it earned (partial credit by pass rate with
 * `--runs`); the conformance check is one test too, worth `conformancePoints` (default 0: shown, not scored, as in
 * report.md). A failing test's output is Markdown a student can act on: the checker's message, the command that
 * replays the scenario on their machine, and the end of each failing node's log.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { replayCommand, type ReplayOptions } from "./replay-command.js";
import {
  describeRuns,
  scenarioEarned,
  writeAtomically,
  type GradeReport,
  type MinimalScenario,
  type ScenarioGrade,
} from "./report.js";

export { replayCommand };

export const FORMATS = ["gradescope", "prairielearn"] as const;
export type ResultsFormat = (typeof FORMATS)[number];

/** Gradescope's visibility of a test: always, never, after the due date, after grades are published. */
export const VISIBILITIES = ["visible", "hidden", "after_due_date", "after_published"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const gradescopeTestSchema = z.object({
  name: z.string(),
  score: z.number().nonnegative(),
  max_score: z.number().nonnegative(),
  status: z.enum(["passed", "failed"]),
  output: z.string(),
  output_format: z.literal("md"),
  visibility: z.enum(VISIBILITIES),
  /** Seconds (Gradescope shows it; it is not in every version of their specification). */
  execution_time: z.number().nonnegative(),
});

/** What Gradescope reads from /autograder/results/results.json. */
export const gradescopeResultsSchema = z.object({
  score: z.number().nonnegative(),
  execution_time: z.number().nonnegative(),
  output: z.string(),
  output_format: z.literal("md"),
  test_output_format: z.literal("md"),
  visibility: z.enum(VISIBILITIES),
  stdout_visibility: z.enum(VISIBILITIES),
  tests: z.array(gradescopeTestSchema),
});
export type GradescopeResults = z.infer<typeof gradescopeResultsSchema>;

export const prairielearnTestSchema = z.object({
  name: z.string(),
  description: z.string(),
  points: z.number().nonnegative(),
  max_points: z.number().nonnegative(),
  message: z.string(),
  output: z.string(),
});

/** What PrairieLearn's external grader reads from results.json. */
export const prairielearnResultsSchema = z.object({
  gradable: z.boolean(),
  /** 0 to 1. */
  score: z.number().min(0).max(1),
  message: z.string(),
  output: z.string(),
  tests: z.array(prairielearnTestSchema),
});
export type PrairieLearnResults = z.infer<typeof prairielearnResultsSchema>;

export interface FormatOptions extends ReplayOptions {
  /** Points of the conformance check (default 0: shown, not scored). */
  readonly conformancePoints?: number;
  /** Visibility of a scenario's test (default `visible`). */
  readonly visibilityOf?: (scenario: ScenarioGrade) => Visibility;
  /** Visibility of the whole result and of the conformance test (default `visible`). */
  readonly visibility?: Visibility;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function fence(text: string): string {
  return "```text\n" + (text.trim() === "" ? "(empty)" : text).replace(/```/g, "'''") + "\n```";
}

/** A scenario's test output: what happened and how to see it again. */
export function scenarioOutput(report: GradeReport, s: ScenarioGrade, options: FormatOptions = {}): string {
  const out: string[] = [];
  const runs = describeRuns(s);
  if (s.status === "pass") {
    out.push(runs ? `Passed every run (${runs}).` : "Passed: every expect step converged.");
    return out.join("\n");
  }
  if (s.status === "skipped") return s.message.charAt(0).toUpperCase() + s.message.slice(1);
  if (runs) out.push(`**${s.status === "flaky" ? "Flaky" : "Failed"}**: ${runs}. The first failing run:`, "");
  out.push(fence(s.message), "");
  out.push("Replay it on your machine (from a clone of sumnet, after `npm ci`):", "", "```sh", s.replayCommand ?? replayCommand(report, s, options), "```", "");
  if (s.minimal) out.push(...minimalSection(s.minimal), "");
  if (s.referenceNodes.length > 0) out.push(`In grading, ${s.referenceNodes.join(", ")} ran the reference peer.`, "");
  for (const node of s.failingNodes) out.push(`**${node.node}**: ${node.reason}`, "", "End of its log:", "", fence(node.logTail), "");
  return out.join("\n").trim();
}

/** The minimal scenario of a failure: how it was found, the file itself (bounded), and how to run it. */
export function minimalSection(minimal: MinimalScenario): string[] {
  return [
    `Minimal scenario (${minimal.summary}); save it as \`minimal.yaml\`:`,
    "",
    "```yaml",
    minimal.yaml.replace(/```/g, "'''").trimEnd(),
    "```",
    "",
    "and run it:",
    "",
    "```sh",
    minimal.command,
    "```",
  ];
}

function conformanceOutput(report: GradeReport): string {
  const lines = report.conformance.checks.map((c) => `- ${c.status.toUpperCase()} ${c.title}: ${c.message}`);
  if (!report.conformance.passed) lines.push("", "End of the node's log:", "", fence(report.conformance.logTail));
  return lines.join("\n");
}

function summary(report: GradeReport): string {
  const passed = report.scenarios.filter((s) => s.status === "pass").length;
  const flaky = report.scenarios.filter((s) => s.status === "flaky").length;
  return (
    `sumnet grade: ${passed} of ${report.scenarios.length} scenarios passed` +
    `${flaky > 0 ? `, ${flaky} flaky` : ""}; conformance ${report.conformance.passed ? "passed" : "failed"}. ` +
    "What the peer must do: PEER-CONTRACT.md."
  );
}

export function toGradescope(report: GradeReport, options: FormatOptions = {}): GradescopeResults {
  const conformancePoints = options.conformancePoints ?? 0;
  const visibility = options.visibility ?? "visible";
  const tests: GradescopeResults["tests"] = [
    {
      name: "conformance: the peer contract on one node",
      score: report.conformance.passed ? conformancePoints : 0,
      max_score: conformancePoints,
      status: report.conformance.passed ? "passed" : "failed",
      output: conformanceOutput(report),
      output_format: "md",
      visibility,
      execution_time: round2(report.conformance.durationMs / 1000),
    },
    ...report.scenarios.map((s) => ({
      name: `scenario: ${s.name}`,
      score: round2(scenarioEarned(s)),
      max_score: s.weight,
      status: s.status === "pass" ? ("passed" as const) : ("failed" as const),
      output: scenarioOutput(report, s, options),
      output_format: "md" as const,
      visibility: options.visibilityOf?.(s) ?? "visible",
      execution_time: round2(s.durationMs / 1000),
    })),
  ];
  return gradescopeResultsSchema.parse({
    score: round2(tests.reduce((sum, t) => sum + t.score, 0)),
    execution_time: round2(report.durationMs / 1000),
    output: summary(report),
    output_format: "md",
    test_output_format: "md",
    visibility,
    stdout_visibility: "hidden",
    tests,
  });
}

export function toPrairieLearn(report: GradeReport, options: FormatOptions = {}): PrairieLearnResults {
  const conformancePoints = options.conformancePoints ?? 0;
  const tests: PrairieLearnResults["tests"] = [
    {
      name: "conformance",
      description: "the peer contract on one node",
      points: report.conformance.passed ? conformancePoints : 0,
      max_points: conformancePoints,
      message: report.conformance.passed ? "passed" : report.conformance.checks.filter((c) => c.status === "fail").map((c) => c.message).join("\n"),
      output: conformanceOutput(report),
    },
    ...report.scenarios.map((s) => ({
      name: s.name,
      description: s.file,
      points: round2(scenarioEarned(s)),
      max_points: s.weight,
      message: s.status === "pass" ? "passed" : (describeRuns(s) ? `${describeRuns(s)}: ` : "") + s.message.split("\n")[0],
      output: scenarioOutput(report, s, options),
    })),
  ];
  const possible = tests.reduce((sum, t) => sum + t.max_points, 0);
  const earned = tests.reduce((sum, t) => sum + t.points, 0);
  return prairielearnResultsSchema.parse({
    gradable: true,
    score: possible === 0 ? 0 : Math.min(1, Math.round((earned / possible) * 10_000) / 10_000),
    message: summary(report),
    output: "",
    tests,
  });
}

export function toFormat(format: ResultsFormat, report: GradeReport, options: FormatOptions = {}): unknown {
  return format === "gradescope" ? toGradescope(report, options) : toPrairieLearn(report, options);
}

/** Writes `<dir>/results.json` in the platform's format (whole or not at all); returns its path. */
export async function writeResults(dir: string, format: ResultsFormat, report: GradeReport, options: FormatOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, "results.json");
  await writeAtomically(file, JSON.stringify(toFormat(format, report, options), null, 2) + "\n");
  return file;
}
