/**
 * `--mix reference`: about half the nodes of each scenario run sumnet's reference peer instead of the implementation
 * under grading, so every scenario also checks that the implementation speaks the wire protocol (PROTOCOL.md).
 *
 * Nodes alternate in topology order (n1 implementation, n2 reference, n3 implementation, ...): in a line or ring
 * every link then joins the two kinds, and the first node (a star's hub, a tree's root) is the implementation's.
 * Joins alternate the same way. Nodes the scenario already pins to a command/image keep it.
 */
import { buildTopology, type Scenario } from "../scenario/index.js";

/** How the reference peer is started on the chosen runtime: a command (local) or an image (docker). */
export type ReferencePeer = { readonly command: string } | { readonly image: string };

export interface MixedScenario {
  readonly scenario: Scenario;
  /** Node ids that run the reference peer (initial nodes and joins). */
  readonly referenceNodes: readonly string[];
}

export function mixWithReference(scenario: Scenario, reference: ReferencePeer, seed?: number): MixedScenario {
  const pin = "command" in reference ? { command: reference.command } : { image: reference.image };
  const pinned = (settings: { command?: string | undefined; image?: string | undefined } | undefined): boolean =>
    settings?.command !== undefined || settings?.image !== undefined;

  const referenceNodes: string[] = [];
  const nodes = { ...(scenario.nodes ?? {}) };
  const ids = buildTopology(scenario.topology, seed ?? scenario.seed ?? 1).nodes;
  ids.forEach((id, index) => {
    if (index % 2 === 1 && !pinned(nodes[id])) {
      nodes[id] = { ...nodes[id], ...pin };
      referenceNodes.push(id);
    }
  });

  let joins = 0;
  const steps = scenario.steps.map((step) => {
    if (!("join" in step)) return step;
    const join = step.join;
    const index = ids.length + joins++;
    if (index % 2 === 1 && !pinned(join)) {
      referenceNodes.push(join.node);
      return { ...step, join: { ...join, ...pin } };
    }
    return step;
  });

  return { scenario: { ...scenario, nodes, steps }, referenceNodes };
}
