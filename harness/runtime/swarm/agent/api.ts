/**
 * The link agent's HTTP API, as zod schemas that are also its types: the agent (server.ts) parses requests with them,
 * the harness (../agent-client.ts) parses answers with them. Every route lives under `/<token>/`, the random token the
 * harness gives the agent in its environment; anything else is 404.
 *
 *   GET    /<token>/health                       -> AgentHealth
 *   POST   /<token>/relays                       OpenRelayRequest -> OpenRelayAnswer
 *   GET    /<token>/relays                       -> RelayListing (stats of every relay, one round trip)
 *   POST   /<token>/relays/<port>                RelayOperation -> RelayState
 *   DELETE /<token>/relays/<port>                -> RelayClosed (the relay's final stats)
 *   POST   /<token>/containers/<id>/<op>[?t=s]   -> ContainerAnswer (op: stop, kill, pause, unpause; only this run's)
 *   POST   /<token>/volumes/<name>/prepare       -> PreparedVolume (created, labelled, writable by any user)
 *   POST   /<token>/volumes/remove               -> VolumeRemoval (volumes labelled sumnet.run=<run> on this machine)
 *   ANY    /<token>/proxy/<host>:<port>/<path>   -> the node's own answer (status, content-type, body); with the
 *                                                   header AWAIT_NODE_HEADER, a node that refuses the connection is
 *                                                   tried again until that many ms have passed
 *
 * Errors are `{ "error": "<what was wrong; what was expected>" }` with a 4xx or 5xx status.
 */
import { z } from "zod";
import type { LinkShape } from "../../../network/spec.js";
import type { LinkDirection, RelayStats, RelayTarget } from "../../../faults/link-relay.js";

/** What the agent calls itself in `GET /health`. */
export const AGENT_NAME = "sumnet-agent";
/** Where the agent listens unless AGENT_PORT says otherwise. */
export const DEFAULT_AGENT_PORT = 9900;
/** Bodies the agent's own routes take (and the harness sends): small JSON. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** A request to, or an answer from, a node's control API through the proxy is at most this large. */
export const MAX_PROXY_BODY_BYTES = 8 * 1024 * 1024;
/** Set on answers the proxy made itself, not the node (contract/http-api.ts: the harness's clients read it). */
export { AWAIT_NODE_HEADER, AwaitNodeMs, PROXY_ERROR_HEADER, ProxyErrorKind } from "../../../../contract/http-api.js";

/** The token in the path: URL-safe, long enough not to be guessed. */
export const AgentToken = z
  .string({ error: "must be a string" })
  .regex(/^[A-Za-z0-9_-]{16,128}$/, { error: "must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -" });

export const ErrorAnswer = z.object({ error: z.string() });
export type ErrorAnswer = z.infer<typeof ErrorAnswer>;

/** `GET /<token>/health`. */
export const AgentHealth = z.object({
  agent: z.literal(AGENT_NAME),
  runId: z.string(),
  /** The machine's name as the agent's container sees it. */
  hostname: z.string(),
});
export type AgentHealth = z.infer<typeof AgentHealth>;

export const Port = z
  .number({ error: "must be a number" })
  .int({ error: "must be a whole number" })
  .min(1, { error: "must be 1 to 65535" })
  .max(65535, { error: "must be 1 to 65535" });

/** A port in a path (`/relays/<port>`): digits only. */
export const PortInPath = z
  .string()
  .regex(/^[0-9]{1,5}$/, { error: "must be a port number" })
  .transform(Number)
  .pipe(Port);

/** A relay's target port: 0 is "nowhere" (a node that does not run: connections are refused at once). */
export const TargetPort = z
  .number({ error: "must be a number" })
  .int({ error: "must be a whole number" })
  .min(0, { error: "must be 0 (nowhere) to 65535" })
  .max(65535, { error: "must be 0 (nowhere) to 65535" });

export const RelayTargetSchema = z.strictObject({
  host: z.string({ error: "must be a host name or address" }).min(1, { error: "must not be empty" }).max(253),
  port: TargetPort,
}) satisfies z.ZodType<RelayTarget>;

export const LinkDirectionSchema = z.enum(["toTarget", "fromTarget"], {
  error: 'must be "toTarget" (dialer -> target) or "fromTarget" (target -> dialer)',
}) satisfies z.ZodType<LinkDirection>;

const NonNegative = z.number({ error: "must be a number" }).min(0, { error: "must be 0 or more" });

/** LinkShape of network/spec.ts, with the bounds LinkRelay.shape() enforces. */
export const LinkShapeSchema = z.strictObject({
  delayMs: NonNegative,
  jitterMs: NonNegative,
  loss: NonNegative.lt(1, { error: "must be below 1 (a probability; 1 would hold every chunk forever)" }),
  bandwidthBytesPerSec: NonNegative.optional(),
}) satisfies z.ZodType<LinkShape>;

/** `POST /<token>/relays`: a relay to `target`, jitter and loss drawn from `seed`, holding dialers `holdMs`. */
export const OpenRelayRequest = z.strictObject({
  target: RelayTargetSchema,
  seed: z.number({ error: "must be a number" }).int({ error: "must be a whole number" }),
  holdMs: NonNegative.int({ error: "must be a whole number of milliseconds" }).optional(),
});
export type OpenRelayRequest = z.infer<typeof OpenRelayRequest>;

export const OpenRelayAnswer = z.object({ port: Port });
export type OpenRelayAnswer = z.infer<typeof OpenRelayAnswer>;

/** `POST /<token>/relays/<port>`: one fault operation, as LinkRelay's methods of the same names. */
export const RelayOperation = z.discriminatedUnion(
  "op",
  [
    z.strictObject({ op: z.literal("cut") }),
    z.strictObject({ op: z.literal("cut-one-way"), direction: LinkDirectionSchema }),
    z.strictObject({ op: z.literal("restore") }),
    z.strictObject({ op: z.literal("reset") }),
    z.strictObject({ op: z.literal("shape"), shape: LinkShapeSchema }),
    z.strictObject({ op: z.literal("retarget"), target: RelayTargetSchema }),
  ],
  { error: 'must be one of "cut", "cut-one-way", "restore", "reset", "shape", "retarget"' },
);
export type RelayOperation = z.infer<typeof RelayOperation>;

const Count = z.number().int().min(0);
const DirectionStatsSchema = z.object({ bytes: Count, frames: Count });

/** RelayStats of faults/link-relay.ts. */
export const RelayStatsSchema = z.object({
  connections: Count,
  refused: Count,
  open: Count,
  resets: Count,
  toTarget: DirectionStatsSchema,
  fromTarget: DirectionStatsSchema,
  lostChunks: Count,
}) satisfies z.ZodType<RelayStats>;

/** A relay as the agent holds it, answered to every operation. */
export const RelayState = z.object({
  port: Port,
  target: RelayTargetSchema,
  isCut: z.boolean(),
  blockedDirections: z.array(LinkDirectionSchema),
  shape: LinkShapeSchema,
  stats: RelayStatsSchema,
  /** Connections aborted by this operation (`reset`; 0 for the others). */
  aborted: Count,
});
export type RelayState = z.infer<typeof RelayState>;

/** `GET /<token>/relays`. */
export const RelayListing = z.object({ relays: z.array(z.object({ port: Port, stats: RelayStatsSchema })) });
export type RelayListing = z.infer<typeof RelayListing>;

/** `DELETE /<token>/relays/<port>`: the counters once the relay closed. */
export const RelayClosed = z.object({ port: Port, stats: RelayStatsSchema });
export type RelayClosed = z.infer<typeof RelayClosed>;

/** A container id or name, as Docker accepts them. */
export const ContainerId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, { error: "must be a container id or name (letters, digits, _ . -)" });

export const ContainerOp = z.enum(["stop", "kill", "pause", "unpause"], {
  error: 'must be "stop", "kill", "pause" or "unpause"',
});
export type ContainerOp = z.infer<typeof ContainerOp>;

/** `?t=<seconds>` of stop: how long the container has between SIGTERM and SIGKILL. */
export const StopSeconds = z
  .string()
  .regex(/^[0-9]{1,4}$/, { error: "t must be whole seconds (0 to 9999)" })
  .transform(Number);

/**
 * How a container operation ended: `done`; `gone` (stop or kill of a container that no longer exists);
 * `not-running` (stop or kill of a container that had already stopped).
 */
export const ContainerOutcome = z.enum(["done", "gone", "not-running"]);
export type ContainerOutcome = z.infer<typeof ContainerOutcome>;

export const ContainerAnswer = z.object({ id: z.string(), op: ContainerOp, outcome: ContainerOutcome });
export type ContainerAnswer = z.infer<typeof ContainerAnswer>;

/** `POST /<token>/volumes/remove`: a volume still in use is a failure, not an error of the route. */
/** A node's DATA_DIR volume, prepared before its first start: the run's volumes only (`sumnet-<run>-<node>`). */
export const VolumeName = z
  .string()
  .regex(/^sumnet-[A-Za-z0-9_.-]+$/, { error: "must be a volume of sumnet's: sumnet-<run>-<node>" })
  .max(255);
export const PrepareVolumeRequest = z.strictObject({
  labels: z.record(z.string(), z.string(), { error: "must be an object of label names to values" }),
});
export type PrepareVolumeRequest = z.infer<typeof PrepareVolumeRequest>;
export const PreparedVolume = z.object({ name: z.string() });
export type PreparedVolume = z.infer<typeof PreparedVolume>;

export const VolumeRemoval = z.object({
  removed: z.array(z.string()),
  failed: z.array(z.object({ name: z.string(), error: z.string() })),
});
export type VolumeRemoval = z.infer<typeof VolumeRemoval>;

/** `<host>:<port>` of a proxied node: a name or IPv4 address, or a bracketed IPv6 address. */
export const ProxyTarget = z
  .string()
  .regex(/^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\]):[0-9]{1,5}$/, {
    error: "must be <host>:<port>, e.g. 10.0.1.5:8080",
  })
  .transform((text) => {
    const colon = text.lastIndexOf(":");
    return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: Number(text.slice(colon + 1)) };
  })
  .pipe(z.object({ host: z.string(), port: Port }));

/** `where: message` of a zod error's first issue, e.g. `target.port: must be 1 to 65535`. */
export function describeIssue(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${what}.${issue.path.join(".")}` : what;
  return `${where}: ${issue?.message ?? "invalid"}`;
}
