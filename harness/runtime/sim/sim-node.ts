/**
 * One simulated peer: the reference peer's sans-I/O core (node/core/peer-core.ts, the same code node/peer.ts runs) in
 * a shell of virtual time and a simulated disk instead of sockets, timers and files.
 *
 * As the real peer: every start is a new process with a new incarnation (origin `<node>@<incarnation>`), unless its
 * DATA_DIR holds an origin already; NUMBERS are added at every start under the fixed identities `<node>@init`, seq
 * i+1, so restarts count them once; with a DATA_DIR, a number written by a client is on disk before it is
 * acknowledged, numbers learned from links are appended as they come, and everything is recovered at the next start
 * (the "disk" is memory of the simulator that survives stop, kill and restart). Ticks follow `nextWakeAt()`; a graceful
 * stop flushes what waits in a batch, a kill does not. A paused node processes nothing: what reaches it (messages,
 * link changes, its own ticks and timers, control requests) waits, in order, until it is resumed.
 */
import type { LinkId, NumberRecord } from "../../../node/core/replica.js";
import type { OriginIndex } from "../../../node/core/origin-index.js";
import { PeerCore, type Effect } from "../../../node/core/peer-core.js";
import type { PeerConfig } from "../../../node/config.js";
import { createLogger, type LogFields, type Logger } from "../../../node/logger.js";
import type { WireMessage } from "../../../node/wire/messages.js";
import type { NodeClient } from "../../../contract/node-client.js";
import { ControlError, type TotalAnswer } from "../../../contract/peer-client.js";
import {
  parsePostNumbers,
  postNumbersBody,
  type HealthResponse,
  type LinkReport,
  type StateResponse,
} from "../../../contract/http-api.js";
import type { SeededRandom } from "../../base/seeded-random.js";
import type { ScheduledEvent, VirtualClock } from "./virtual-clock.js";

/** What a simulated node needs from the network around it. */
export interface NodeWiring {
  /** Sends `message` on the connection this node knows as `link`. */
  send(link: LinkId, message: WireMessage): void;
  /** Ends the connection `link` (the other side speaks another protocol). */
  close(link: LinkId, reason: string): void;
  /** The node's links as GET /state reports them. */
  linkReports(nodeId: string): LinkReport[];
  /** One index of origins for every peer of the network (a replica then keeps its per-origin state in arrays). */
  readonly origins: OriginIndex;
}

/** The answer of POST /numbers, as the reference peer gives it. */
export interface AddedNumbers {
  readonly node: string;
  readonly numbers: readonly { readonly id: string; readonly origin: string; readonly seq: number; readonly value: string }[];
}

type LogValue = LogFields[string];

interface HeldInput {
  run(): void;
  /** Called instead of `run` when the process ends before it is resumed. */
  drop?(): void;
}

/** One start of the node: what a process holds and loses when it ends. */
export class PeerProcess {
  paused = false;
  stopping = false;
  /** What reached the node while it was paused, in order. */
  held: HeldInput[] = [];
  tick: ScheduledEvent | undefined;
  /** The peer and direction of each link that is up, for the log. */
  readonly links = new Map<LinkId, { readonly peer: string; readonly dir: "out" | "in" }>();

  constructor(
    readonly core: PeerCore,
    readonly config: PeerConfig,
    readonly tickLabel: string,
  ) {}
}

/** The node's DATA_DIR. */
interface Disk {
  origin: string | undefined;
  readonly numbers: NumberRecord[];
}

export class SimNode {
  readonly id: string;
  private proc: PeerProcess | undefined;
  private disk: Disk | undefined;
  private readonly lines: string[] = [];
  /** The peer's own logger, one per LOG_FORMAT and LOG_LEVEL, writing into `lines`. */
  private readonly loggers: Partial<Record<`${PeerConfig["logFormat"]} ${PeerConfig["logLevel"]}`, Logger>> = {};
  private startCount = 0;

  constructor(
    id: string,
    private readonly clock: VirtualClock,
    private readonly random: SeededRandom,
    private readonly wiring: NodeWiring,
  ) {
    this.id = id;
  }

  /** The process now running (or paused), if any: connections belong to one process. */
  get process(): PeerProcess | undefined {
    return this.proc;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  get paused(): boolean {
    return this.proc?.paused ?? false;
  }

  get starts(): number {
    return this.startCount;
  }

  /** Starts a new process with `config` (the reference peer's configuration, parsed from the node's environment). */
  start(config: PeerConfig): void {
    if (this.proc) throw new Error(`node "${this.id}" is already running`);
    this.startCount++;
    this.lines.push(`[sumnet] start #${this.startCount} at ${new Date(this.clock.now()).toISOString()}: the reference peer's core, simulated`);
    const incarnation = this.newIncarnation();
    if (config.dataDir) this.disk ??= { origin: undefined, numbers: [] };
    const disk = config.dataDir ? this.disk : undefined;
    const core = new PeerCore(config, {
      incarnation,
      durable: disk !== undefined,
      // What the disk holds now, as a file read at start would give it: the disk's own array grows later, and the core
      // keeps what it works out about a batch on the batch (explore --runtime sim, seed 77).
      recovered: disk && { origin: disk.origin, numbers: [...disk.numbers] },
      now: this.clock.now(),
      random: () => this.random.next(),
      origins: this.wiring.origins,
    });
    if (disk) disk.origin = core.origin;
    const p = new PeerProcess(core, config, `tick of ${this.id}`);
    this.proc = p;
    this.log(p, "info", "started", {
      origin: core.origin,
      data_dir: config.dataDir ? "(simulated)" : "(none)",
      recovered: core.recovered,
      numbers: config.numbers.length,
      dissemination: config.dissemination,
      batch_ms: config.batchMs,
      sync_ms: config.syncIntervalMs,
    });
    this.apply(p, [core.totalLine(this.clock.now())]);
  }

  /** Graceful stop: whatever waits in a batch is sent (the network then closes the connections after it). */
  stop(): void {
    const p = this.proc;
    if (!p) return;
    this.log(p, "info", "stopping", { signal: "SIGTERM" });
    this.drop(p);
    p.stopping = true;
    this.apply(p, p.core.stop(this.clock.now()));
    for (const link of p.links.values()) this.log(p, "info", "link down", { peer: link.peer, dir: link.dir });
    p.links.clear();
    this.log(p, "info", "stopped");
    this.proc = undefined;
  }

  /** SIGKILL: the process ends now; nothing is flushed. */
  kill(): void {
    const p = this.proc;
    if (!p) return;
    this.drop(p);
    this.log(p, "warn", "killed", { signal: "SIGKILL" });
    this.proc = undefined;
  }

  pause(): void {
    const p = this.proc;
    if (!p || p.paused) return;
    this.log(p, "info", "paused", { signal: "SIGSTOP" });
    p.paused = true;
    this.clock.cancel(p.tick);
    p.tick = undefined;
  }

  resume(): void {
    const p = this.proc;
    if (!p?.paused) return;
    p.paused = false;
    this.log(p, "info", "resumed", { signal: "SIGCONT", held: p.held.length });
    const held = p.held;
    p.held = [];
    for (const input of held) input.run();
    this.scheduleTick(p);
  }

  // --- inputs from the network (ignored unless `p` is the process now running) ----------------------------------

  linkUp(p: PeerProcess, link: LinkId, peer: string, role: "dialer" | "acceptor"): void {
    if (!this.ready(p)) return this.hold(p, () => this.linkUp(p, link, peer, role));
    const dir = role === "dialer" ? "out" : "in";
    p.links.set(link, { peer, dir });
    this.log(p, "info", "link up", { peer, dir });
    this.apply(p, p.core.linkUp(link, peer, role, this.clock.now()));
  }

  receive(p: PeerProcess, link: LinkId, message: WireMessage): void {
    if (!this.ready(p)) return this.hold(p, () => this.receive(p, link, message));
    this.apply(p, p.core.receive(link, message, this.clock.now()));
  }

  linkDown(p: PeerProcess, link: LinkId): void {
    if (!this.ready(p)) return this.hold(p, () => this.linkDown(p, link));
    const known = p.links.get(link);
    if (!known) return;
    p.links.delete(link);
    this.log(p, "info", "link down", { peer: known.peer, dir: known.dir });
    this.apply(p, p.core.linkDown(link, this.clock.now()));
  }

  /** Runs `run` in process `p` now, or at its resume if it is paused; never if `p` has ended (a timer of the process). */
  input(p: PeerProcess, run: () => void): void {
    if (this.ready(p)) run();
    else this.hold(p, run);
  }

  /** Ends the process without a word (the network is disposed): what waited for it fails. */
  discard(): void {
    const p = this.proc;
    if (!p) return;
    this.drop(p);
    this.proc = undefined;
  }

  /** A line in the node's log, for what the network does to it (a failed dial, a closed link). */
  note(level: "info" | "warn", event: string, fields: Record<string, LogValue> = {}): void {
    this.log(this.proc, level, event, fields);
  }

  /** The node's log: every start, in order, one line per event, stamped with virtual time. */
  logText(): string {
    return this.lines.length ? `${this.lines.join("\n")}\n` : "";
  }

  /** The node's control API as direct calls; fails as the HTTP client does against a real peer. */
  client(): NodeClient {
    return {
      addNumbers: (values, timeoutMs) => this.request("POST /numbers", timeoutMs, (p) => this.addNumbers(p, values)),
      total: (timeoutMs) =>
        this.request("GET /total", timeoutMs, (p): TotalAnswer => ({ node: this.id, ...p.core.totalAnswer() })),
      state: (timeoutMs) =>
        this.request(
          "GET /state",
          timeoutMs,
          (p): StateResponse => p.core.state(this.wiring.linkReports(this.id)),
        ),
      health: (timeoutMs) => this.request("GET /health", timeoutMs, (): HealthResponse => ({ status: "ok", node: this.id })),
    };
  }

  // --- internals ----------------------------------------------------------------------------------------------------

  /** True when `p` is the process now running, and not paused. */
  private ready(p: PeerProcess): boolean {
    return p === this.proc && !p.paused;
  }

  /** Keeps `run` for the resume of `p`, if `p` is still the node's process (else it is lost with it). */
  private hold(p: PeerProcess, run: () => void): void {
    if (p === this.proc) p.held.push({ run });
  }

  /**
   * A control request. A node that does not run refuses the connection (nothing was sent); a paused one answers when
   * resumed, or the request times out on the virtual clock (and, as over HTTP, may still take effect at the resume).
   */
  private request<T>(what: string, timeoutMs: number, answer: (p: PeerProcess) => T): Promise<T> {
    const p = this.proc;
    if (!p) return Promise.reject(new ControlError(`did not answer ${what} (ECONNREFUSED)`, undefined, false));
    if (!p.paused) {
      try {
        return Promise.resolve(answer(p));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return new Promise<T>((resolve, reject) => {
      const waiting = new AbortController();
      let settled = false;
      const settle = (result: () => T): void => {
        waiting.abort();
        let value: T;
        try {
          value = result();
        } catch (error) {
          if (!settled) reject(error as Error);
          settled = true;
          return;
        }
        if (!settled) resolve(value);
        settled = true;
      };
      p.held.push({
        run: () => settle(() => answer(p)),
        drop: () =>
          settle(() => {
            throw new ControlError(`did not answer ${what} (UND_ERR_SOCKET)`, undefined, true);
          }),
      });
      void this.clock.sleep(timeoutMs, waiting.signal).then(() => {
        if (settled) return;
        settled = true;
        reject(new ControlError(`did not answer ${what} (timed out)`, undefined, true, true));
      });
    });
  }

  private addNumbers(p: PeerProcess, values: readonly (string | bigint)[]): AddedNumbers {
    // The same body and the same parser as over HTTP, so an invalid value is refused with the same words.
    const parsed = parsePostNumbers(JSON.parse(postNumbersBody(values)));
    if (!parsed.ok) throw new ControlError(`rejected POST /numbers with 400: ${parsed.error}`, 400);
    const records = p.core.allocate(parsed.values);
    // Durable before acknowledged, and before anything is sent.
    if (this.disk && p.config.dataDir) for (const r of records) this.disk.numbers.push(r);
    const { effects, added } = p.core.commit(records, this.clock.now());
    this.apply(p, effects);
    return { node: this.id, numbers: added };
  }

  private apply(p: PeerProcess, effects: readonly Effect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "send":
          this.wiring.send(e.link, e.message);
          break;
        case "persist":
          if (this.disk) for (const r of e.numbers) this.disk.numbers.push(r);
          break;
        case "learned":
          break;
        case "close":
          this.log(p, "warn", "link closed", { peer: p.links.get(e.link)?.peer, reason: e.reason });
          this.wiring.close(e.link, e.reason);
          break;
        case "log":
          this.log(p, e.level, e.event, e.fields);
          break;
      }
    }
    this.scheduleTick(p);
  }

  private scheduleTick(p: PeerProcess): void {
    if (p !== this.proc || p.paused || p.stopping) return;
    const at = p.core.nextWakeAt();
    if (p.tick && p.tick.at <= at) return;
    this.clock.cancel(p.tick);
    p.tick = at === Infinity ? undefined : this.clock.schedule(at, () => this.tick(p), p.tickLabel);
  }

  private tick(p: PeerProcess): void {
    p.tick = undefined;
    if (p !== this.proc || p.paused) return;
    this.apply(p, p.core.tick(this.clock.now()));
  }

  /** Ends what waited for a paused process that now stops (its control requests see the connection reset). */
  private drop(p: PeerProcess): void {
    const held = p.held;
    p.held = [];
    p.paused = false;
    this.clock.cancel(p.tick);
    p.tick = undefined;
    for (const input of held) input.drop?.();
  }

  /** A fresh incarnation, drawn from the seeded randomness (and unique per start, as the real peer's time-based one). */
  private newIncarnation(): string {
    return `${this.startCount.toString(36).padStart(8, "0")}${this.random.int(0, 0xffffff).toString(16).padStart(6, "0")}`;
  }

  /**
   * One line as the reference peer writes it (its own logger, LOG_FORMAT text or json), with the virtual time as an ISO
   * date counted from the epoch (1970-01-01).
   */
  private log(p: PeerProcess | undefined, level: "debug" | "info" | "warn", event: string, fields: Record<string, LogValue> = {}): void {
    const format = p?.config.logFormat ?? "text";
    const logLevel = p?.config.logLevel ?? "info";
    const logger = (this.loggers[`${format} ${logLevel}`] ??= createLogger({
      node: this.id,
      format,
      level: logLevel,
      write: (line) => this.lines.push(line),
      now: () => this.clock.now(),
    }));
    logger[level](event, fields);
  }
}
