/**
 * The minimal counterexample as a file a person can read and replay: `minimal.yaml` with a comment header saying what
 * it reproduces and how far it shrank, and the exact command that replays it.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { formatDuration } from "../reporters/console-reporter.js";
import { quoteWord } from "../runtime/local/command-line.js";
import type { RuntimeName } from "../runtime/select.js";
import type { Scenario } from "../scenario/schema.js";
import { describeSignature, type FailureSignature } from "./failure-signature.js";
import { DEFAULT_SHRINK_BUDGET_MS, shrinkFailure, type FailedRun, type ShrinkOptions, type ShrinkOutcome } from "./shrink.js";

/** What the replay runs on: the options of `sumnet run` that choose the peer. */
export interface ReplayTarget {
  readonly runtime?: RuntimeName | undefined;
  readonly peerCommand?: string | undefined;
  readonly image?: string | undefined;
}

export const MINIMAL_FILE = "minimal.yaml";

/** `sumnet run <file> --peer-command '...'`: the command that replays a scenario file on the same peer. */
export function replayCommand(file: string, target: ReplayTarget): string {
  const words = ["sumnet", "run", file];
  if (target.runtime && target.runtime !== "local") words.push("--runtime", target.runtime);
  if (target.peerCommand) words.push("--peer-command", target.peerCommand);
  if (target.image) words.push("--image", target.image);
  return words.map(quoteWord).join(" ");
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "shrunk 212 steps and 25 nodes to 6 steps and 3 nodes in 41 runs, 3 min 2 s" */
export function shrinkSummary(o: Pick<ShrinkOutcome, "from" | "to" | "runs" | "durationMs">): string {
  return `shrunk ${plural(o.from.steps, "step")} and ${plural(o.from.nodes, "node")} to ${plural(o.to.steps, "step")} and ${plural(o.to.nodes, "node")} in ${plural(o.runs, "run")}, ${formatDuration(o.durationMs)}`;
}

/** The kind kept from the original failure, on the nodes the minimal run blamed (the original's may be gone). */
function shownSignature(outcome: ShrinkOutcome): FailureSignature {
  const kind = outcome.signature.kind;
  const blamed = (outcome.result?.failingNodes ?? []).filter((n) => n.kind === kind).map((n) => n.node);
  return blamed.length > 0 ? { kind, nodes: [...new Set(blamed)].sort() } : outcome.signature;
}

/** The minimal scenario as YAML, named `<original>-minimal`, with a header of comments. */
export function minimalYaml(outcome: ShrinkOutcome, originalName: string, command: string): string {
  const scenario: Scenario = {
    ...outcome.scenario,
    name: `${originalName}-minimal`,
    description: `Minimal counterexample shrunk from ${originalName} (seed ${outcome.scenario.seed ?? 1})`,
  };
  const header = [
    `Minimal counterexample of ${originalName}: ${describeSignature(shownSignature(outcome))}.`,
    ...(outcome.result?.failure ? [`It failed with: ${outcome.result.failure.split("\n").slice(0, 3).join(" / ")}`] : []),
    outcome.reproduced
      ? `${shrinkSummary(outcome)} (stopped: ${outcome.stoppedBy === "fixpoint" ? "nothing more could be removed" : outcome.stoppedBy}).`
      : `The failure did not show again in ${plural(outcome.runs, "run")}: this is the run as it was, not shrunk.`,
    `Replay: ${command}`,
  ];
  return `${header.map((l) => `# ${l}`).join("\n")}\n${stringify(scenario, { lineWidth: 0 })}`;
}

/** Write `minimal.yaml` into `dir`; returns its path and the command that replays it. */
export async function writeMinimal(
  dir: string,
  outcome: ShrinkOutcome,
  originalName: string,
  target: ReplayTarget,
): Promise<{ file: string; command: string }> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, MINIMAL_FILE);
  const command = replayCommand(file, target);
  await writeFile(file, minimalYaml(outcome, originalName, command));
  return { file, command };
}

/**
 * Shrink a failed run and write `minimal.yaml` into `dir`, telling `log` how it goes: one line per kept reduction,
 * then the summary ("shrunk 12 steps and 8 nodes to 4 steps and 2 nodes in 23 runs, 1 min 10 s") and the command
 * that replays the file.
 */
export async function shrinkToMinimalFile(
  run: FailedRun,
  dir: string,
  options: ShrinkOptions & { readonly target: ReplayTarget; readonly log: (line: string) => void },
): Promise<{ outcome: ShrinkOutcome; file: string; command: string }> {
  const { target, log } = options;
  log(`shrinking ${run.result.name} (seed ${run.result.seed}) within ${formatDuration(options.budgetMs ?? DEFAULT_SHRINK_BUDGET_MS)}...`);
  const outcome = await shrinkFailure(run, options);
  const { file, command } = await writeMinimal(dir, outcome, run.result.name, target);
  log(outcome.reproduced ? shrinkSummary(outcome) : `the failure did not show again in ${plural(outcome.runs, "run")}; ${file} is the run as it was`);
  log(`minimal scenario: ${file}`);
  log(`replay: ${command}`);
  return { outcome, file, command };
}
