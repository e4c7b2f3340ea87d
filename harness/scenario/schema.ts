/**
 * The scenario file format: one zod schema that is the TypeScript type, the validator (with errors naming file, line,
 * field path and what was expected) and, through `z.toJSONSchema`, `scenarios/scenario.schema.json` for editors.
 *
 * A scenario describes a network (`topology`, per-node overrides) and what happens to it (`steps`). Each step is an
 * object with exactly one action key (plus an optional `name`): inject, expect, partition, heal, kill, stop, restart,
 * join, leave, pause, resume, latency, reset, load, stopLoad, nemesis, sleep.
 */
import { z } from "zod";
import { NEMESIS_FAULTS } from "../faults/nemesis.js";
import { MAX_NETWORK_NODES } from "../network/spec.js";

export { NEMESIS_FAULTS };

/** Letters, digits, `.`, `_`, `-` (the peer contract's NODE_ID). */
export const NodeId = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, "a node id: letters, digits, '.', '_' or '-'")
  .refine((s) => s !== "all", "a node id other than 'all' (reserved)")
  .describe("Node id (NODE_ID): letters, digits, '.', '_' or '-'");

/** Milliseconds as a number, or a string with a unit: `500ms`, `10s`, `1.5s`, `2m`. */
export const Duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m)$/, "a duration like 500ms, 10s, 1.5s or 2m"),
  ])
  .describe("Milliseconds (number) or a string with unit: 500ms, 10s, 1.5s, 2m");

/** Convert a parsed Duration to milliseconds. */
export function durationMs(value: z.infer<typeof Duration>): number {
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  const n = Number(m[1]);
  return Math.round(m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000);
}

/**
 * An integer of any size: a YAML/JSON integer or a decimal string (up to 1000 digits). Big unquoted integers are
 * read exactly (the loader never rounds them).
 */
export const IntegerValue = z
  .union([
    z.number().int("an integer (no fraction)"),
    z.string().regex(/^[+-]?\d{1,1000}$/, "an integer: optional sign and 1 to 1000 decimal digits"),
  ])
  .describe("Integer: a number or a decimal string of up to 1000 digits, may be negative");

export const LinkPair = z.tuple([NodeId, NodeId]).describe("[a, b]: a link between a and b (a dials b)");

const Count = (what: string, max: number) => z.number().int().min(1).max(max).describe(what);
const Prefix = z.string().regex(/^[A-Za-z._-][A-Za-z0-9._-]*$/).optional().describe("Node id prefix (default n)");

export const Topology = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("line"), nodes: Count("number of nodes", MAX_NETWORK_NODES), prefix: Prefix }),
    z.strictObject({ type: z.literal("ring"), nodes: Count("number of nodes", MAX_NETWORK_NODES), prefix: Prefix }),
    z.strictObject({ type: z.literal("star"), nodes: Count("number of nodes (n1 is the hub)", MAX_NETWORK_NODES), prefix: Prefix }),
    z.strictObject({ type: z.literal("full"), nodes: Count("number of nodes", 100), prefix: Prefix }),
    z.strictObject({
      type: z.literal("tree"),
      nodes: Count("number of nodes", MAX_NETWORK_NODES),
      branching: Count("children per node (k)", 100),
      prefix: Prefix,
    }),
    z.strictObject({
      type: z.literal("grid"),
      width: Count("columns", 1000),
      height: Count("rows", 1000),
      prefix: Prefix,
    }),
    z.strictObject({
      type: z.literal("random"),
      nodes: Count("number of nodes", MAX_NETWORK_NODES),
      degree: z.number().min(1).max(100).describe("average number of links per node"),
      seed: z.number().int().optional().describe("seed (default: the scenario seed)"),
      prefix: Prefix,
    }),
    z.strictObject({
      type: z.literal("explicit"),
      nodes: z.array(NodeId).min(1).describe("node ids"),
      links: z.array(LinkPair).describe("links; the first node dials the second"),
    }),
  ])
  .describe("The network: a generator (line, ring, star, full, tree, grid, random) or explicit nodes and links");

const Environment = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"), z.union([z.string(), z.number(), z.boolean()]))
  .describe("Extra environment variables for the peer");

export const NodeSettings = z.strictObject({
  command: z.string().min(1).optional().describe("Peer command line (local runtime); default: --peer-command"),
  image: z.string().min(1).optional().describe("Peer image (docker runtime); default: --image"),
  environment: Environment.optional(),
  dataDir: z.boolean().optional().describe("Give the node a DATA_DIR that survives restarts"),
  numbers: z.array(IntegerValue).optional().describe("NUMBERS: integers the node contributes at every start"),
});

const NodeList = z.union([NodeId, z.array(NodeId).min(1)]);

/** Where to inject: one node, a list, every live node, or `{random: k}` live nodes. */
export const InjectTarget = z
  .union([
    z.literal("all"),
    NodeId,
    z.array(NodeId).min(1),
    z.strictObject({
      random: z.number().int().min(1).describe("how many live nodes to pick"),
      seed: z.number().int().optional(),
    }),
  ])
  .describe("'all' live nodes, a node id, a list of ids, or {random: k} live nodes");

export const RandomValues = z.strictObject({
  count: z.number().int().min(1).max(1_000_000).describe("how many numbers"),
  min: IntegerValue.describe("smallest value (inclusive)"),
  max: IntegerValue.describe("largest value (inclusive)"),
  seed: z.number().int().optional().describe("seed (default: derived from the scenario seed)"),
});

const InjectStep = z
  .strictObject({
    at: InjectTarget.optional().describe("where to inject (default: all live nodes)"),
    values: z.array(IntegerValue).min(1).optional().describe("the numbers"),
    random: RandomValues.optional().describe("random numbers instead of values"),
    distribute: z
      .boolean()
      .optional()
      .describe("false (default): every target node gets all the numbers; true: they are dealt round-robin"),
  })
  .refine((s) => (s.values === undefined) !== (s.random === undefined), {
    message: "expected exactly one of 'values' or 'random'",
  });

const ExpectStep = z.strictObject({
  nodes: NodeList.optional().describe("which nodes must report (default: every live node)"),
  timeout: Duration.optional().describe("how long to wait for convergence (default: defaults.expectTimeout)"),
  total: IntegerValue.optional().describe("also assert this total (must agree with what the scenario injected)"),
});

const Links = z.union([z.literal("all"), z.array(LinkPair).min(1)]);

const PartitionStep = z
  .strictObject({
    groups: z
      .array(z.array(NodeId).min(1))
      .min(1)
      .optional()
      .describe("groups of nodes; links between groups are cut (unlisted nodes form one more group)"),
    links: z.array(LinkPair).min(1).optional().describe("cut exactly these links"),
    from: z.array(NodeId).min(1).optional().describe("one-way: bytes from these nodes..."),
    to: z
      .array(NodeId)
      .min(1)
      .optional()
      .describe("...to these nodes no longer cross the links between them; the other direction still works"),
  })
  .refine(
    (s) => [s.groups !== undefined, s.links !== undefined, s.from !== undefined || s.to !== undefined].filter(Boolean).length === 1,
    { message: "expected exactly one of 'groups', 'links', or 'from' with 'to' (one way)" },
  )
  .refine((s) => (s.from === undefined) === (s.to === undefined), { message: "a one-way partition needs both 'from' and 'to'" });

const HealStep = z
  .union([
    z.null(),
    z.literal(true),
    z.strictObject({ links: z.array(LinkPair).min(1).optional().describe("restore only these (default: all)") }),
  ])
  .describe("restore cut links: null/true/{} for all, or {links: [...]}");

const NodeAction = (extra: z.ZodRawShape, what: string) =>
  z.union([NodeId, z.array(NodeId).min(1), z.strictObject({ nodes: NodeList, ...extra })]).describe(what);

/** Bytes per second: a number, or a string with a unit (`64kB/s`, `1MB/s`, `500B/s`). */
export const Bandwidth = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|kB|KB|MB)\/s$/, "a rate like 64kB/s or 1MB/s")])
  .describe("bytes per second: a number or a string like 64kB/s, 1MB/s");

export function bandwidthBytesPerSec(value: z.infer<typeof Bandwidth>): number {
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)\s*(B|kB|KB|MB)\/s$/.exec(value);
  if (!m) throw new Error(`not a bandwidth: ${value}`);
  const n = Number(m[1]);
  return Math.round(m[2] === "B" ? n : m[2] === "MB" ? n * 1_000_000 : n * 1000);
}

const LatencyStep = z
  .strictObject({
    links: Links.optional().describe("'all' (default: every link existing at this step) or a list of links"),
    delay: Duration.optional().describe("one-way delay"),
    jitter: Duration.optional().describe("+/- jitter around the delay (byte order is kept)"),
    loss: z.number().min(0).max(0.9).optional().describe("probability a chunk needs a TCP retransmission (~200 ms)"),
    bandwidth: Bandwidth.optional().describe("bytes per second in each direction"),
    clear: z.literal(true).optional().describe("remove delay/jitter/loss/bandwidth from the links"),
  })
  .refine(
    (s) => s.clear !== true || (s.delay === undefined && s.jitter === undefined && s.loss === undefined && s.bandwidth === undefined),
    { message: "expected either 'clear: true' or delay/jitter/loss/bandwidth, not both" },
  );

const ResetStep = z
  .strictObject({ links: Links.optional().describe("'all' (default) or a list of links") })
  .describe("break every live connection over the links now (a TCP reset both ways); new connections are allowed");

/** Where a load sends its POSTs. */
const LoadTarget = z
  .union([z.literal("random"), NodeId, z.array(NodeId).min(1)])
  .describe("'random' (default: a random running or paused node per POST), a node, or a list to pick from at random");

/** Values of a load: a range, or a named mix. */
export const LoadValues = z
  .union([
    z.enum(["small", "negative", "huge", "mixed"]),
    z.strictObject({ min: IntegerValue, max: IntegerValue }),
  ])
  .describe("small (-1000..1000), negative, huge (30 to 60 digits, both signs), mixed (default: all three), or {min, max}");

const LoadStep = z
  .strictObject({
    rate: z.number().positive().max(100_000).describe("numbers per second"),
    duration: Duration.describe("how long the load runs (it goes on while the following steps run)"),
    at: LoadTarget.optional(),
    concurrency: z.number().int().min(1).max(256).optional().describe("POSTs in flight at once (default 4)"),
    batch: z.number().int().min(1).max(1000).optional().describe("numbers per POST (default 1)"),
    values: LoadValues.optional(),
    seed: z.number().int().optional().describe("seed of targets and values (default: derived from the scenario seed)"),
  })
  .describe("concurrent POSTs at a rate, in the background: later steps run during it; an expect waits for it to end");

const NemesisStep = z
  .strictObject({
    duration: Duration.describe("how long the nemesis acts"),
    interval: Duration.optional().describe("time between faults (default 2s): each heals the previous one first"),
    faults: z
      .array(z.enum(NEMESIS_FAULTS))
      .min(1)
      .optional()
      .describe(`faults to draw from (default all): ${NEMESIS_FAULTS.join(", ")}`),
    seed: z.number().int().optional().describe("seed of the schedule (default: derived from the scenario seed)"),
  })
  .describe("a seeded schedule of faults, then everything healed, resumed and restarted; the schedule is in the replay");

const JoinStep = NodeSettings.extend({
  node: NodeId.describe("id of the new node"),
  links: z.array(NodeId).describe("existing nodes the new node dials"),
});

const step = <K extends string, S extends z.ZodType>(key: K, schema: S, description: string) =>
  z
    .strictObject({ name: z.string().optional().describe("label shown in reports") } as { name: z.ZodOptional<z.ZodString> })
    .extend({ [key]: schema } as { [P in K]: S })
    .describe(description);

export const Step = z
  .union([
    step("inject", InjectStep, "POST numbers to nodes"),
    step("expect", ExpectStep, "wait until nodes report the total the injection and connectivity history give"),
    step("partition", PartitionStep, "cut links between groups of nodes (both ways)"),
    step("heal", HealStep, "restore cut links"),
    step("kill", NodeAction({}, "node(s) to SIGKILL"), "SIGKILL nodes"),
    step(
      "stop",
      NodeAction({ timeout: Duration.optional() }, "node(s) to stop gracefully"),
      "stop nodes gracefully (SIGTERM)",
    ),
    step(
      "restart",
      NodeAction({ hard: z.boolean().optional().describe("SIGKILL instead of SIGTERM first") }, "node(s) to restart"),
      "start stopped nodes again, or stop and start running ones",
    ),
    step("join", JoinStep, "start a new node linked to existing ones"),
    step("leave", NodeAction({}, "node(s) that leave"), "stop nodes gracefully and remove them and their links"),
    step("pause", NodeAction({}, "node(s) to pause"), "freeze nodes (SIGSTOP, docker pause): they keep their state and do nothing"),
    step("resume", NodeAction({}, "node(s) to resume"), "let paused nodes run again"),
    step("latency", LatencyStep, "shape links: delay, jitter, loss, bandwidth; or clear"),
    step("reset", ResetStep, "reset live connections over links"),
    step("load", LoadStep, "inject concurrently at a rate, in the background"),
    step("stopLoad", z.literal(true).describe("true"), "stop every load still running (what was sent still counts)"),
    step("nemesis", NemesisStep, "break the network at random for a while, then heal everything"),
    step("sleep", Duration, "wait"),
  ])
  .describe("One step: an object with exactly one action key");

export const STEP_KINDS = [
  "inject",
  "expect",
  "partition",
  "heal",
  "kill",
  "stop",
  "restart",
  "join",
  "leave",
  "pause",
  "resume",
  "latency",
  "reset",
  "load",
  "stopLoad",
  "nemesis",
  "sleep",
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const Defaults = z.strictObject({
  expectTimeout: Duration.optional().describe("default timeout of expect steps (default 10s)"),
  healthTimeout: Duration.optional().describe("how long a starting node may take to answer /health (default 15s)"),
  stopTimeout: Duration.optional().describe("graceful stop before SIGKILL (default 5s)"),
  pollInterval: Duration.optional().describe("how often expect polls totals (default 50ms)"),
  dataDir: z.boolean().optional().describe("DATA_DIR for every node (default false)"),
  command: z.string().min(1).optional().describe("peer command line for every node (local runtime)"),
  image: z.string().min(1).optional().describe("peer image for every node (docker runtime)"),
  environment: Environment.optional(),
});

export const Scenario = z
  .strictObject({
    $schema: z.string().optional().describe("path or URL of scenario.schema.json (for editors)"),
    name: z.string().min(1).describe("scenario name, unique in a suite"),
    description: z.string().optional(),
    seed: z.number().int().optional().describe("seed for everything random (default 1; --seed overrides)"),
    weight: z.number().positive().optional().describe("weight in a grade (default 1)"),
    tags: z.array(z.string()).optional(),
    topology: Topology,
    defaults: Defaults.optional(),
    nodes: z
      .record(z.string(), NodeSettings)
      .optional()
      .describe("per-node overrides keyed by node id: command, image, environment, dataDir, numbers"),
    steps: z.array(Step).min(1).describe("what happens, in order"),
  })
  .describe("A sumnet scenario: a network and what happens to it");

export type Scenario = z.infer<typeof Scenario>;
export type ScenarioStep = z.infer<typeof Step>;
export type TopologySpec = z.infer<typeof Topology>;
export type NodeSettings = z.infer<typeof NodeSettings>;
export type IntegerValue = z.infer<typeof IntegerValue>;

/** The action key of a parsed step. */
export function stepKind(s: ScenarioStep): StepKind {
  for (const k of STEP_KINDS) if (k in s) return k;
  throw new Error(`step without an action: ${JSON.stringify(s)}`);
}

/** JSON Schema (draft 2020-12) of scenario files, generated from the zod schema. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Scenario, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    $id: "https://sumnet.dev/scenario.schema.json",
    title: "sumnet scenario",
    ...schema,
  };
}
