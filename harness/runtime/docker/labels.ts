/**
 * Every container and network the docker runtime creates carries these labels, so that a run's leftovers (after a
 * crash, a SIGKILL, a power cut) can be found and removed by `sumnet clean`.
 */
import { randomBytes } from "node:crypto";

/** Id of one `runtime.start()`: all containers and the network of that network share it. */
export const LABEL_RUN = "sumnet.run";
/** The network's human name (scenario name). */
export const LABEL_NETWORK = "sumnet.network";
/** NODE_ID of a peer container. */
export const LABEL_NODE = "sumnet.node";
/** Process id of the harness that created it (to tell a live run from a leftover). */
export const LABEL_PID = "sumnet.pid";

/** Short, sortable by time, unique enough: `<time base36><4 random hex>`. Valid in container names. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
}

export function runLabels(runId: string, networkName: string): Record<string, string> {
  return { [LABEL_RUN]: runId, [LABEL_NETWORK]: networkName, [LABEL_PID]: String(process.pid) };
}
