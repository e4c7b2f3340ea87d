/** Everything the harness can do to a network's links and nodes, as data: recorded, replayed, drawn by a nemesis. */
import type { NetworkChange } from "./history.js";
import type { LinkShape, LinkSpec } from "./spec.js";

export type NetworkOperation =
  | NetworkChange
  /** Delay, jitter, loss, bandwidth on links (both directions); CLEAN_LINK clears. */
  | { readonly kind: "shape"; readonly links: readonly LinkSpec[]; readonly shape: LinkShape }
  /** Break every live connection over the links now; new connections are allowed. */
  | { readonly kind: "reset"; readonly links: readonly LinkSpec[] };

/** A few words for an operation, for marks on diagrams: `kill n3`, `cut n1-n2, n2-n3`, `cut-one-way n1->n2`. */
export function operationLabel(op: NetworkOperation): string {
  switch (op.kind) {
    case "join":
      return `join ${op.node.id}`;
    case "cut-one-way":
      return `cut-one-way ${op.directions.map((d) => `${d.from}->${d.to}`).join(", ")}`;
    case "cut":
    case "restore":
    case "shape":
    case "reset":
      return `${op.kind} ${op.links.map((l) => `${l.from}-${l.to}`).join(", ")}`;
    case "restart":
      return `${op.hard ? "hard restart" : "restart"} ${op.nodes.join(", ")}`;
    default:
      return `${op.kind} ${op.nodes.join(", ")}`;
  }
}
