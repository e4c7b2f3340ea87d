/**
 * The grade report: one zod schema that is the TypeScript type and the documentation of `report.json`, and the
 * Markdown rendering a student reads (`report.md`).
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

export const conformanceCheckSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(["pass", "fail", "warn", "skip"]),
  message: z.string(),
});

export const failingNodeSchema = z.object({
  node: z.string(),
  /** The kind of failure the checker saw (lost, surplus, wrong-total, too-slow, unreachable, crashed, ...). */
  kind: z.string().optional(),
  /** Why this node is named: what it reported against what was expected, or how it exited. */
  reason: z.string(),
  /** The end of its log (bounded, printable). */
  logTail: z.string(),
  /** For a crash: how it exited; `oomKilled` is the container engine's own flag (absent on the local runtime). */
  exit: z
    .object({ code: z.number().int().nullable(), signal: z.string().nullable(), oomKilled: z.boolean().optional() })
    .optional(),
});

/** One run of a scenario graded several times (`--runs N`, seeds: the scenario's seed + i). */
export const scenarioRunSchema = z.object({
  seed: z.number().int(),
  status: z.enum(["pass", "fail", "error", "timeout"]),
  durationMs: z.number().nonnegative(),
});

/** The smallest scenario found that fails the same way (shrinking a failed run, see minimal-scenario.ts). */
export const minimalScenarioSchema = z.object({
  /** Where `minimal.yaml` was written on the grading machine (in the scenario's result folder). */
  file: z.string(),
  /** The command that runs it on a student's machine, once saved as `minimal.yaml`. */
  command: z.string(),
  /** "shrunk 9 steps and 4 nodes to 3 steps and 3 nodes in 12 runs, 41 s", or why it is not smaller. */
  summary: z.string(),
  /** Whether the failure showed again while shrinking (false: the run as it happened, not smaller). */
  reproduced: z.boolean(),
  /** The file's text (bounded: a longer one ends with a note and is whole in `file`). */
  yaml: z.string(),
});

export const scenarioGradeSchema = z.object({
  name: z.string(),
  file: z.string(),
  weight: z.number().positive(),
  /**
   * `error`: the scenario could not run (bad file, runtime problem); `timeout`: the wall-clock limit was hit;
   * `flaky`: graded several times, it passed some runs and failed others.
   */
  status: z.enum(["pass", "fail", "error", "timeout", "skipped", "flaky"]),
  /** The seed the scenario ran with (the first run's when it ran several times). */
  seed: z.number().int().optional(),
  /** Points earned: the weight times the share of runs that passed (partial credit for a flaky scenario). */
  earned: z.number().nonnegative().optional(),
  /** Every run, when the scenario was graded more than once; the message and nodes are the first failing run's. */
  runs: z.array(scenarioRunSchema).optional(),
  /** The checker's message (or what went wrong), in plain words. */
  message: z.string(),
  /** Longest wait for convergence over the scenario's expect steps, when they passed. */
  convergenceMs: z.number().nonnegative().nullable(),
  durationMs: z.number().nonnegative(),
  /** Which nodes ran the reference peer (`--mix reference`). */
  referenceNodes: z.array(z.string()),
  failingNodes: z.array(failingNodeSchema),
  /** For a failed scenario: the command that replays it (the failing seed) on a student's machine. */
  replayCommand: z.string().optional(),
  /** For a failure that blames a node, when shrinking was on and had time: the minimal scenario. */
  minimal: minimalScenarioSchema.optional(),
});

export const gradeReportSchema = z.object({
  /** What was graded: a command or an image. */
  implementation: z.object({ kind: z.enum(["command", "image"]), value: z.string(), name: z.string() }),
  runtime: z.string(),
  mix: z.enum(["none", "reference"]),
  sandbox: z.string().nullable(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  conformance: z.object({
    passed: z.boolean(),
    checks: z.array(conformanceCheckSchema),
    logTail: z.string(),
    durationMs: z.number().nonnegative(),
  }),
  scenarios: z.array(scenarioGradeSchema),
  score: z.object({
    earned: z.number().nonnegative(),
    possible: z.number().nonnegative(),
    /** 0 to 100, rounded to one decimal; 0 when conformance failed hard enough that no scenario ran. */
    percent: z.number().min(0).max(100),
  }),
  /** Conformance passed and every scenario passed. */
  passed: z.boolean(),
});

export type ScenarioGrade = z.infer<typeof scenarioGradeSchema>;
export type GradeReport = z.infer<typeof gradeReportSchema>;
export type FailingNode = z.infer<typeof failingNodeSchema>;
export type MinimalScenario = z.infer<typeof minimalScenarioSchema>;

/**
 * The score: every scenario's points by its pass rate, plus the conformance check's points (a course gives them; 0
 * by default) when it passed. The autograder formats score the same parts, test by test.
 */
export function computeScore(
  scenarios: readonly ScenarioGrade[],
  conformance: { readonly points: number; readonly passed: boolean } = { points: 0, passed: false },
): GradeReport["score"] {
  const possible = scenarios.reduce((sum, s) => sum + s.weight, 0) + conformance.points;
  const earned = round2(scenarios.reduce((sum, s) => sum + scenarioEarned(s), 0) + (conformance.passed ? conformance.points : 0));
  const percent = possible === 0 ? 0 : Math.round((earned / possible) * 1000) / 10;
  return { earned, possible, percent };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The points a scenario earned: its `earned` when graded over several runs, else its weight when it passed. */
export function scenarioEarned(s: ScenarioGrade): number {
  return s.earned ?? (s.status === "pass" ? s.weight : 0);
}

/** "passed 7 of 10 runs; failed seeds 3, 5, 9" for a scenario graded more than once; "" otherwise. */
export function describeRuns(s: Pick<ScenarioGrade, "runs">): string {
  if (!s.runs || s.runs.length < 2) return "";
  const passed = s.runs.filter((r) => r.status === "pass").length;
  const failed = s.runs.filter((r) => r.status !== "pass").map((r) => r.seed);
  return `passed ${passed} of ${s.runs.length} runs` + (failed.length > 0 ? `; failed seeds ${failed.join(", ")}` : "");
}

const ICON: Record<string, string> = {
  flaky: "FLAKY",
  pass: "PASS",
  fail: "FAIL",
  warn: "WARN",
  skip: "SKIP",
  error: "ERROR",
  timeout: "TIMEOUT",
  skipped: "SKIPPED",
};

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function fence(text: string): string {
  const body = text.trim() === "" ? "(empty log)" : text;
  return "```text\n" + body.replace(/```/g, "'''") + "\n```";
}

function seconds(ms: number | null): string {
  return ms === null ? "-" : `${(ms / 1000).toFixed(1)} s`;
}

export function renderMarkdown(report: GradeReport): string {
  const out: string[] = [];
  const { implementation: impl, score } = report;
  out.push(`# sumnet grade: ${impl.name}`);
  out.push("");
  out.push(
    `**${report.passed ? "PASSED" : "FAILED"}**, score **${score.earned}/${score.possible} (${score.percent}%)**. ` +
      `${impl.kind === "image" ? "Image" : "Command"} \`${impl.value}\`, runtime ${report.runtime}` +
      `${report.mix === "reference" ? ", mixed with reference peers" : ""}, ${report.startedAt}, ` +
      `took ${seconds(report.durationMs)}.`,
  );
  if (report.sandbox) out.push("", `Sandbox: ${report.sandbox}.`);
  out.push("", "What the peer must do: PEER-CONTRACT.md.", "");

  out.push(`## Conformance (one node): ${report.conformance.passed ? "PASS" : "FAIL"}`, "");
  out.push("| check | result | details |", "| --- | --- | --- |");
  for (const check of report.conformance.checks) {
    out.push(`| ${cell(check.title)} | ${ICON[check.status]} | ${cell(check.message)} |`);
  }
  if (!report.conformance.passed) {
    out.push("", "End of the node's log:", "", fence(report.conformance.logTail));
  }
  out.push("");

  out.push("## Scenarios", "");
  if (report.scenarios.length === 0) {
    out.push("No scenario ran.", "");
  } else {
    out.push("| scenario | weight | result | slowest convergence | details |", "| --- | --- | --- | --- | --- |");
    for (const s of report.scenarios) {
      const runs = describeRuns(s);
      const points = s.runs && s.runs.length > 1 ? `; ${scenarioEarned(s)} of ${s.weight} points` : "";
      out.push(
        `| ${cell(s.name)} | ${s.weight} | ${ICON[s.status]} | ${seconds(s.convergenceMs)} | ` +
          `${cell(runs ? `${runs}${points}${s.status === "pass" ? "" : `: ${firstLine(s.message)}`}` : firstLine(s.message))} |`,
      );
    }
    out.push("");
    for (const s of report.scenarios.filter((x) => x.status !== "pass" && x.status !== "skipped")) {
      out.push(`### ${s.name}: ${ICON[s.status]}`, "");
      out.push(`File \`${s.file}\`, ran ${seconds(s.durationMs)}.`, "");
      if (describeRuns(s)) {
        out.push(`${s.status === "flaky" ? "Flaky: " : ""}${describeRuns(s)} (${scenarioEarned(s)} of ${s.weight} points). The first failing run is shown.`, "");
      }
      if (s.referenceNodes.length > 0) out.push(`Reference peers: ${s.referenceNodes.join(", ")}.`, "");
      out.push(fence(s.message), "");
      if (s.replayCommand) out.push("Replay it:", "", "```sh\n" + s.replayCommand + "\n```", "");
      if (s.minimal) {
        out.push(`Minimal scenario (${s.minimal.summary}), in \`${s.minimal.file}\`:`, "");
        out.push("```yaml\n" + s.minimal.yaml.replace(/```/g, "'''").trimEnd() + "\n```", "");
        out.push("Run it (saved as `minimal.yaml`):", "", "```sh\n" + s.minimal.command + "\n```", "");
      }
      for (const node of s.failingNodes) {
        out.push(`#### ${node.node}: ${node.reason}`, "", fence(node.logTail), "");
      }
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}

/** The gist of a message for a table cell: its first line, and the first detail when the line ends with ":". */
function firstLine(text: string): string {
  const [head = "", next] = text.split("\n");
  const line = head.endsWith(":") && next ? `${head} ${next}` : head;
  return line.length > 240 ? `${line.slice(0, 240)}...` : line;
}

/** Writes a file whole or not at all (a grade may be killed while it writes). */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Writes `report.json` and `report.md` into `dir`; returns their paths. */
export async function writeReport(dir: string, report: GradeReport): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, "report.json");
  const markdown = join(dir, "report.md");
  await writeAtomically(json, JSON.stringify(gradeReportSchema.parse(report), null, 2) + "\n");
  await writeAtomically(markdown, renderMarkdown(report));
  return { json, markdown };
}
