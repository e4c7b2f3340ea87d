/**
 * What a failure looks like, so that a shrunk candidate can be said to fail "the same way": the same kind of failure
 * (lost vs surplus vs ...) on a node. Shrinking removes nodes, so the node is matched only while it still exists:
 * by kind first, by node when the original node is still in the candidate's network.
 */
import type { FailingNode, ScenarioResult } from "../runner/result.js";

export type FailureKind = FailingNode["kind"];

/**
 * Kinds in the order a shrinker keeps them when a run blames several: the ones that show a peer's bug (numbers
 * counted twice, lost, a wrong sum, a crash) before the ones that may only be a slow or sick machine.
 */
export const KIND_PRIORITY: readonly FailureKind[] = [
  "surplus",
  "lost",
  "wrong-total",
  "crashed",
  "too-slow",
  "unreachable",
  "start-failed",
  "error",
];

export interface FailureSignature {
  /** The kind of failure to keep. */
  readonly kind: FailureKind;
  /** The nodes that failed with that kind in the original run. */
  readonly nodes: readonly string[];
}

/** The signature of a failed result, or undefined when it passed or blames no node (nothing to keep). */
export function failureSignature(result: Pick<ScenarioResult, "status" | "failingNodes">): FailureSignature | undefined {
  if (result.status !== "failed" || result.failingNodes.length === 0) return undefined;
  const kind = KIND_PRIORITY.find((k) => result.failingNodes.some((n) => n.kind === k)) as FailureKind;
  return { kind, nodes: [...new Set(result.failingNodes.filter((n) => n.kind === kind).map((n) => n.node))].sort() };
}

/**
 * Whether a candidate's result fails the same way: it blames a node with the signature's kind, and, when any of the
 * original nodes still exists in the candidate (`candidateNodes`: every node id of its network, joins included),
 * one of those.
 */
export function failsSameWay(
  signature: FailureSignature,
  result: Pick<ScenarioResult, "status" | "failingNodes">,
  candidateNodes: ReadonlySet<string>,
): boolean {
  if (result.status !== "failed") return false;
  const blamed = result.failingNodes.filter((n) => n.kind === signature.kind).map((n) => n.node);
  if (blamed.length === 0) return false;
  const surviving = signature.nodes.filter((id) => candidateNodes.has(id));
  if (surviving.length === 0) return true;
  return blamed.some((id) => surviving.includes(id));
}

/** "lost at n3, n5" */
export function describeSignature(s: FailureSignature): string {
  return `${s.kind} at ${s.nodes.join(", ")}`;
}
