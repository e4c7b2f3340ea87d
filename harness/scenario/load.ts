/**
 * Load scenario files (YAML, or JSON which YAML 1.2 reads too) into validated `Scenario` objects. Integers are read
 * exactly (no rounding of big numbers). Every problem names the file, the line and column, the field path and what
 * was expected: `scenarios/x.yaml:12:9 steps[2].kill: expected a node id ..., got number 3`.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { Scenario } from "./schema.js";
import { formatPath, problemsFromIssues, type PathSegment, type Problem } from "./issues.js";
import { PlanError, planScenario } from "./plan.js";
import { checkStatedTotals } from "./stated-totals.js";

export interface LocatedProblem extends Problem {
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  readonly column: number;
}

export class ScenarioError extends Error {
  constructor(readonly problems: readonly LocatedProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ScenarioError";
  }
}

export function formatProblem(p: LocatedProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where} ${formatPath(p.path)}: ${p.message}`;
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** File the scenario came from, or `<object>` for in-memory scenarios. */
  readonly file: string;
}

/** Big integers become decimal strings, safe ones numbers: the schema accepts both, nothing is rounded. */
function normalizeIntegers(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) return value.map(normalizeIntegers);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeIntegers(v)]));
  }
  return value;
}

function locate(doc: Document | undefined, lines: LineCounter | undefined, p: readonly PathSegment[]) {
  if (!doc || !lines) return { line: 0, column: 0 };
  // Walk up until a node exists (a missing field points at its parent).
  for (let n = p.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 0, column: 0 };
}

/** Parse and validate scenario text. `file` is only used in messages. Throws ScenarioError. */
export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0].line ?? 0,
        column: e.linePos?.[0].col ?? 0,
        path: [],
        message: `not valid YAML/JSON: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    );
  }
  const input = normalizeIntegers(doc.toJS({ maxAliasCount: 1000 }));
  return validateScenario(input, file, doc, lineCounter);
}

/** Validate an in-memory object (e.g. from a test). Throws ScenarioError. */
export function validateScenario(input: unknown, file = "<object>", doc?: Document, lines?: LineCounter): Scenario {
  const parsed = Scenario.safeParse(normalizeIntegers(input));
  let problems: Problem[];
  if (!parsed.success) problems = problemsFromIssues(parsed.error.issues, normalizeIntegers(input));
  else {
    // Planned once here, to check references and stated totals; a run plans again with its own seed.
    try {
      problems = checkStatedTotals(planScenario(parsed.data));
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      problems = [...error.problems];
    }
  }
  if (problems.length > 0) {
    throw new ScenarioError(problems.map((p) => ({ ...p, file, ...locate(doc, lines, p.path) })));
  }
  return parsed.data as Scenario;
}

export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ScenarioError([
      { file, line: 0, column: 0, path: [], message: `cannot read: ${(error as Error).message}` },
    ]);
  }
  return { scenario: parseScenarioText(text, file), file };
}

const SCENARIO_EXTENSIONS = [".yaml", ".yml", ".json"];

/**
 * Expand files and directories into scenario files (directories: their *.yaml, *.yml, *.json files, sorted, not
 * recursive, `*.schema.json` excluded). Missing paths throw ScenarioError.
 */
export async function findScenarioFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new ScenarioError([{ file: p, line: 0, column: 0, path: [], message: "no such file or directory" }]);
    }
    if (info.isDirectory()) {
      const entries = (await readdir(p))
        .filter((f) => SCENARIO_EXTENSIONS.includes(path.extname(f)) && !f.endsWith(".schema.json"))
        .sort();
      out.push(...entries.map((f) => path.join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}
