/**
 * The simulator runtime (`--runtime sim`): every node an in-process instance of the reference peer's core on a
 * virtual clock, every link simulated (sim-network.ts). Thousands of nodes run on one core, a scenario's waits cost
 * no wall time, and a seed replays a run exactly. Only the reference peer can be simulated: a node with its own
 * command or image needs the local or docker runtime.
 */
import type { NetworkSpec } from "../../network/spec.js";
import { SIM_MAX_NODES, type Runtime, type StartedNetwork, type StartNetworkOptions } from "../runtime.js";
import { SimNetwork } from "./sim-network.js";

export class SimRuntime implements Runtime {
  readonly name = "sim";
  readonly maxNodes = SIM_MAX_NODES;

  /**
   * Starts every node at virtual time 0 (healthy at once). Rejects, having started nothing, when the spec is invalid,
   * a node names a command or an image, or a node's environment is not one the reference peer accepts.
   */
  async start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<StartedNetwork> {
    return SimNetwork.start(spec, options);
  }
}
