export { type Reporter, type SuiteSummary, summarize, combineReporters } from "./reporter.js";
export { ConsoleReporter, wantsColor, formatDuration, type ConsoleReporterOptions } from "./console-reporter.js";
export { JsonReporter, resultsDocument } from "./json-reporter.js";
export { JunitReporter, junitXml, xmlEscape } from "./junit-reporter.js";
export { renderResultsPage, renderTimeline, type ResultsPageOptions } from "./results-page.js";
export { passRates, formatPassRate, ranSeveralSeeds, type PassRate } from "./pass-rate.js";
export { HtmlReporter } from "./html-reporter.js";
