/**
 * Ways to make a failing scenario smaller, each a pure function from a scenario object to a smaller one (or to a
 * list of smaller candidates). They work on plain scenario objects and treat a step as opaque wherever they can:
 * a step kind they do not know is kept, dropped with a node that it names, or shortened through the duration
 * fields listed in SHORTENABLE_DURATIONS, so new step kinds need no change here (or one line there).
 * Candidates may be invalid (a restart of a node whose kill was removed): the shrinker skips those without a run.
 */
import { planScenario, type ScenarioPlan } from "../scenario/plan.js";
import { durationMs, type Scenario } from "../scenario/schema.js";

/** A step as a plain object: one action key, and an optional `name`. */
export type StepObject = Record<string, unknown>;

/**
 * Fields (at any depth of a step) holding a duration that may be halved while shrinking: `sleep` steps and the
 * `duration` of a load or a nemesis. Expect timeouts are deliberately absent: a shorter limit changes what fails.
 * NEW STEP KINDS: add a duration field here when halving it keeps the step meaningful.
 */
export const SHORTENABLE_DURATIONS: ReadonlySet<string> = new Set(["sleep", "duration"]);

/** Shortest duration the shrinker halves down to, in ms. */
const MIN_DURATION_MS = 100;

const clone = <T>(value: T): T => structuredClone(value);

/** The action key of a step (`inject`, `expect`, ... or a kind added later). */
export function actionOf(step: StepObject): string {
  return Object.keys(step).find((k) => k !== "name") ?? "";
}

/** Every node of a scenario's network as planned: the initial nodes and those that join later. */
export function nodesOfPlan(plan: ScenarioPlan): string[] {
  const ids = plan.network.nodes.map((n) => n.id);
  for (const s of plan.steps) if (s.action.kind === "join") ids.push(s.action.node.id);
  return ids;
}

/** Size of a scenario as the shrinker reports it. */
export function sizeOf(scenario: Scenario): { steps: number; nodes: number } {
  return { steps: scenario.steps.length, nodes: nodesOfPlan(planScenario(scenario)).length };
}

/** A decimal string as a YAML-friendly integer: a number when it is a safe one. */
function integer(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/**
 * The same run with nothing left to chance, so that steps can be removed independently: the topology becomes
 * explicit nodes and links, every injection names its node and values (random targets and values drawn once, here;
 * otherwise removing step 3 would change the numbers step 9 draws), the seed is fixed, and stated expect totals are
 * dropped (the checker works totals out itself; a stated one only guards an author's arithmetic and would make every
 * removal of an injection invalid).
 */
export function materialize(scenario: Scenario, seed?: number): Scenario {
  const plan = planScenario(scenario, { seed });
  const out = clone(scenario) as Scenario & Record<string, unknown>;
  out.seed = plan.seed;
  out.topology = {
    type: "explicit",
    nodes: plan.network.nodes.map((n) => n.id),
    links: plan.network.links.map((l) => [l.from, l.to] as [string, string]),
  };
  const steps: StepObject[] = [];
  scenario.steps.forEach((raw, index) => {
    const step = raw as StepObject;
    const planned = plan.steps.find((s) => s.index === index);
    const action = planned?.action;
    if (actionOf(step) === "inject" && action?.kind === "inject") {
      for (const inj of action.injections) steps.push({ inject: { at: inj.node, values: inj.values.map(integer) } });
    } else if (actionOf(step) === "expect" && typeof step.expect === "object" && step.expect !== null) {
      const { total: _dropped, ...rest } = step.expect as Record<string, unknown>;
      steps.push({ ...step, expect: rest });
    } else steps.push(clone(step));
  });
  out.steps = steps as Scenario["steps"];
  return out;
}

/** The steps up to and including `lastIndex` (0-based): what follows the failing step never ran. */
export function truncateAfter(scenario: Scenario, lastIndex: number): Scenario | undefined {
  if (lastIndex < 0 || lastIndex >= scenario.steps.length - 1) return undefined;
  return { ...scenario, steps: scenario.steps.slice(0, lastIndex + 1) };
}

/** The same scenario with other steps. */
export function withSteps(scenario: Scenario, steps: readonly StepObject[]): Scenario {
  return { ...scenario, steps: steps as Scenario["steps"] };
}

/** Without any `sleep` step (they make runs slow, and rarely matter), or undefined when there is none. */
export function withoutSleeps(scenario: Scenario): Scenario | undefined {
  const steps = (scenario.steps as StepObject[]).filter((s) => actionOf(s) !== "sleep");
  return steps.length === scenario.steps.length || steps.length === 0 ? undefined : withSteps(scenario, steps);
}

function singleNodeValues(step: StepObject): { at: string; values: unknown[] } | undefined {
  if (actionOf(step) !== "inject") return undefined;
  const s = step.inject as Record<string, unknown>;
  if (typeof s.at !== "string" || s.at === "all" || !Array.isArray(s.values) || s.random !== undefined) return undefined;
  return { at: s.at, values: s.values };
}

/** Consecutive injections of explicit values at one node merged into one step, or undefined when none are. */
export function withMergedInjections(scenario: Scenario): Scenario | undefined {
  const out: StepObject[] = [];
  let merged = false;
  for (const step of scenario.steps as StepObject[]) {
    const here = singleNodeValues(step);
    const prev = out.length > 0 ? singleNodeValues(out[out.length - 1] as StepObject) : undefined;
    if (here && prev && here.at === prev.at) {
      out[out.length - 1] = { inject: { at: here.at, values: [...prev.values, ...here.values] } };
      merged = true;
    } else out.push(step);
  }
  return merged ? withSteps(scenario, out) : undefined;
}

/**
 * Each run of back-to-back injections (nothing else between them) regrouped into one injection per node, in the order
 * the nodes first appear: a replayed load becomes a few steps instead of hundreds. Undefined when no run has two
 * injections at one node. Only the order of POSTs that followed one another without a pause changes.
 */
export function withGroupedInjections(scenario: Scenario): Scenario | undefined {
  const out: StepObject[] = [];
  let changed = false;
  let group = new Map<string, unknown[]>();
  let count = 0;
  const flush = (): void => {
    if (count > group.size) changed = true;
    for (const [at, values] of group) out.push({ inject: { at, values } });
    group = new Map();
    count = 0;
  };
  for (const step of scenario.steps as StepObject[]) {
    const here = singleNodeValues(step);
    if (!here || step.name !== undefined) {
      flush();
      out.push(step);
      continue;
    }
    group.set(here.at, [...(group.get(here.at) ?? []), ...here.values]);
    count++;
  }
  flush();
  return changed ? withSteps(scenario, out) : undefined;
}

/** Whether a value names a node: a string equal to one of `ids`, at any depth. */
function names(value: unknown, ids: ReadonlySet<string>): boolean {
  if (typeof value === "string") return ids.has(value);
  if (Array.isArray(value)) return value.some((v) => names(v, ids));
  if (value !== null && typeof value === "object") return Object.values(value).some((v) => names(v, ids));
  return false;
}

/**
 * Without the given nodes: the (explicit) topology loses them and their links, per-node settings go, and so does
 * every step that names one of them (a join of one, a kill, a partition group, an injection at it). Undefined when
 * no node would remain or the topology is not explicit (materialize first).
 */
export function withoutNodes(scenario: Scenario, ids: ReadonlySet<string>): Scenario | undefined {
  const t = scenario.topology;
  if (t.type !== "explicit" || ids.size === 0) return undefined;
  const nodes = t.nodes.filter((id) => !ids.has(id));
  if (nodes.length === 0) return undefined;
  const links = t.links.filter(([a, b]) => !ids.has(a) && !ids.has(b));
  const settings = scenario.nodes
    ? Object.fromEntries(Object.entries(scenario.nodes).filter(([id]) => !ids.has(id)))
    : undefined;
  const steps = (scenario.steps as StepObject[]).filter((s) => {
    const { name: _label, ...action } = s;
    return !names(action, ids);
  });
  if (steps.length === 0) return undefined;
  const out: Scenario = { ...scenario, topology: { type: "explicit", nodes, links }, steps: steps as Scenario["steps"] };
  if (settings) out.nodes = settings;
  return out;
}

/**
 * Fewer numbers: for each injection of explicit values, its first half and its second half; for each node that
 * contributes NUMBERS, none of them. Most promising first (the biggest injections).
 */
export function withFewerNumbers(scenario: Scenario): Scenario[] {
  const out: Scenario[] = [];
  const steps = scenario.steps as StepObject[];
  const order = steps
    .map((s, i) => ({ i, values: (s.inject as Record<string, unknown> | undefined)?.values }))
    .filter((x): x is { i: number; values: unknown[] } => Array.isArray(x.values) && x.values.length > 1)
    .sort((a, b) => b.values.length - a.values.length);
  for (const { i, values } of order) {
    const half = Math.ceil(values.length / 2);
    for (const part of [values.slice(0, half), values.slice(half)]) {
      const copy = clone(steps);
      (copy[i]!.inject as Record<string, unknown>).values = part;
      out.push(withSteps(scenario, copy));
    }
  }
  for (const [id, settings] of Object.entries(scenario.nodes ?? {})) {
    if (!settings.numbers || settings.numbers.length === 0) continue;
    const { numbers: _dropped, ...rest } = settings;
    out.push({ ...scenario, nodes: { ...scenario.nodes, [id]: rest } });
  }
  return out;
}

/** Halve `value` if it is a duration above the minimum; undefined otherwise. */
function halved(value: unknown): number | undefined {
  if (typeof value !== "number" && typeof value !== "string") return undefined;
  let ms: number;
  try {
    ms = durationMs(value as number | string);
  } catch {
    return undefined;
  }
  return ms > MIN_DURATION_MS ? Math.max(MIN_DURATION_MS, Math.round(ms / 2)) : undefined;
}

/** Halve every shortenable duration inside `value`; whether anything changed. */
function halveDurations(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  let changed = false;
  for (const [k, v] of Object.entries(value)) {
    const h = SHORTENABLE_DURATIONS.has(k) ? halved(v) : undefined;
    if (h !== undefined) {
      (value as Record<string, unknown>)[k] = h;
      changed = true;
    } else if (halveDurations(v)) changed = true;
  }
  return changed;
}

/** For each step with a shortenable duration, the scenario with that step's durations halved. */
export function withShorterDurations(scenario: Scenario): Scenario[] {
  const out: Scenario[] = [];
  scenario.steps.forEach((_, i) => {
    const copy = clone(scenario.steps) as StepObject[];
    if (halveDurations(copy[i])) out.push(withSteps(scenario, copy));
  });
  return out;
}

/**
 * Every expect's timeout cut to `ms` (and the default): only for failures a timeout cannot cause (numbers lost or
 * counted twice, confirmed after the grace period), so a shorter wait fails the same way, faster.
 */
export function withShortExpects(scenario: Scenario, ms: number): Scenario | undefined {
  let changed = false;
  const steps = (clone(scenario.steps) as StepObject[]).map((step) => {
    const expect = (step as { expect?: Record<string, unknown> | null }).expect;
    if (expect === undefined) return step;
    const current = expect?.timeout as number | string | undefined;
    if (current !== undefined && durationMs(current) <= ms) return step;
    changed = true;
    return { ...step, expect: { ...(expect ?? {}), timeout: ms } };
  });
  const defaults = { ...(scenario.defaults ?? {}) };
  if (defaults.expectTimeout === undefined || durationMs(defaults.expectTimeout) > ms) {
    defaults.expectTimeout = ms;
    changed = true;
  }
  return changed ? ({ ...scenario, defaults, steps } as Scenario) : undefined;
}

/**
 * Every load that could target `id` aimed at it alone, so that a failure that needs POSTs to overlap at one node (a
 * race in the peer) happens at a node that failed, and more often: a narrower load, not a different one. Undefined
 * when no load could target it or every such load already targets only it.
 */
export function withLoadAt(scenario: Scenario, id: string): Scenario | undefined {
  let changed = false;
  // A node that joins later is not there for the loads before its join (explore seed 116565 aimed a load at j1 before
  // j1 joined, and the plan of that candidate threw).
  const joinedAt = (scenario.steps as StepObject[]).findIndex(
    (step) => actionOf(step) === "join" && (step.join as { node?: unknown } | undefined)?.node === id,
  );
  const steps = (clone(scenario.steps) as StepObject[]).map((step, index) => {
    if (actionOf(step) !== "load" || index < joinedAt) return step;
    const load = step.load as Record<string, unknown>;
    const at = load.at;
    const could = at === undefined || at === "random" || at === id || (Array.isArray(at) && at.includes(id));
    if (!could || at === id) return step;
    changed = true;
    return { ...step, load: { ...load, at: id } };
  });
  return changed ? withSteps(scenario, steps) : undefined;
}

/**
 * Every load (of at least 200 ms) sends its numbers in half the time: the same POSTs at twice the rate. The run is
 * shorter, and POSTs overlap more, which a race in the peer needs. Undefined when there is no such load.
 */
export function withCompressedLoads(scenario: Scenario): Scenario | undefined {
  let changed = false;
  const steps = (clone(scenario.steps) as StepObject[]).map((step) => {
    if (actionOf(step) !== "load") return step;
    const load = step.load as { rate: number; duration: number | string };
    const ms = durationMs(load.duration);
    if (ms < 2 * MIN_DURATION_MS || load.rate * 2 > MAX_LOAD_RATE) return step;
    changed = true;
    return { ...step, load: { ...load, rate: load.rate * 2, duration: Math.round(ms / 2) } };
  });
  return changed ? withSteps(scenario, steps) : undefined;
}

/** The schema's highest load rate. */
const MAX_LOAD_RATE = 100_000;

/** Groups of step kinds the shrinker tries to remove all at once, each group in one run. */
export const STEP_KIND_GROUPS: readonly (readonly string[])[] = [
  ["latency"],
  ["reset"],
  ["pause", "resume"],
  ["partition", "heal"],
  ["stop", "kill"],
  ["load", "stopLoad"],
  ["nemesis"],
  ["join", "leave"],
  ["expect"],
];

/**
 * The scenario without every step of the given kinds (every latency change, every pause and resume, ...), the last
 * expect kept: one run can remove dozens of steps. Undefined when there is none to remove.
 */
export function withoutKind(scenario: Scenario, kinds: readonly string[]): Scenario | undefined {
  const steps = scenario.steps as StepObject[];
  const lastExpect = steps.map(actionOf).lastIndexOf("expect");
  const kept = steps.filter((step, i) => !kinds.includes(actionOf(step)) || i === lastExpect);
  return kept.length < steps.length && kept.length > 0 ? withSteps(scenario, kept) : undefined;
}
