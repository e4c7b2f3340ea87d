export * from "./schema.js";
export { formatPath, type Problem, type PathSegment } from "./issues.js";
export {
  ScenarioError,
  formatProblem,
  parseScenarioText,
  validateScenario,
  loadScenarioFile,
  findScenarioFiles,
  type LoadedScenario,
  type LocatedProblem,
} from "./load.js";
export {
  planScenario,
  checkScenario,
  buildTopology,
  canonicalInteger,
  PlanError,
  type ScenarioPlan,
  type PlannedStep,
  type PlannedAction,
  type PlannedInjection,
} from "./plan.js";
export { checkStatedTotals } from "./stated-totals.js";
export { scenarioYaml } from "./write.js";
