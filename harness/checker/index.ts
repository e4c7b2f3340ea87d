export { NetworkModel, type Expectation, type ModelNode, type NumberRecord } from "./model.js";
export { accepts, explain, type TotalReport } from "./verdict.js";
export { checkStatedTotals } from "./stated-totals.js";
