/**
 * sumnet as a library: run scenario files or objects from your own code or test suite.
 *
 *   import { runScenario } from "sumnet";
 *   const result = await runScenario("scenarios/line-basic.yaml", { peerCommand: "python3 peer.py" });
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
export { getTotal, addNumbers, isHealthy, ControlError } from "./control/index.js";
export { renderResultsPage, startDashboard, startRunDashboard, RunWatch, HtmlReporter } from "./watch/index.js";
