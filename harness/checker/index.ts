export { NetworkModel, type ModelNode } from "./model.js";
export type { Expectation, InjectedNumber } from "./expectation.js";
export { accepts, explain, type TotalReport } from "./verdict.js";
