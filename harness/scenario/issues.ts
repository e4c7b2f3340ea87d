/**
 * Turn zod issues into readable problems: a field path and what was expected. Unions (steps, topologies, node
 * lists) are resolved to the alternative the author evidently meant instead of zod's bare "Invalid input".
 */
import type { z } from "zod";
import { STEP_KINDS } from "./schema.js";

export type PathSegment = string | number;

export interface Problem {
  /** Field path inside the document, e.g. ["steps", 2, "kill", "nodes"]. */
  readonly path: readonly PathSegment[];
  /** What is wrong and what was expected. */
  readonly message: string;
}

type Issue = z.core.$ZodIssue;

/** `steps[2].kill.nodes` */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return "(top level)";
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  return `${typeof v} ${String(v)}`;
}

function minDepth(issues: readonly Issue[]): number {
  let d = Infinity;
  for (const i of issues) {
    const depth = i.code === "unrecognized_keys" || (i.code === "invalid_type" && i.path.length === 1 && i.message.includes("undefined")) ? 0 : i.path.length;
    d = Math.min(d, depth);
  }
  return d;
}

function expectedOf(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "array"
        ? "a list"
        : issue.expected === "object"
          ? "an object"
          : issue.expected === "int"
            ? "an integer"
            : `a ${issue.expected}`;
    case "invalid_value":
      return issue.values.map((v) => JSON.stringify(v)).join(" or ");
    default:
      return issue.message;
  }
}

function messageOf(issue: Issue, input: unknown, path: readonly PathSegment[]): string {
  const got = describeValue(valueAt(input, path));
  switch (issue.code) {
    case "invalid_type":
      if (valueAt(input, path) === undefined) return `missing: expected ${expectedOf(issue)}`;
      return `expected ${expectedOf(issue)}, got ${got}`;
    case "invalid_value":
      return `expected ${expectedOf(issue)}, got ${got}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    case "too_small":
      return issue.origin === "array"
        ? `expected at least ${issue.minimum} item(s), got ${got}`
        : issue.origin === "string"
          ? `expected a non-empty string`
          : `expected a value >= ${issue.minimum}, got ${got}`;
    case "too_big":
      return issue.origin === "array"
        ? `expected at most ${issue.maximum} item(s)`
        : `expected a value <= ${issue.maximum}, got ${got}`;
    case "invalid_format":
      return `expected ${issue.message}, got ${got}`;
    case "custom":
      return issue.message;
    default:
      return `${issue.message} (got ${got})`;
  }
}

/** Flatten zod issues into problems with absolute paths. */
export function problemsFromIssues(issues: readonly Issue[], input: unknown, base: readonly PathSegment[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    if (issue.code !== "invalid_union") {
      out.push({ path, message: messageOf(issue, input, path) });
      continue;
    }
    const value = valueAt(input, path);
    // A step: pick the alternative named by its action key.
    const isStep = path.length === 2 && path[0] === "steps" && typeof path[1] === "number";
    if (isStep && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const actions = Object.keys(value).filter((k) => (STEP_KINDS as readonly string[]).includes(k));
      if (actions.length !== 1) {
        const others = Object.keys(value).filter((k) => k !== "name");
        out.push({
          path,
          message:
            actions.length === 0
              ? `expected a step with one action key (${STEP_KINDS.join(", ")}), got ${others.length ? others.map((k) => `'${k}'`).join(", ") : "none"}`
              : `expected exactly one action key per step, got ${actions.map((k) => `'${k}'`).join(", ")}`,
        });
        continue;
      }
    }
    const branches = issue.errors as Issue[][];
    const options = (issue as { options?: unknown[] }).options;
    if (branches.length === 0 && Array.isArray(options)) {
      out.push({ path, message: `expected one of ${options.map((o) => JSON.stringify(o)).join(", ")}, got ${describeValue(value)}` });
      continue;
    }
    const ranked = branches
      .map((b, i) => ({ b, i, depth: minDepth(b) }))
      .sort((x, y) => y.depth - x.depth || x.b.length - y.b.length || x.i - y.i);
    const best = ranked[0];
    if (best && best.depth > 0 && (ranked[1] === undefined || ranked[1].depth < best.depth)) {
      out.push(...problemsFromIssues(best.b, input, path));
      continue;
    }
    // No alternative stands out: say which shapes would be accepted.
    const expected = [...new Set(branches.map((b) => (b[0] ? expectedOf(b[0]) : "?")))];
    if (expected.includes("an integer") && expected.includes("a string")) {
      out.push({ path, message: `expected an integer (a number without fraction or a decimal string), got ${describeValue(value)}` });
      continue;
    }
    out.push({ path, message: `expected ${expected.join(" or ")}, got ${describeValue(value)}` });
  }
  return out;
}
