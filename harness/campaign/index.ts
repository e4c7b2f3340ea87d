/**
 * Campaigns: many seeds of a suite, a minimal counterexample of a failure, and random exploration. Above the runner,
 * below the CLI.
 */
export { runSuiteWithSeeds, seedsFor, parseSeedRange, replayOf, MAX_RUNS, type SeedChoice, type CampaignSuiteOptions } from "./runs.js";
export { failureSignature, failsSameWay, describeSignature, KIND_PRIORITY, type FailureSignature, type FailureKind } from "./failure-signature.js";
export { ddmin, type StillFails } from "./ddmin.js";
export {
  materialize,
  withoutNodes,
  withoutSleeps,
  withMergedInjections,
  withFewerNumbers,
  withShorterDurations,
  truncateAfter,
  SHORTENABLE_DURATIONS,
} from "./reductions.js";
export {
  shrinkFailure,
  startingScenario,
  NotShrinkable,
  DEFAULT_SHRINK_BUDGET_MS,
  DEFAULT_SHRINK_ATTEMPTS,
  DEFAULT_SHRINK_LATE_GRACE_MS,
  type ShrinkOptions,
  type ShrinkOutcome,
  type FailedRun,
} from "./shrink.js";
export { writeMinimal, shrinkToMinimalFile, minimalYaml, replayCommand, shrinkSummary, MINIMAL_FILE, type ReplayTarget } from "./minimal-file.js";
export { generateScenario, OPERATIONS, MIN_NODES, MAX_NODES, type GenerateOptions } from "./generate.js";
export { explore, DEFAULT_EXPLORE_BUDGET_MS, type ExploreOptions, type ExploreOutcome, type ExploreFinding } from "./explore.js";
