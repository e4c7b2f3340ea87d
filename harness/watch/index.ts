/**
 * Watching a network: what `sumnet watch` (terminal table, --web dashboard), `sumnet run --watch` and
 * `sumnet run --html` are made of.
 *
 *   source (which nodes; watch-source, compose-source, run-watch)
 *     -> NetworkPoller (reads each node's /state or /total every interval; node-reading)
 *     -> NetworkWatch.observe (pure: topology, agreement, frames/s per link, layout; network-view, layout)
 *     -> dashboard-server (SSE to static/dashboard.*) | terminal-table
 * The page of a finished run is a report: reporters/results-page.ts.
 */
export { startDashboard, type DashboardOptions, type StartedDashboard } from "./dashboard-server.js";
export { NetworkPoller, type PollerOptions, type ViewListener } from "./network-poller.js";
export { NetworkWatch, type NetworkView, type ViewNode, type ViewEdge, type Agreement, type ViewStatus } from "./network-view.js";
export { readNode, type NodeReading, type LinkReport } from "./node-reading.js";
export { nodeListSource, parseNodeList, networkDescriptionSchema, type NetworkDescription, type WatchSource, type WatchedNode } from "./watch-source.js";
export { composeSource, defaultProjectName } from "./compose-source.js";
export { RunWatch, startRunDashboard, type RunDashboard } from "./run-watch.js";
export { renderTerminalTable, agreementLine } from "./terminal-table.js";
export { runWatchCommand, WATCH_HELP } from "./watch-command.js";
