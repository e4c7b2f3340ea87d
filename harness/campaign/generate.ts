/**
 * Random scenarios for `sumnet explore`, drawn from a seed: a topology (shape and 3 to 12 nodes), NUMBERS and
 * DATA_DIR on some nodes, then a sequence of operations (injections, partitions and heals, kills and restarts with
 * and without DATA_DIR, graceful stops, joins and leaves, latency and loss, expects), always ending with everything
 * healed and every node restarted, and a final expect. The generator tracks which nodes run, so every scenario it draws plans
 * (a property test plans hundreds of them).
 */
import { seededRandom, type SeededRandom } from "../base/seeded-random.js";
import type { Scenario, TopologySpec } from "../scenario/schema.js";
import type { StepObject } from "./reductions.js";

export const MIN_NODES = 3;
export const MAX_NODES = 12;

/** What the generator knows about the network at a point of the scenario. */
export interface GeneratorState {
  readonly rng: SeededRandom;
  /** Nodes in the network (running or stopped), in order. */
  readonly present: string[];
  readonly running: Set<string>;
  /** Nodes that keep their numbers across restarts. */
  readonly dataDir: Set<string>;
  partitioned: boolean;
  shaped: boolean;
  joined: number;
  /** Nodes frozen by a pause (not in `running`). */
  readonly paused: Set<string>;
}

/** One kind of operation: how often it is drawn, when it applies, and the step it makes (updating the state). */
interface Operation {
  readonly name: string;
  readonly weight: number;
  applies(s: GeneratorState): boolean;
  make(s: GeneratorState): StepObject;
}

const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.int(0, items.length - 1)] as T;
const runningList = (s: GeneratorState): string[] => s.present.filter((id) => s.running.has(id));
const stoppedList = (s: GeneratorState): string[] => s.present.filter((id) => !s.running.has(id));

/** A value from a mix: small, negative, and now and then one of hundreds of digits. */
function drawValue(rng: SeededRandom): number | string {
  const r = rng.next();
  if (r < 0.6) return rng.int(-100, 1000);
  if (r < 0.9) return rng.int(-1_000_000_000, 1_000_000_000);
  const digits = rng.int(20, 300);
  let text = String(rng.int(1, 9));
  for (let i = 1; i < digits; i++) text += String(rng.int(0, 9));
  return rng.next() < 0.5 ? `-${text}` : text;
}

const drawValues = (rng: SeededRandom, max: number): (number | string)[] =>
  Array.from({ length: rng.int(1, max) }, () => drawValue(rng));

/**
 * The operations explore draws from: what the scenario schema offers. NEW STEP KINDS (`load`, `nemesis`, pause and
 * resume, one-way partitions, bandwidth, link resets): add an entry here once schema.ts has them; nothing else in
 * the campaign layer needs to change (shrinking treats steps it does not know as opaque).
 */
export const OPERATIONS: readonly Operation[] = [
  {
    name: "inject",
    weight: 6,
    applies: (s) => s.running.size > 0,
    make(s) {
      const rng = s.rng;
      if (rng.next() < 0.2) return { inject: { at: "all", values: drawValues(rng, 3) } };
      return { inject: { at: pick(rng, runningList(s)), values: drawValues(rng, 5) } };
    },
  },
  {
    name: "expect",
    weight: 2,
    applies: (s) => s.running.size > 0,
    make: () => ({ expect: {} }),
  },
  {
    name: "partition",
    weight: 2,
    applies: (s) => !s.partitioned && s.present.length >= 2,
    make(s) {
      const shuffled = s.rng.shuffle(s.present);
      const cut = s.rng.int(1, shuffled.length - 1);
      s.partitioned = true;
      return { partition: { groups: [shuffled.slice(0, cut)] } };
    },
  },
  {
    name: "heal",
    weight: 2,
    applies: (s) => s.partitioned,
    make(s) {
      s.partitioned = false;
      return { heal: null };
    },
  },
  {
    name: "kill",
    weight: 2,
    applies: (s) => s.running.size >= 2,
    make(s) {
      const id = pick(s.rng, runningList(s));
      s.running.delete(id);
      return { kill: id };
    },
  },
  {
    name: "stop",
    weight: 1,
    applies: (s) => s.running.size >= 2,
    make(s) {
      const id = pick(s.rng, runningList(s));
      s.running.delete(id);
      return { stop: id };
    },
  },
  {
    name: "restart",
    weight: 2,
    applies: (s) => s.present.length > 0,
    make(s) {
      const stopped = stoppedList(s);
      const id = pick(s.rng, stopped.length > 0 && s.rng.next() < 0.8 ? stopped : s.present);
      s.running.add(id);
      s.paused.delete(id);
      return s.rng.next() < 0.3 ? { restart: { nodes: id, hard: true } } : { restart: id };
    },
  },
  {
    name: "join",
    weight: 1,
    applies: (s) => s.present.length < MAX_NODES,
    make(s) {
      const id = `j${++s.joined}`;
      const links = s.rng.shuffle(s.present).slice(0, s.rng.int(1, Math.min(2, s.present.length)));
      const step: Record<string, unknown> = { node: id, links };
      if (s.rng.next() < 0.3) {
        step.dataDir = true;
        s.dataDir.add(id);
      }
      if (s.rng.next() < 0.3) step.numbers = drawValues(s.rng, 2);
      s.present.push(id);
      s.running.add(id);
      return { join: step };
    },
  },
  {
    name: "leave",
    weight: 1,
    applies: (s) => s.present.length > MIN_NODES && s.running.size >= 2,
    make(s) {
      const id = pick(s.rng, runningList(s));
      s.present.splice(s.present.indexOf(id), 1);
      s.running.delete(id);
      return { leave: id };
    },
  },
  {
    name: "latency",
    weight: 1,
    applies: () => true,
    make(s) {
      if (s.shaped && s.rng.next() < 0.5) {
        s.shaped = false;
        return { latency: { clear: true } };
      }
      s.shaped = true;
      const rng = s.rng;
      return { latency: { delay: rng.int(0, 100), jitter: rng.int(0, 50), loss: rng.int(0, 20) / 100 } };
    },
  },
  {
    name: "sleep",
    weight: 1,
    applies: () => true,
    make: (s) => ({ sleep: s.rng.int(100, 1500) }),
  },
  {
    // Concurrent POSTs in the background while the next steps run; an expect waits for it to end.
    name: "load",
    weight: 2,
    applies: (s) => s.running.size > 0,
    make(s) {
      const rng = s.rng;
      return {
        load: {
          rate: rng.int(10, 80),
          duration: rng.int(1000, 5000),
          concurrency: rng.int(1, 8),
          ...(rng.next() < 0.3 ? { batch: rng.int(2, 10) } : {}),
          ...(rng.next() < 0.3 ? { at: pick(rng, runningList(s)) } : {}),
        },
      };
    },
  },
  {
    name: "pause",
    weight: 1,
    applies: (s) => s.running.size >= 2,
    make(s) {
      const id = pick(s.rng, runningList(s));
      s.running.delete(id);
      s.paused.add(id);
      return { pause: id };
    },
  },
  {
    name: "resume",
    weight: 1,
    applies: (s) => s.paused.size > 0,
    make(s) {
      const id = pick(s.rng, [...s.paused]);
      s.paused.delete(id);
      s.running.add(id);
      return { resume: id };
    },
  },
  {
    name: "one-way partition",
    weight: 1,
    applies: (s) => !s.partitioned && s.present.length >= 2,
    make(s) {
      const shuffled = s.rng.shuffle(s.present);
      const k = s.rng.int(1, shuffled.length - 1);
      s.partitioned = true;
      return { partition: { from: shuffled.slice(0, k), to: shuffled.slice(k) } };
    },
  },
  {
    name: "reset",
    weight: 1,
    applies: () => true,
    make: () => ({ reset: {} }),
  },
  {
    // A short seeded storm of faults; afterwards everything is healed, unshaped, resumed and running.
    name: "nemesis",
    weight: 1,
    applies: (s) => s.running.size >= 2,
    make(s) {
      s.partitioned = false;
      s.shaped = false;
      for (const id of s.present) s.running.add(id);
      s.paused.clear();
      return { nemesis: { duration: s.rng.int(2000, 6000), interval: s.rng.int(500, 1500) } };
    },
  },
];

function drawTopology(rng: SeededRandom): TopologySpec {
  const n = rng.int(MIN_NODES, MAX_NODES);
  switch (pick(rng, ["line", "ring", "star", "full", "tree", "grid", "random"] as const)) {
    case "line":
      return { type: "line", nodes: n };
    case "ring":
      return { type: "ring", nodes: n };
    case "star":
      return { type: "star", nodes: n };
    case "full":
      return { type: "full", nodes: Math.min(n, 6) };
    case "tree":
      return { type: "tree", nodes: n, branching: rng.int(2, 3) };
    case "grid": {
      const width = rng.int(2, 4);
      return { type: "grid", width, height: rng.int(Math.ceil(MIN_NODES / width), Math.floor(MAX_NODES / width)) };
    }
    case "random":
      return { type: "random", nodes: n, degree: rng.int(2, 3) };
  }
}

/** The node ids a generated topology gives (its generators name nodes n1..nN; a grid has width x height). */
function nodeIds(t: TopologySpec): string[] {
  const count = t.type === "grid" ? t.width * t.height : t.type === "explicit" ? t.nodes.length : t.nodes;
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export interface GenerateOptions {
  /** Operations between the start and the closing heal/restart/expect (default: 6 to 16, drawn). */
  readonly operations?: number;
  /** Every expect's timeout (`defaults.expectTimeout`); default the scenario default, 10 s. */
  readonly expectTimeoutMs?: number;
  /**
   * Every scenario gets a load with a nemesis during it (a load step, then at once a nemesis step no longer than the
   * load), at a drawn point where at least two nodes run, besides what is drawn as usual. Without it about a third
   * of the scenarios have a nemesis and three fifths a load.
   */
  readonly nemesisUnderLoad?: boolean;
}

const operation = (name: string): Operation => OPERATIONS.find((op) => op.name === name) as Operation;

/** A load, then a nemesis that ends before the load does: faults strike while POSTs are in flight. */
function nemesisUnderLoad(s: GeneratorState): StepObject[] {
  const load = operation("load").make(s) as { load: { duration: number } };
  const nemesis = operation("nemesis").make(s) as { nemesis: { duration: number } };
  load.load.duration = Math.max(load.load.duration, nemesis.nemesis.duration + s.rng.int(500, 2000));
  return [load, nemesis];
}

/** A random, valid scenario for `seed`, named `explore-<seed>`. */
export function generateScenario(seed: number, options: GenerateOptions = {}): Scenario {
  const rng = seededRandom(seed);
  const topology = drawTopology(rng.fork("topology"));
  const ids = nodeIds(topology);
  const r = rng.fork("nodes");
  const nodes: Record<string, { numbers?: (number | string)[]; dataDir?: boolean }> = {};
  const dataDir = new Set<string>();
  for (const id of ids) {
    const settings: { numbers?: (number | string)[]; dataDir?: boolean } = {};
    if (r.next() < 0.3) settings.numbers = drawValues(r, 3);
    if (r.next() < 0.3) {
      settings.dataDir = true;
      dataDir.add(id);
    }
    if (Object.keys(settings).length > 0) nodes[id] = settings;
  }
  const state: GeneratorState = {
    rng: rng.fork("steps"),
    present: [...ids],
    running: new Set(ids),
    dataDir,
    partitioned: false,
    shaped: false,
    joined: 0,
    paused: new Set(),
  };
  const steps: StepObject[] = [];
  const count = options.operations ?? state.rng.int(6, 16);
  // Where the load-with-nemesis goes (drawn from its own stream, so the rest of the draws keep their order).
  const required = rng.fork("nemesis-under-load");
  let underLoadAt = options.nemesisUnderLoad ? required.int(0, count) : Number.POSITIVE_INFINITY;
  const nemesisApplies = operation("nemesis").applies;
  for (let i = 0; i < count; i++) {
    if (i >= underLoadAt && nemesisApplies(state)) {
      steps.push(...nemesisUnderLoad(state));
      underLoadAt = Number.POSITIVE_INFINITY;
    }
    const open = OPERATIONS.filter((op) => op.applies(state));
    let ticket = state.rng.next() * open.reduce((w, op) => w + op.weight, 0);
    const op = open.find((o) => (ticket -= o.weight) < 0) ?? (open[open.length - 1] as Operation);
    steps.push(op.make(state));
  }
  // The close: everything healed, unshaped and running again, then one last check of every node.
  if (state.partitioned) steps.push({ heal: null });
  if (state.shaped) steps.push({ latency: { clear: true } });
  // Every node restarts (stopped ones start again, running ones stop and start): what a restart keeps or loses,
  // and NUMBERS counted again at a start, show in the final expect.
  steps.push({ restart: [...state.present] });
  // Not placed yet (drawn at the end, or too few nodes ran where it was drawn): every node runs again here.
  if (underLoadAt !== Number.POSITIVE_INFINITY) steps.push(...nemesisUnderLoad(state));
  steps.push({ expect: {} });
  return {
    name: `explore-${seed}`,
    description: `generated by sumnet explore from seed ${seed}${options.nemesisUnderLoad ? " (a nemesis under load)" : ""}`,
    seed,
    topology,
    ...(options.expectTimeoutMs !== undefined ? { defaults: { expectTimeout: options.expectTimeoutMs } } : {}),
    ...(Object.keys(nodes).length > 0 ? { nodes } : {}),
    steps: steps as Scenario["steps"],
  };
}
