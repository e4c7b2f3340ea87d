/**
 * The harness's side of a link agent (agent/server.ts): one AgentClient per machine of the swarm, and a RemoteRelay
 * per link whose dialer runs there. Every answer is parsed with the agent's schemas (agent/api.ts); every request has
 * a timeout; errors name the agent by machine, address and port, never by its token.
 */
import { describeFetchError } from "../../../contract/peer-client.js";
import type { LinkCarrier } from "../../faults/link-carrier.js";
import { LINK_DIRECTIONS, type LinkDirection, type RelayStats, type RelayTarget } from "../../faults/link-relay.js";
import { CLEAN_LINK, type LinkShape } from "../../network/spec.js";
import type { z } from "zod";
import {
  AgentHealth,
  ContainerAnswer,
  describeIssue,
  ErrorAnswer,
  LinkShapeSchema,
  OpenRelayAnswer,
  RelayClosed,
  RelayListing,
  RelayState,
  VolumeRemoval,
  PreparedVolume,
  type ContainerOp,
  type RelayOperation,
} from "./agent/api.js";

/** A request to an agent failed: `status` when it answered, undefined when it did not. */
export class AgentError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

export interface AgentClientOptions {
  /** Time for one request that does not wait for a container (default 10 s). */
  readonly timeoutMs?: number;
  /** Failures nobody awaits (background stats polling, relay operations whose promise was dropped). */
  readonly log?: (line: string) => void;
}

const ZERO_STATS: RelayStats = Object.freeze({
  connections: 0,
  refused: 0,
  open: 0,
  resets: 0,
  toTarget: Object.freeze({ bytes: 0, frames: 0 }),
  fromTarget: Object.freeze({ bytes: 0, frames: 0 }),
  lostChunks: 0,
});

/** Engine work (a volume removal per volume) may take a while on a busy machine. */
const VOLUMES_TIMEOUT_MS = 60_000;
/** What a stop may take beyond its grace time (the engine's own round trips). */
const STOP_MARGIN_MS = 15_000;

export class AgentClient {
  /** `http://<machine>:<port>`: what messages name (the token stays out of them). */
  readonly origin: string;
  /** The machine's name, for messages. */
  readonly machine: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly relays = new Map<number, RemoteRelay>();
  private polling: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  /** `baseUrl` is `http://<machine>:<port>/<token>`. */
  constructor(baseUrl: string, machine?: string, options: AgentClientOptions = {}) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.machine = machine ?? url.hostname;
    this.base = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.log = options.log ?? (() => undefined);
  }

  /** How messages name this agent. */
  get name(): string {
    return `link agent on ${this.machine} (${this.origin})`;
  }

  /** `GET /health`. */
  health(timeoutMs = this.timeoutMs): Promise<AgentHealth> {
    return this.call("GET", "/health", AgentHealth, { timeoutMs });
  }

  /** A relay on the agent's machine to `target`, its jitter and loss drawn from `seed`. */
  async openRelay(target: RelayTarget, seed: number, holdMs?: number): Promise<RemoteRelay> {
    const body = { target: { host: target.host, port: target.port }, seed, ...(holdMs === undefined ? {} : { holdMs }) };
    const { port } = await this.call("POST", "/relays", OpenRelayAnswer, { body });
    const relay = new RemoteRelay(this, port);
    this.relays.set(port, relay);
    return relay;
  }

  /** `POST /relays/<port>`: one operation; answers the relay's state after it. RemoteRelay orders these calls. */
  operateRelay(port: number, operation: RelayOperation): Promise<RelayState> {
    return this.call("POST", `/relays/${port}`, RelayState, { body: operation });
  }

  /** `DELETE /relays/<port>`: the relay's final stats, or undefined when the agent no longer had it. */
  async closeRelay(port: number): Promise<RelayClosed | undefined> {
    this.relays.delete(port);
    try {
      return await this.call("DELETE", `/relays/${port}`, RelayClosed);
    } catch (error) {
      if (error instanceof AgentError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** `GET /relays`: the stats of every relay of the agent. */
  listRelays(): Promise<RelayListing> {
    return this.call("GET", "/relays", RelayListing);
  }

  /** Updates the stats every RemoteRelay of this agent answers, in one round trip (one at a time: callers share it). */
  refreshStats(): Promise<void> {
    this.refreshing ??= this.listRelays()
      .then((listing) => {
        for (const { port, stats } of listing.relays) this.relays.get(port)?.noteStats(stats);
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Refreshes the relays' stats every `intervalMs` until stopStatsPolling; failures are logged, polling goes on. */
  startStatsPolling(intervalMs: number): void {
    this.stopStatsPolling();
    this.polling = setInterval(() => {
      this.refreshStats().catch((error: Error) => this.log(`${this.name}: stats not refreshed: ${error.message}`));
    }, intervalMs);
    this.polling.unref();
  }

  stopStatsPolling(): void {
    clearInterval(this.polling);
    this.polling = undefined;
  }

  /**
   * `POST /containers/<id>/<op>`: stop (SIGTERM, SIGKILL after `stopSeconds`, default 10), kill, pause or unpause a
   * container of this run on the agent's machine. Stop and kill of a container already gone resolve (outcome `gone`).
   */
  containerOp(id: string, op: ContainerOp, stopSeconds?: number): Promise<ContainerAnswer> {
    const query = op === "stop" && stopSeconds !== undefined ? `?t=${stopSeconds}` : "";
    const timeoutMs = op === "stop" ? (stopSeconds ?? 10) * 1000 + STOP_MARGIN_MS : this.timeoutMs;
    return this.call("POST", `/containers/${encodeURIComponent(id)}/${op}${query}`, ContainerAnswer, { timeoutMs });
  }

  /** `POST /volumes/remove`: this run's volumes on the agent's machine; one still in use is in `failed`. */
  /** Creates (or keeps) a node's DATA_DIR volume on this agent's machine, labelled, writable by any user. */
  prepareVolume(name: string, labels: Readonly<Record<string, string>>): Promise<PreparedVolume> {
    return this.call("POST", `/volumes/${encodeURIComponent(name)}/prepare`, PreparedVolume, { body: { labels }, timeoutMs: Math.max(this.timeoutMs, 60_000) });
  }

  removeVolumes(): Promise<VolumeRemoval> {
    return this.call("POST", "/volumes/remove", VolumeRemoval, { timeoutMs: VOLUMES_TIMEOUT_MS });
  }

  /** The base control URL of a node at `host:port` on the overlay, reached through this agent's proxy. */
  proxyUrl(host: string, port: number): string {
    return `${this.base}/proxy/${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  /** For RemoteRelay: a failure that no caller may be awaiting. */
  noteFailure(line: string): void {
    this.log(`${this.name}: ${line}`);
  }

  private async call<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    schema: z.ZodType<T>,
    init: { readonly body?: unknown; readonly timeoutMs?: number } = {},
  ): Promise<T> {
    const what = `${method} ${path}`;
    const timeoutMs = init.timeoutMs ?? this.timeoutMs;
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.base}${path}`, {
        method,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const why = describeFetchError(error);
      throw new AgentError(`${this.name} did not answer ${what} (${why === "timed out" ? `no answer within ${timeoutMs} ms` : why})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AgentError(`${this.name} answered ${what} with ${status} and a body that is not JSON: ${text.slice(0, 200)}`, status);
    }
    if (status < 200 || status >= 300) {
      const error = ErrorAnswer.safeParse(json);
      throw new AgentError(`${this.name} refused ${what} with ${status}: ${error.success ? error.data.error : text.slice(0, 200)}`, status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AgentError(`${this.name} answered ${what} unexpectedly: ${describeIssue(parsed.error, "answer")}`, status);
    return parsed.data;
  }
}

/**
 * A link carried by a relay in a link agent. The state getters answer at once what was last asked, as LinkRelay's
 * would after the same calls; the operations reach the agent one after another in call order, each promise resolving
 * when the agent applied it (a failure rejects that promise only: the next operation still goes). `getStats` answers
 * the latest counters: those of the last operation's answer or of the agent's `refreshStats`.
 */
export class RemoteRelay implements LinkCarrier {
  private cutState = false;
  private readonly blocked = new Set<LinkDirection>();
  private shapeState: LinkShape = CLEAN_LINK;
  private stats: RelayStats = ZERO_STATS;
  /** The operations in flight, in call order; never rejects. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private closed = false;

  /** Use AgentClient.openRelay. */
  constructor(
    readonly agent: AgentClient,
    readonly port: number,
  ) {}

  get isCut(): boolean {
    return this.cutState;
  }

  get blockedDirections(): readonly LinkDirection[] {
    return LINK_DIRECTIONS.filter((d) => this.blocked.has(d));
  }

  get currentShape(): LinkShape {
    return this.shapeState;
  }

  cut(): Promise<void> {
    this.cutState = true;
    return this.send({ op: "cut" }, () => undefined, undefined);
  }

  cutOneWay(direction: LinkDirection): Promise<void> {
    if (!LINK_DIRECTIONS.includes(direction)) {
      throw new RangeError(`invalid direction ${JSON.stringify(direction)}: expected "toTarget" or "fromTarget"`);
    }
    this.blocked.add(direction);
    return this.send({ op: "cut-one-way", direction }, () => undefined, undefined);
  }

  /** Undoes cut and every one-way cut. */
  restore(): Promise<void> {
    this.cutState = false;
    this.blocked.clear();
    return this.send({ op: "restore" }, () => undefined, undefined);
  }

  /** Resolves with the number of connections the agent aborted. */
  reset(): Promise<number> {
    return this.send({ op: "reset" }, (state) => state.aborted, 0);
  }

  shape(shape: LinkShape): Promise<void> {
    const wire = {
      delayMs: shape.delayMs,
      jitterMs: shape.jitterMs,
      loss: shape.loss,
      ...(shape.bandwidthBytesPerSec === undefined ? {} : { bandwidthBytesPerSec: shape.bandwidthBytesPerSec }),
    };
    const parsed = LinkShapeSchema.safeParse(wire);
    if (!parsed.success) throw new RangeError(`invalid link shape ${JSON.stringify(shape)}: ${describeIssue(parsed.error, "shape")}`);
    this.shapeState = { ...shape };
    return this.send({ op: "shape", shape: parsed.data }, () => undefined, undefined);
  }

  retarget(target: RelayTarget): Promise<void> {
    return this.send({ op: "retarget", target: { host: target.host, port: target.port } }, () => undefined, undefined);
  }

  getStats(): RelayStats {
    return this.stats;
  }

  /** For AgentClient.refreshStats. */
  noteStats(stats: RelayStats): void {
    this.stats = stats;
  }

  /** After the operations called before it: deletes the relay (one the agent no longer has counts as closed). */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.queue.then(async () => {
        this.closed = true;
        const closed = await this.agent.closeRelay(this.port);
        if (closed) this.stats = closed.stats;
      });
      this.queue = this.closing.catch(() => undefined);
    }
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Queues one operation behind the others. The returned promise is marked handled (the queue holds a handler), so a
   * caller that drops it does not crash the process with an unhandled rejection; the failure is logged instead.
   */
  private send<T>(operation: RelayOperation, answer: (state: RelayState) => T, afterClose: T): Promise<T> {
    const done = this.queue.then(async () => {
      // Like LinkRelay after close: the call changes nothing that still carries bytes.
      if (this.closed) return afterClose;
      const state = await this.agent.operateRelay(this.port, operation);
      this.stats = state.stats;
      return answer(state);
    });
    this.queue = done.catch((error: Error) => this.agent.noteFailure(`relay ${this.port}: ${operation.op} failed: ${error.message}`));
    return done;
  }
}
