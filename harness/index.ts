/**
 * sumnet as a library: run scenario files or objects from your own code or test suite.
 *
 *   import { runScenario } from "sumnet";
 *   const result = await runScenario("scenarios/line-basic.yaml", { peerCommand: "python3 peer.py" });
 *   // on containers: { runtime: await createRuntime({ runtime: "docker", image: "my-peer" }) }
 *   expect(result.status).toBe("passed");
 */
export * from "./runner/index.js";
export * from "./scenario/index.js";
export * from "./reporters/index.js";
export * from "./checker/index.js";
export * as topology from "./topology/index.js";
export { LinkRelay } from "./faults/index.js";
export { LocalRuntime, referencePeerCommand, type LocalRuntimeOptions } from "./runtime/local/index.js";
export * from "./runtime/runtime.js";
export { getTotal, addNumbers, isHealthy, ControlError } from "../contract/peer-client.js";
export { startDashboard, startRunDashboard, RunWatch } from "./watch/index.js";
export * from "./network/index.js";
export { createRuntime, RUNTIME_NAMES, RuntimeChoiceError, type RuntimeChoice, type RuntimeName } from "./runtime/select.js";
export { applyChange } from "./runtime/apply-change.js";
export * from "./campaign/index.js";
