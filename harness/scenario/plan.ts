/**
 * Turn a validated scenario into a plan: the initial network spec and every step with all choices made (random
 * targets and values drawn from the seed, "all" resolved to concrete nodes and links). Walking the steps once also
 * checks references: nodes that do not exist, are not running, or left; links that do not exist; joins of used ids.
 * Because steps are deterministic, which nodes run at each step is known statically.
 */
import { deriveSeed, seededRandom } from "../base/seeded-random.js";
import type { NemesisFault } from "../faults/nemesis.js";
import { isNetworkChange, NetworkHistory, type NetworkChange } from "../network/history.js";
import { full, grid, line, random, ring, star, tree, type Topology } from "../topology/generators.js";
import { CLEAN_LINK, linkKey, NODE_ID_PATTERN, type LinkShape, type LinkSpec, type NetworkSpec, type NodeSpec } from "../network/spec.js";
import type { PathSegment, Problem } from "./issues.js";
import {
  bandwidthBytesPerSec,
  durationMs,
  NEMESIS_FAULTS,
  stepKind,
  type IntegerValue,
  type NodeSettings,
  type Scenario,
  type ScenarioStep,
  type StepKind,
  type TopologySpec,
} from "./schema.js";

export interface PlannedInjection {
  readonly node: string;
  /** Canonical decimal strings. */
  readonly values: readonly string[];
}

/** What a step does: a change to the network's membership or connectivity (the history's vocabulary), or one of these. */
export type PlannedAction =
  | NetworkChange
  | { readonly kind: "inject"; readonly injections: readonly PlannedInjection[] }
  | {
      readonly kind: "expect";
      readonly nodes: readonly string[];
      readonly timeoutMs: number;
      readonly total?: string | undefined;
    }
  | { readonly kind: "shape"; readonly links: readonly LinkSpec[]; readonly shape: LinkShape }
  | { readonly kind: "reset"; readonly links: readonly LinkSpec[] }
  | PlannedLoad
  | { readonly kind: "stop-load" }
  | PlannedNemesis
  | { readonly kind: "sleep"; readonly ms: number };

/** A background load: POSTs at a rate for a while, concurrently with the steps after it. */
export interface PlannedLoad {
  readonly kind: "load";
  /** Numbers per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** "random": any running or paused node per POST; else pick among these. */
  readonly targets: "random" | readonly string[];
  readonly concurrency: number;
  readonly batch: number;
  readonly values: LoadValues;
  readonly seed: number;
}

/** A seeded schedule of faults for a while, then everything healed, resumed and restarted. */
export interface PlannedNemesis {
  readonly kind: "nemesis";
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly faults: readonly NemesisFault[];
  readonly seed: number;
}

export type LoadValues = "small" | "negative" | "huge" | "mixed" | { readonly min: string; readonly max: string };


export interface PlannedStep {
  /** 0-based position in `steps`. */
  readonly index: number;
  readonly kind: StepKind;
  /** Short human description, e.g. `kill n3`, `inject 100 numbers at 5 nodes`. */
  readonly label: string;
  readonly action: PlannedAction;
}

export interface ScenarioPlan {
  readonly name: string;
  readonly description?: string | undefined;
  readonly seed: number;
  readonly weight: number;
  readonly network: NetworkSpec;
  readonly steps: readonly PlannedStep[];
  readonly timing: {
    readonly expectTimeoutMs: number;
    readonly healthTimeoutMs: number;
    readonly stopTimeoutMs: number;
    readonly pollIntervalMs: number;
  };
}

export class PlanError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("\n"));
    this.name = "PlanError";
  }
}

export function canonicalInteger(v: IntegerValue): string {
  return BigInt(v).toString();
}

export function buildTopology(t: TopologySpec, seed: number): Topology {
  switch (t.type) {
    case "line":
      return line(t.nodes, t.prefix);
    case "ring":
      return ring(t.nodes, t.prefix);
    case "star":
      return star(t.nodes, t.prefix);
    case "full":
      return full(t.nodes, t.prefix);
    case "tree":
      return tree(t.nodes, t.branching, t.prefix);
    case "grid":
      return grid(t.width, t.height, t.prefix);
    case "random":
      return random(t.nodes, t.degree, t.seed ?? deriveSeed(seed, "topology"), t.prefix);
    case "explicit":
      return { nodes: t.nodes, links: t.links.map(([from, to]) => ({ from, to })) };
  }
}

const asList = (v: string | readonly string[]): string[] => (typeof v === "string" ? [v] : [...v]);

function nodeSpec(id: string, scenario: Scenario, own: NodeSettings | undefined): NodeSpec {
  const d = scenario.defaults ?? {};
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...d.environment, ...own?.environment })) env[k] = String(v);
  return {
    id,
    command: own?.command ?? d.command,
    image: own?.image ?? d.image,
    env,
    dataDir: own?.dataDir ?? d.dataDir ?? false,
    numbers: (own?.numbers ?? []).map(canonicalInteger),
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const nodesLabel = (nodes: readonly string[]): string =>
  nodes.length <= 4 ? nodes.join(", ") : `${nodes.slice(0, 3).join(", ")} and ${nodes.length - 3} more`;
const linksLabel = (links: readonly LinkSpec[]): string =>
  links.length <= 3 ? links.map((l) => `${l.from}-${l.to}`).join(", ") : plural(links.length, "link");

/** Build the plan, or throw PlanError listing every problem with its path. `seed` overrides the scenario's. */
export function planScenario(scenario: Scenario, options: { seed?: number | undefined } = {}): ScenarioPlan {
  const problems: Problem[] = [];
  const problem = (path: PathSegment[], message: string): void => void problems.push({ path, message });
  const seed = options.seed ?? scenario.seed ?? 1;
  const d = scenario.defaults ?? {};
  const timing = {
    expectTimeoutMs: d.expectTimeout !== undefined ? durationMs(d.expectTimeout) : 10_000,
    healthTimeoutMs: d.healthTimeout !== undefined ? durationMs(d.healthTimeout) : 15_000,
    stopTimeoutMs: d.stopTimeout !== undefined ? durationMs(d.stopTimeout) : 5_000,
    pollIntervalMs: d.pollInterval !== undefined ? Math.max(10, durationMs(d.pollInterval)) : 50,
  };

  const topology = buildTopology(scenario.topology, seed);
  // Explicit topologies can be wrong; generated ones cannot.
  const declared = new Set<string>();
  topology.nodes.forEach((id, i) => {
    if (declared.has(id)) problem(["topology", "nodes", i], `node "${id}" is listed twice`);
    declared.add(id);
  });
  const links = new Map<string, LinkSpec>();
  topology.links.forEach((l, i) => {
    const at: PathSegment[] = ["topology", "links", i];
    if (!declared.has(l.from)) problem([...at, 0], `unknown node "${l.from}" (not in topology.nodes)`);
    if (!declared.has(l.to)) problem([...at, 1], `unknown node "${l.to}" (not in topology.nodes)`);
    if (l.from === l.to) problem(at, `a node cannot link to itself`);
    else if (links.has(linkKey(l.from, l.to))) problem(at, `more than one link between ${l.from} and ${l.to}`);
    links.set(linkKey(l.from, l.to), l);
  });
  for (const id of Object.keys(scenario.nodes ?? {})) {
    if (!NODE_ID_PATTERN.test(id)) problem(["nodes", id], `expected a node id (letters, digits, '.', '_', '-')`);
    else if (!declared.has(id)) problem(["nodes", id], `unknown node "${id}" (not in the topology)`);
  }

  const network: NetworkSpec = {
    name: scenario.name,
    nodes: topology.nodes.map((id) => nodeSpec(id, scenario, scenario.nodes?.[id])),
    links: [...links.values()],
  };

  // The network as the steps change it, so each step is checked against the network at that point.
  const history = new NetworkHistory(network.nodes, network.links);
  const running = (): string[] => history.running();

  const requireNode = (p: PathSegment[], id: string, need: "running" | "live" | "paused" | "present"): boolean => {
    const state = history.life(id);
    if (state === undefined) {
      problem(p, `unknown node "${id}"`);
      return false;
    }
    if (state === "removed") {
      problem(p, `node "${id}" has left the network by this step`);
      return false;
    }
    if (need === "running" && state !== "running") {
      problem(p, `node "${id}" is not running at this step (it was ${state === "paused" ? "paused" : "stopped or killed"} earlier)`);
      return false;
    }
    if (need === "live" && state !== "running" && state !== "paused") {
      problem(p, `node "${id}" is not running at this step (it was stopped or killed earlier)`);
      return false;
    }
    if (need === "paused" && state !== "paused") {
      problem(p, `node "${id}" is not paused at this step`);
      return false;
    }
    return true;
  };
  const requireLink = (p: PathSegment[], a: string, b: string): LinkSpec | undefined => {
    const l = history.link(a, b);
    if (!l) problem(p, `no link between "${a}" and "${b}" at this step`);
    return l;
  };
  const resolveLinks = (p: PathSegment[], spec: "all" | readonly (readonly [string, string])[] | undefined): LinkSpec[] => {
    if (spec === undefined || spec === "all") return history.links();
    const out: LinkSpec[] = [];
    spec.forEach(([a, b], i) => {
      const l = requireLink([...p, i], a, b);
      if (l) out.push(l);
    });
    return out;
  };

  const steps: PlannedStep[] = [];
  scenario.steps.forEach((raw: ScenarioStep, index) => {
    const kind = stepKind(raw);
    const at: PathSegment[] = ["steps", index, kind];
    const named = (label: string, action: PlannedAction): void => {
      steps.push({ index, kind, label: raw.name ?? label, action });
      if (!isNetworkChange(action)) return;
      try {
        history.apply(action);
      } catch {
        // Only a step with a reference problem gets here, and that problem is already reported.
      }
    };
    const rng = seededRandom(deriveSeed(seed, `step${index}`));
    switch (kind) {
      case "inject": {
        const s = (raw as Extract<ScenarioStep, { inject: unknown }>).inject;
        let targets: string[];
        const target = s.at ?? "all";
        if (target === "all") targets = running();
        else if (typeof target === "string" || Array.isArray(target)) {
          targets = asList(target as string | string[]);
          targets.forEach((id, i) => requireNode(typeof target === "string" ? [...at, "at"] : [...at, "at", i], id, "running"));
        } else {
          const live = running();
          const pick = target as { random: number; seed?: number | undefined };
          if (pick.random > live.length) {
            problem([...at, "at", "random"], `expected at most ${live.length} (running nodes at this step), got ${pick.random}`);
          }
          const r = pick.seed !== undefined ? seededRandom(pick.seed) : rng.fork("targets");
          targets = r.shuffle(live).slice(0, pick.random);
        }
        let values: string[];
        if (s.values) values = s.values.map(canonicalInteger);
        else {
          const rv = s.random as NonNullable<typeof s.random>;
          const min = BigInt(rv.min);
          const max = BigInt(rv.max);
          if (min > max) {
            problem([...at, "random"], `expected min <= max, got min ${min} and max ${max}`);
            values = [];
          } else {
            const r = rv.seed !== undefined ? seededRandom(rv.seed) : rng.fork("values");
            values = Array.from({ length: rv.count }, () => r.bigint(min, max).toString());
          }
        }
        const injections: PlannedInjection[] = s.distribute
          ? targets
              .map((node, i) => ({ node, values: values.filter((_, j) => j % targets.length === i) }))
              .filter((inj) => inj.values.length > 0)
          : targets.map((node) => ({ node, values }));
        const count = injections.reduce((n, inj) => n + inj.values.length, 0);
        named(`inject ${plural(count, "number")} at ${targets.length === 1 ? targets[0] : plural(targets.length, "node")}`, {
          kind: "inject",
          injections,
        });
        break;
      }
      case "expect": {
        const s = (raw as Extract<ScenarioStep, { expect: unknown }>).expect;
        let nodes: string[];
        if (s.nodes === undefined) nodes = running();
        else {
          nodes = asList(s.nodes);
          nodes.forEach((id, i) => requireNode(typeof s.nodes === "string" ? [...at, "nodes"] : [...at, "nodes", i], id, "running"));
        }
        const timeoutMs = s.timeout !== undefined ? durationMs(s.timeout) : timing.expectTimeoutMs;
        const total = s.total !== undefined ? canonicalInteger(s.total) : undefined;
        named(
          `expect ${s.nodes === undefined ? "every node" : nodesLabel(nodes)} to agree${total !== undefined ? ` on ${total}` : ""}`,
          { kind: "expect", nodes, timeoutMs, total },
        );
        break;
      }
      case "partition": {
        const s = (raw as Extract<ScenarioStep, { partition: unknown }>).partition;
        if (s.from !== undefined && s.to !== undefined) {
          const from = new Set(s.from);
          const to = new Set(s.to);
          s.from.forEach((id, i) => requireNode([...at, "from", i], id, "present"));
          s.to.forEach((id, i) => requireNode([...at, "to", i], id, "present"));
          const directions = history
            .links()
            .flatMap((l) => [
              ...(from.has(l.from) && to.has(l.to) ? [{ from: l.from, to: l.to }] : []),
              ...(from.has(l.to) && to.has(l.from) ? [{ from: l.to, to: l.from }] : []),
            ])
            .filter((d) => !history.isBlocked(d.from, d.to));
          named(`one-way partition: ${nodesLabel(s.from)} cannot send to ${nodesLabel(s.to)} (${plural(directions.length, "link")})`, {
            kind: "cut-one-way",
            directions,
          });
          break;
        }
        let toCut: LinkSpec[];
        if (s.groups) {
          const groupOf = new Map<string, number>();
          s.groups.forEach((g, gi) =>
            g.forEach((id, i) => {
              if (!requireNode([...at, "groups", gi, i], id, "present")) return;
              if (groupOf.has(id)) problem([...at, "groups", gi, i], `node "${id}" is in more than one group`);
              groupOf.set(id, gi);
            }),
          );
          const rest = s.groups.length;
          const group = (id: string): number => groupOf.get(id) ?? rest;
          toCut = history.links().filter((l) => group(l.from) !== group(l.to));
        } else {
          toCut = resolveLinks([...at, "links"], s.links);
        }
        toCut = toCut.filter((l) => !history.isCut(l.from, l.to));
        named(s.groups ? `partition into ${s.groups.map((g) => `[${nodesLabel(g)}]`).join(" ")}` : `cut ${linksLabel(toCut)}`, {
          kind: "cut",
          links: toCut,
        });
        break;
      }
      case "heal": {
        const s = (raw as Extract<ScenarioStep, { heal: unknown }>).heal;
        const only = s !== null && s !== true && s.links ? resolveLinks([...at, "links"], s.links) : undefined;
        const toRestore = only ? only.filter((l) => history.isCut(l.from, l.to)) : history.cutLinks();
        named(only ? `heal ${linksLabel(toRestore)}` : `heal all (${plural(toRestore.length, "link")})`, {
          kind: "restore",
          links: toRestore,
        });
        break;
      }
      case "kill":
      case "stop":
      case "restart":
      case "leave":
      case "pause":
      case "resume": {
        const s = (raw as Record<string, unknown>)[kind] as
          | string
          | string[]
          | { nodes: string | string[]; timeout?: number | string; hard?: boolean };
        const obj = typeof s === "object" && !Array.isArray(s) ? s : undefined;
        const nodes = asList(obj ? obj.nodes : (s as string | string[]));
        const base = obj ? [...at, "nodes"] : at;
        const single = typeof (obj ? obj.nodes : s) === "string";
        const ok = nodes.filter((id, i) =>
          requireNode(
            single ? base : [...base, i],
            id,
            kind === "kill" || kind === "stop" ? "live" : kind === "pause" ? "running" : kind === "resume" ? "paused" : "present",
          ),
        );
        const timeoutMs = obj?.timeout !== undefined ? durationMs(obj.timeout) : timing.stopTimeoutMs;
        if (kind === "kill") {
          named(`kill ${nodesLabel(nodes)}`, { kind, nodes: ok });
        } else if (kind === "stop") {
          named(`stop ${nodesLabel(nodes)}`, { kind, nodes: ok, timeoutMs });
        } else if (kind === "restart") {
          const hard = obj?.hard ?? false;
          named(`restart ${nodesLabel(nodes)}${hard ? " (hard)" : ""}`, { kind, nodes: ok, hard, timeoutMs });
        } else if (kind === "pause" || kind === "resume") {
          named(`${kind} ${nodesLabel(nodes)}`, { kind, nodes: ok });
        } else {
          named(`${nodesLabel(nodes)} leave${nodes.length === 1 ? "s" : ""}`, { kind, nodes: ok, timeoutMs });
        }
        break;
      }
      case "join": {
        const s = (raw as Extract<ScenarioStep, { join: unknown }>).join;
        if (history.life(s.node) !== undefined) problem([...at, "node"], `node "${s.node}" already exists (ids cannot be reused)`);
        const newLinks: LinkSpec[] = [];
        s.links.forEach((id, i) => {
          if (requireNode([...at, "links", i], id, "present")) newLinks.push({ from: s.node, to: id });
        });
        const dup = new Set(s.links);
        if (dup.size !== s.links.length) problem([...at, "links"], `a node is listed more than once`);
        named(`${s.node} joins via ${s.links.length ? nodesLabel(s.links) : "no links"}`, {
          kind: "join",
          node: nodeSpec(s.node, scenario, s),
          links: newLinks,
        });
        break;
      }
      case "latency": {
        const s = (raw as Extract<ScenarioStep, { latency: unknown }>).latency;
        const target = resolveLinks([...at, "links"], s.links);
        const shape: LinkShape = s.clear
          ? CLEAN_LINK
          : {
              delayMs: s.delay !== undefined ? durationMs(s.delay) : 0,
              jitterMs: s.jitter !== undefined ? durationMs(s.jitter) : 0,
              loss: s.loss ?? 0,
              ...(s.bandwidth !== undefined ? { bandwidthBytesPerSec: bandwidthBytesPerSec(s.bandwidth) } : {}),
            };
        const which = s.links === undefined || s.links === "all" ? "all links" : linksLabel(target);
        named(
          s.clear
            ? `clear latency on ${which}`
            : `latency ${shape.delayMs}ms ±${shape.jitterMs}ms loss ${Math.round(shape.loss * 100)}%${shape.bandwidthBytesPerSec ? ` ${shape.bandwidthBytesPerSec} B/s` : ""} on ${which}`,
          { kind: "shape", links: target, shape },
        );
        break;
      }
      case "reset": {
        const s = (raw as Extract<ScenarioStep, { reset: unknown }>).reset;
        const target = resolveLinks([...at, "links"], s.links);
        named(`reset connections on ${s.links === undefined || s.links === "all" ? "all links" : linksLabel(target)}`, {
          kind: "reset",
          links: target,
        });
        break;
      }
      case "load": {
        const s = (raw as Extract<ScenarioStep, { load: unknown }>).load;
        let targets: "random" | string[] = "random";
        if (s.at !== undefined && s.at !== "random") {
          targets = asList(s.at);
          targets.forEach((id, i) => requireNode(typeof s.at === "string" ? [...at, "at"] : [...at, "at", i], id, "present"));
        }
        let values: LoadValues = "mixed";
        if (typeof s.values === "string") values = s.values;
        else if (s.values !== undefined) {
          const min = canonicalInteger(s.values.min);
          const max = canonicalInteger(s.values.max);
          if (BigInt(min) > BigInt(max)) problem([...at, "values"], `expected min <= max, got min ${min} and max ${max}`);
          values = { min, max };
        }
        const load: PlannedLoad = {
          kind: "load",
          rate: s.rate,
          durationMs: durationMs(s.duration),
          targets,
          concurrency: s.concurrency ?? 4,
          batch: s.batch ?? 1,
          values,
          seed: s.seed ?? deriveSeed(seed, `load${index}`),
        };
        named(
          `load ${s.rate}/s for ${(load.durationMs / 1000).toFixed(1)} s at ${targets === "random" ? "random nodes" : nodesLabel(targets)} (${load.concurrency} in flight${load.batch > 1 ? `, ${load.batch} per POST` : ""})`,
          load,
        );
        break;
      }
      case "stopLoad":
        named("stop the load", { kind: "stop-load" });
        break;
      case "nemesis": {
        const s = (raw as Extract<ScenarioStep, { nemesis: unknown }>).nemesis;
        const nemesis: PlannedNemesis = {
          kind: "nemesis",
          durationMs: durationMs(s.duration),
          intervalMs: s.interval !== undefined ? Math.max(100, durationMs(s.interval)) : 2000,
          faults: s.faults ?? [...NEMESIS_FAULTS],
          seed: s.seed ?? deriveSeed(seed, `nemesis${index}`),
        };
        named(`nemesis for ${(nemesis.durationMs / 1000).toFixed(1)} s (${nemesis.faults.length === NEMESIS_FAULTS.length ? "every fault" : nemesis.faults.join(", ")})`, nemesis);
        // Afterwards everything is healed, resumed and restarted.
        for (const change of healEverything(history)) history.apply(change);
        break;
      }
      case "sleep": {
        const ms = durationMs((raw as Extract<ScenarioStep, { sleep: unknown }>).sleep);
        named(`sleep ${ms} ms`, { kind: "sleep", ms });
        break;
      }
    }
  });

  if (problems.length > 0) throw new PlanError(problems);
  return {
    name: scenario.name,
    description: scenario.description,
    seed,
    weight: scenario.weight ?? 1,
    network,
    steps,
    timing,
  };
}

/** The changes that heal everything a network went through: links restored, paused nodes resumed, stopped restarted. */
export function healEverything(history: NetworkHistory, timeoutMs = 5000): NetworkChange[] {
  const out: NetworkChange[] = [];
  const cut = history.cutLinks();
  if (cut.length > 0) out.push({ kind: "restore", links: cut });
  const paused = history.nodes().filter(([, life]) => life === "paused").map(([id]) => id);
  if (paused.length > 0) out.push({ kind: "resume", nodes: paused });
  const stopped = history.nodes().filter(([, life]) => life === "stopped").map(([id]) => id);
  if (stopped.length > 0) out.push({ kind: "restart", nodes: stopped, hard: false, timeoutMs });
  return out;
}

/** Reference problems of a scenario (empty when it can be planned). */
export function checkScenario(scenario: Scenario): Problem[] {
  try {
    planScenario(scenario);
    return [];
  } catch (error) {
    if (error instanceof PlanError) return [...error.problems];
    throw error;
  }
}
