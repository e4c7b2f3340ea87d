export { NetworkModel, type Expectation, type ModelNode, type InjectedNumber } from "./model.js";
export { accepts, explain, type TotalReport } from "./verdict.js";
