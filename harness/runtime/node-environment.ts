/**
 * The environment a node starts with: the reference peer's tuning, the scenario's variables, then the contract's own
 * (which win). One function, so that a started network and a compose file written ahead of time (harness/compose/)
 * give a node exactly the same environment.
 */
import type { NodeSpec } from "../network/spec.js";
import type { ContractPlacement } from "./host.js";
import { referencePeerTuning } from "./peer-tuning.js";

export interface NodeEnvironmentInput {
  readonly spec: NodeSpec;
  readonly placement: ContractPlacement;
  /** PEERS entries: how the node names the relay of each link it dials. */
  readonly peers: readonly string[];
  /** True when the node runs the reference peer (it then gets the reference peer's tuning). */
  readonly referencePeer: boolean;
  /** Nodes in the network (the tuning depends on it). */
  readonly networkSize: number;
}

export function nodeEnvironment(input: NodeEnvironmentInput): Record<string, string> {
  const { spec, placement: p } = input;
  const env: Record<string, string> = {
    ...(input.referencePeer ? referencePeerTuning(input.networkSize) : {}),
    ...spec.env,
    NODE_ID: spec.id,
    P2P_HOST: p.p2pHost,
    P2P_PORT: String(p.p2pPort),
    HTTP_PORT: String(p.httpPort),
    PEERS: input.peers.join(","),
  };
  if (spec.numbers.length > 0) env.NUMBERS = spec.numbers.join(",");
  if (p.dataDir !== undefined) env.DATA_DIR = p.dataDir;
  return env;
}
