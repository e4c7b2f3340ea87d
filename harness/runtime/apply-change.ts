/**
 * An operation on a started network: a change of membership or connectivity (the history's vocabulary,
 * network/history.ts), a link shape, or a reset of live connections. This is the one mapping from operations to the
 * runtime port, used by scenario steps, the nemesis and the dashboard alike, so every fault works the same on every
 * runtime.
 */
import type { NetworkChange } from "../network/history.js";
import type { NetworkOperation } from "../network/operation.js";
import type { StartedNetwork } from "./runtime.js";

export async function applyOperation(network: StartedNetwork, op: NetworkOperation, timing: ChangeTiming = {}): Promise<void> {
  if (op.kind === "shape") {
    for (const l of op.links) await network.shapeLink(l.from, l.to, op.shape);
    return;
  }
  if (op.kind === "reset") {
    for (const l of op.links) await network.resetLink(l.from, l.to);
    return;
  }
  await applyChange(network, op, timing);
}

export interface ChangeTiming {
  /** How long a started node may take to answer GET /health. */
  readonly healthTimeoutMs?: number | undefined;
}

export async function applyChange(network: StartedNetwork, change: NetworkChange, timing: ChangeTiming = {}): Promise<void> {
  const health = timing.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: timing.healthTimeoutMs };
  switch (change.kind) {
    case "cut":
      for (const l of change.links) await network.cutLink(l.from, l.to);
      return;
    case "cut-one-way":
      for (const d of change.directions) await network.cutLinkOneWay(d.from, d.to);
      return;
    case "restore":
      for (const l of change.links) await network.restoreLink(l.from, l.to);
      return;
    case "kill":
      await Promise.all(change.nodes.map((id) => network.killNode(id)));
      return;
    case "stop":
      await Promise.all(change.nodes.map((id) => network.stopNode(id, { timeoutMs: change.timeoutMs })));
      return;
    case "restart": {
      const status = new Map(network.snapshot().nodes.map((n) => [n.id, n.status]));
      await Promise.all(
        change.nodes.map((id) => {
          const now = status.get(id);
          return now === "running" || now === "paused"
            ? network.restartNode(id, { hard: change.hard, timeoutMs: change.timeoutMs, ...health })
            : network.startNode(id, health);
        }),
      );
      return;
    }
    case "pause":
      await Promise.all(change.nodes.map((id) => network.pauseNode(id)));
      return;
    case "resume":
      await Promise.all(change.nodes.map((id) => network.resumeNode(id)));
      return;
    case "join":
      await network.addNode(change.node, change.links, health);
      return;
    case "leave":
      await Promise.all(change.nodes.map((id) => network.removeNode(id, { timeoutMs: change.timeoutMs })));
      return;
  }
}
