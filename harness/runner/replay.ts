/**
 * The replay of a run: what actually happened, as a plain scenario. Every operation on the network and every
 * acknowledged (or indeterminate) injection becomes an ordinary step, in the order they happened, with the time
 * between them as `sleep` steps; a load and a nemesis are unrolled. `sumnet run replay.yaml` plays it again, and
 * shrinking starts from it.
 */
import type { NetworkOperation } from "../network/operation.js";
import { CLEAN_LINK, type LinkSpec } from "../network/spec.js";
import type { ScenarioPlan } from "../scenario/plan.js";

type Step = Record<string, unknown>;

interface Event {
  readonly at: number;
  readonly step: Step;
}

/** Gaps shorter than this are not worth a sleep step. */
const MIN_SLEEP_MS = 20;

const pairs = (links: readonly LinkSpec[]): [string, string][] => links.map((l) => [l.from, l.to]);

/** One operation as scenario steps. */
export function operationSteps(op: NetworkOperation): Step[] {
  switch (op.kind) {
    case "cut":
      return op.links.length > 0 ? [{ partition: { links: pairs(op.links) } }] : [];
    case "cut-one-way":
      return op.directions.map((d) => ({ partition: { from: [d.from], to: [d.to] } }));
    case "restore":
      return op.links.length > 0 ? [{ heal: { links: pairs(op.links) } }] : [];
    case "kill":
      return [{ kill: [...op.nodes] }];
    case "stop":
      return [{ stop: { nodes: [...op.nodes], timeout: op.timeoutMs } }];
    case "restart":
      return [{ restart: { nodes: [...op.nodes], ...(op.hard ? { hard: true } : {}) } }];
    case "pause":
      return [{ pause: [...op.nodes] }];
    case "resume":
      return [{ resume: [...op.nodes] }];
    case "leave":
      return [{ leave: [...op.nodes] }];
    case "join": {
      const n = op.node;
      return [
        {
          join: {
            node: n.id,
            links: op.links.map((l) => (l.from === n.id ? l.to : l.from)),
            ...(n.command ? { command: n.command } : {}),
            ...(n.image ? { image: n.image } : {}),
            ...(Object.keys(n.env).length > 0 ? { environment: { ...n.env } } : {}),
            ...(n.dataDir ? { dataDir: true } : {}),
            ...(n.numbers.length > 0 ? { numbers: [...n.numbers] } : {}),
          },
        },
      ];
    }
    case "shape": {
      if (op.links.length === 0) return [];
      const s = op.shape;
      const clean = s.delayMs === CLEAN_LINK.delayMs && s.jitterMs === 0 && s.loss === 0 && !s.bandwidthBytesPerSec;
      return [
        {
          latency: clean
            ? { links: pairs(op.links), clear: true }
            : {
                links: pairs(op.links),
                delay: s.delayMs,
                jitter: s.jitterMs,
                loss: s.loss,
                ...(s.bandwidthBytesPerSec ? { bandwidth: s.bandwidthBytesPerSec } : {}),
              },
        },
      ];
    }
    case "reset":
      return op.links.length > 0 ? [{ reset: { links: pairs(op.links) } }] : [];
  }
}

const nodesOf = (v: unknown): string[] =>
  typeof v === "string" ? [v] : Array.isArray(v) ? (v as string[]) : nodesOf((v as { nodes?: unknown } | undefined)?.nodes);

/**
 * A POST may be sent to a node while it is paused and answered after it resumes, or be sent just before a node goes
 * down: an injection lands in the replay where the node runs. Injections at a node that is not running at that
 * point wait for it to run again (and are dropped if it never does: the node left).
 */
function playable(events: readonly Event[], initial: readonly string[]): Event[] {
  const running = new Set(initial);
  const waiting = new Map<string, Event[]>();
  const out: Event[] = [];
  for (const e of events) {
    const [kind, body] = Object.entries(e.step)[0] as [string, unknown];
    if (kind === "inject") {
      const node = (body as { at: string }).at;
      if (running.has(node)) out.push(e);
      else waiting.set(node, [...(waiting.get(node) ?? []), e]);
      continue;
    }
    out.push(e);
    if (kind === "kill" || kind === "stop" || kind === "pause" || kind === "leave") for (const id of nodesOf(body)) running.delete(id);
    if (kind === "leave") for (const id of nodesOf(body)) waiting.delete(id);
    if (kind === "restart" || kind === "resume" || kind === "join") {
      const ids = kind === "join" ? [(body as { node: string }).node] : nodesOf(body);
      for (const id of ids) {
        running.add(id);
        for (const w of waiting.get(id) ?? []) out.push({ at: e.at, step: w.step });
        waiting.delete(id);
      }
    }
  }
  return out;
}

export class ReplayRecorder {
  private readonly events: Event[] = [];

  constructor(
    private readonly plan: ScenarioPlan,
    private readonly now: () => number = () => performance.now(),
  ) {}

  operation(op: NetworkOperation, at = this.now()): void {
    for (const step of operationSteps(op)) this.events.push({ at, step });
  }

  injection(node: string, values: readonly string[], at = this.now()): void {
    this.events.push({ at, step: { inject: { at: node, values: [...values] } } });
  }

  expect(nodes: readonly string[] | undefined, timeoutMs: number, at = this.now()): void {
    this.events.push({ at, step: { expect: { ...(nodes ? { nodes: [...nodes] } : {}), timeout: timeoutMs } } });
  }

  /** The run so far as a scenario object (validates against the scenario schema). */
  scenario(): Record<string, unknown> {
    const plan = this.plan;
    const events = playable([...this.events].sort((a, b) => a.at - b.at), plan.network.nodes.map((n) => n.id));
    const steps: Step[] = [];
    let last: number | undefined;
    for (const e of events) {
      if (last !== undefined && e.at - last >= MIN_SLEEP_MS) steps.push({ sleep: Math.round(e.at - last) });
      steps.push(e.step);
      last = e.at;
    }
    if (steps.length === 0) steps.push({ sleep: 0 });
    const nodes: Record<string, Record<string, unknown>> = {};
    for (const n of plan.network.nodes) {
      const settings: Record<string, unknown> = {
        ...(n.command ? { command: n.command } : {}),
        ...(n.image ? { image: n.image } : {}),
        ...(Object.keys(n.env).length > 0 ? { environment: { ...n.env } } : {}),
        ...(n.dataDir ? { dataDir: true } : {}),
        ...(n.numbers.length > 0 ? { numbers: [...n.numbers] } : {}),
      };
      if (Object.keys(settings).length > 0) nodes[n.id] = settings;
    }
    return {
      name: `${plan.name} (replay of seed ${plan.seed})`,
      ...(plan.description ? { description: plan.description } : {}),
      seed: plan.seed,
      topology: { type: "explicit", nodes: plan.network.nodes.map((n) => n.id), links: pairs(plan.network.links) },
      defaults: {
        expectTimeout: plan.timing.expectTimeoutMs,
        healthTimeout: plan.timing.healthTimeoutMs,
        stopTimeout: plan.timing.stopTimeoutMs,
        pollInterval: plan.timing.pollIntervalMs,
      },
      ...(Object.keys(nodes).length > 0 ? { nodes } : {}),
      steps,
    };
  }
}
