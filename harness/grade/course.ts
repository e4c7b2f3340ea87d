/**
 * A course's grading in one file (`sumnet grade --course course.yaml`): which scenario files, the points, visibility,
 * runs and time limit of each, the conformance check's points, and whether networks are mixed with reference peers.
 * The zod schema is the type, the documentation and (through `z.toJSONSchema`) `examples/course.schema.json` for
 * editors. Scenario paths are relative to the course file.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { Duration, durationMs } from "../scenario/schema.js";
import { VISIBILITIES, type FormatOptions, type Visibility } from "./autograder-formats.js";

const Visibility = z
  .enum(VISIBILITIES)
  .describe("who sees a test's result: visible (always), hidden (never), after_due_date, after_published (Gradescope)");

const Runs = z.number().int().min(1).max(1000).describe("how many times a scenario runs (seeds: its seed + i); points by pass rate");

export const CourseScenario = z.strictObject({
  file: z.string().min(1).describe("scenario file, relative to the course file"),
  points: z.number().positive().optional().describe("points of this scenario (default: its weight, else 1)"),
  visibility: Visibility.optional(),
  runs: Runs.optional(),
  timeout: Duration.optional().describe("wall-clock limit of one run (default: from the scenario's own timeouts)"),
});

export const Course = z
  .strictObject({
    $schema: z.string().optional().describe("path or URL of course.schema.json (for editors)"),
    name: z.string().min(1).describe("the assignment, shown in reports"),
    scenarios: z.array(CourseScenario).min(1).describe("the graded scenarios, in order"),
    conformance: z
      .strictObject({
        points: z.number().nonnegative().describe("points for passing the conformance check (default 0: shown, not scored)"),
        visibility: Visibility.optional(),
      })
      .optional(),
    runs: Runs.optional().describe("runs per scenario unless a scenario says otherwise (default 1)"),
    visibility: Visibility.optional().describe("visibility of scenarios that do not say (default visible)"),
    mix: z
      .enum(["none", "reference"])
      .optional()
      .describe("reference: about half of every network are reference peers, so the peer must speak PROTOCOL.md (default none)"),
  })
  .describe("How sumnet grades one assignment");
export type Course = z.infer<typeof Course>;

/** What a scenario of a course gets, by absolute file path. */
export interface ScenarioSettings {
  readonly points?: number | undefined;
  readonly runs?: number | undefined;
  readonly timeoutMs?: number | undefined;
  readonly visibility: Visibility;
}

/** A course resolved against its file: absolute scenario paths and what grade() takes. */
export interface LoadedCourse {
  readonly course: Course;
  readonly file: string;
  readonly scenarioFiles: readonly string[];
  readonly settings: ReadonlyMap<string, ScenarioSettings>;
  readonly formatOptions: FormatOptions;
}

export class CourseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CourseError";
  }
}

/** Parses a course file (YAML or JSON); problems are listed as `file:line:col field: what was expected`. */
export function parseCourseText(text: string, file: string): LoadedCourse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CourseError(doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? 0}: not valid YAML/JSON: ${e.message.split("\n")[0]}`).join("\n"));
  }
  const parsed = Course.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new CourseError(
      parsed.error.issues
        .map((issue) => {
          const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number] } | undefined;
          const at = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
          const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
          return `${file}${at ? `:${at.line}:${at.col}` : ""} ${where || "(top level)"}: ${issue.message}`;
        })
        .join("\n"),
    );
  }
  const course = parsed.data;
  const dir = path.dirname(path.resolve(file));
  const settings = new Map<string, ScenarioSettings>();
  for (const s of course.scenarios) {
    const absolute = path.resolve(dir, s.file);
    if (settings.has(absolute)) throw new CourseError(`${file} scenarios: ${s.file} is listed twice`);
    settings.set(absolute, {
      points: s.points,
      runs: s.runs ?? course.runs,
      timeoutMs: s.timeout === undefined ? undefined : durationMs(s.timeout),
      visibility: s.visibility ?? course.visibility ?? "visible",
    });
  }
  return {
    course,
    file,
    scenarioFiles: [...settings.keys()],
    settings,
    formatOptions: {
      conformancePoints: course.conformance?.points ?? 0,
      visibility: course.conformance?.visibility ?? "visible",
      visibilityOf: (s) => settings.get(path.resolve(s.file))?.visibility ?? course.visibility ?? "visible",
    },
  };
}

export async function loadCourseFile(file: string): Promise<LoadedCourse> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CourseError(`cannot read the course file ${file}: ${(error as Error).message}`);
  }
  return parseCourseText(text, file);
}

/** JSON Schema (draft 2020-12) of course files, generated from the zod schema. */
export function courseJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://sumnet.dev/course.schema.json",
    title: "sumnet course",
    ...(z.toJSONSchema(Course, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>),
  };
}
