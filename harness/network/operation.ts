/** Everything the harness can do to a network's links and nodes, as data: recorded, replayed, drawn by a nemesis. */
import type { NetworkChange } from "./history.js";
import type { LinkShape, LinkSpec } from "./spec.js";

export type NetworkOperation =
  | NetworkChange
  /** Delay, jitter, loss, bandwidth on links (both directions); CLEAN_LINK clears. */
  | { readonly kind: "shape"; readonly links: readonly LinkSpec[]; readonly shape: LinkShape }
  /** Break every live connection over the links now; new connections are allowed. */
  | { readonly kind: "reset"; readonly links: readonly LinkSpec[] };
