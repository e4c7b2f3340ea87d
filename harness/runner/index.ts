export { runScenario, runPlan, scenarioSlug, type RunOptions, type ScenarioInput } from "./run-scenario.js";
export { runSuite, planFiles, type SuiteOptions, type PlannedFile } from "./run-suite.js";
export type {
  ScenarioResult,
  StepResult,
  StepStatus,
  NodeCheck,
  ConvergencePoint,
  ExpectProgress,
  RunObserver,
} from "./result.js";
export { LiveControl, liveActionSchema, describeAction, type LiveAction, type LiveOutcome } from "./live.js";
