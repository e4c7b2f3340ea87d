/**
 * The commands a student runs to see a failure again on their own machine: the scenario with the failing seed, and
 * the minimal scenario that shrinking found (saved as `minimal.yaml`). The graded peer is named as the student knows
 * it (`--replay-command` when an autograder wraps their command).
 */
import path from "node:path";
import { quoteWord } from "../runtime/local/index.js";
import { packageRoot } from "../runtime/local/reference-peer.js";
import type { GradeReport, ScenarioGrade } from "./report.js";

export interface ReplayOptions {
  /**
   * The peer command to show in replay commands, when the graded one only makes sense on the grading machine (an
   * autograder's wrapper script): the student's own command line.
   */
  readonly replayPeerCommand?: string | undefined;
}

/** `--peer-command '...'` or `--runtime docker --image ...`: the options of `sumnet run` that choose the peer. */
export function peerOptions(impl: GradeReport["implementation"], options: ReplayOptions = {}): string {
  return impl.kind === "image"
    ? `--runtime docker --image ${quoteWord(impl.value)}`
    : `--peer-command ${quoteWord(options.replayPeerCommand ?? impl.value)}`;
}

/** The shell command that replays a scenario run on a student's machine. */
export function replayCommand(
  report: Pick<GradeReport, "implementation">,
  scenario: Pick<ScenarioGrade, "file" | "seed" | "runs">,
  options: ReplayOptions = {},
): string {
  const seed = scenario.runs?.find((r) => r.status !== "pass")?.seed ?? scenario.seed;
  // A scenario of sumnet's own library is named as it is in any clone (scenarios/...), not by the grader's path.
  const inPackage = path.relative(packageRoot(), path.resolve(scenario.file));
  const file = inPackage.startsWith("..") || path.isAbsolute(inPackage) ? scenario.file : inPackage;
  return `npx sumnet run ${quoteWord(file)}${seed === undefined ? "" : ` --seed ${seed}`} ${peerOptions(report.implementation, options)}`;
}

/** The command that runs a minimal scenario the student saved as `minimal.yaml` (its seed is in the file). */
export function minimalReplayCommand(impl: GradeReport["implementation"], options: ReplayOptions = {}): string {
  return `npx sumnet run minimal.yaml ${peerOptions(impl, options)}`;
}
