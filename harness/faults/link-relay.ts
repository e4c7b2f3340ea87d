/**
 * A harness-controlled TCP relay for one link: the dialing node connects to the relay (its PEERS points here) and the
 * relay forwards both directions to the target node's P2P port. Faults are applied here, outside the peer, with no
 * root and no kernel support:
 *
 * - cut: live connections are destroyed and new ones are accepted and closed at once, until restore;
 * - one-way cut (`cutOneWay("toTarget" | "fromTarget")`), modelled as TCP experiences a one-way partition: live
 *   connections stay open, and no byte crosses in the blocked direction while the other direction flows. The blocked
 *   bytes are held, never dropped: TCP retransmits unacknowledged segments, so a stream never has a hole, and when the
 *   link heals (restore) the held bytes arrive in order, unless an endpoint gave up on the connection first. The relay
 *   stops reading the blocked side, so its sender meets backpressure (its writes buffer, as with a full TCP window).
 *   A connection opened during a one-way cut cannot complete a TCP handshake (the SYN or the SYN-ACK is lost): the
 *   dialer's connection is held silent, without reaching the target, until restore, like a SYN being retried;
 * - delay and jitter: every chunk is delivered at max(previous delivery, now + delay ± jitter), so the byte order of a
 *   connection is preserved (TCP never reorders);
 * - loss, modelled as TCP experiences it: a lost segment is retransmitted after a timeout, so the chunk and everything
 *   behind it on that connection are held for `rtoMs` (~200 ms). Bytes are never dropped or corrupted;
 * - bandwidth: a token bucket per direction and connection serialises bytes at `bandwidthBytesPerSec` (in pieces of
 *   1/50 s of bandwidth, so delivery is smooth), before delay, jitter and loss are added;
 * - reset: every live connection is aborted with a TCP RST on both sides; new connections are accepted as before.
 *
 * Statistics count, per direction, the bytes and the 0x04-terminated frames (p2pnetwork framing) that crossed.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { CLEAN_LINK, type LinkShape } from "../network/spec.js";
import { seededRandom, type SeededRandom } from "../base/seeded-random.js";

/** A direction of a link, named by its nodes: dialer -> target, or target -> dialer. */
export type LinkDirection = "toTarget" | "fromTarget";

export const LINK_DIRECTIONS: readonly LinkDirection[] = ["toTarget", "fromTarget"];

export interface RelayTarget {
  readonly host: string;
  readonly port: number;
}

export interface LinkRelayOptions {
  readonly target: RelayTarget;
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** Listen port (default 0: any free port). */
  readonly port?: number;
  /** Randomness for jitter and loss (default: seed 1). */
  readonly random?: SeededRandom;
  /** Retransmission timeout charged for a lost chunk (default 200 ms). */
  readonly rtoMs?: number;
  /**
   * While the target does not listen (a node still starting or restarting), keep the dialer's connection open and
   * retry the target every 50 ms for up to this long, like TCP retransmitting a SYN, instead of refusing at once
   * (which would push the dialer into its redial backoff). Default 4500 ms (the reference peer gives up a handshake
   * after 5 s); 0 refuses at once.
   */
  readonly holdMs?: number;
}

/** What crossed one direction of the link since the relay started. */
export interface DirectionStats {
  /** Bytes delivered. */
  readonly bytes: number;
  /** 0x04 bytes delivered: the frames of p2pnetwork's framing that crossed (the handshake has none). */
  readonly frames: number;
}

export interface RelayStats {
  /** Connections accepted and forwarded since start. */
  readonly connections: number;
  /** Connections refused because the link was cut or the target was unreachable. */
  readonly refused: number;
  /** Currently open connections (forwarded, or held while the target starts or a one-way cut lasts). */
  readonly open: number;
  /** Connections aborted with RST by `reset()`. */
  readonly resets: number;
  /** Dialer -> target. */
  readonly toTarget: DirectionStats;
  /** Target -> dialer. */
  readonly fromTarget: DirectionStats;
  /** Chunks that were charged a retransmission delay. */
  readonly lostChunks: number;
}

interface LiveConnection {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
  /** Connect to the target (set while the connection waits for a one-way cut to end). */
  connect: (() => void) | undefined;
  directions: readonly ShapedDirection[];
}

interface Queued {
  readonly chunk: Buffer;
  /** Delivery time; NaN while the direction is blocked (scheduled when it is released). */
  at: number;
}

/** Pieces of a rate-limited stream carry 1/50 s of bandwidth each (at most 16 KiB). */
const PIECES_PER_SECOND = 50;
const MAX_PIECE_BYTES = 16 * 1024;
/** Stop reading the sender once this much waits in a direction's queue (unlimited links: 4 MiB, like a TCP window). */
const UNLIMITED_HIGH_WATER = 4 * 1024 * 1024;
/** Rate-limited links queue about 1/4 s of bandwidth (at least 16 KiB) before the sender feels backpressure. */
const MIN_RATE_HIGH_WATER = 16 * 1024;

/**
 * One direction of one connection: delivers chunks in order, each no earlier than its scheduled time, and none while
 * the direction is blocked.
 */
class ShapedDirection {
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private lastAt = 0;
  /** Token bucket of the bandwidth limit, as the time its next piece may start (GCRA). */
  private bucketFreeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private waitingForDrain = false;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly relay: LinkRelay,
    readonly direction: LinkDirection,
  ) {
    src.on("data", (chunk: Buffer) => this.push(chunk));
    src.on("end", () => {
      this.ended = true;
      this.drain();
    });
  }

  private push(chunk: Buffer): void {
    const shape = this.relay.currentShape;
    const rate = shape.bandwidthBytesPerSec ?? 0;
    const blocked = this.relay.isBlocked(this.direction);
    if (this.queue.length === 0 && !blocked && isClean(shape)) {
      this.write(chunk);
      return;
    }
    const pieceBytes = rate > 0 ? Math.max(1, Math.min(MAX_PIECE_BYTES, Math.floor(rate / PIECES_PER_SECOND))) : chunk.length;
    for (let i = 0; i < chunk.length; i += pieceBytes) {
      const piece: Queued = { chunk: chunk.subarray(i, i + pieceBytes), at: Number.NaN };
      if (!blocked) this.schedule(piece, performance.now());
      this.queue.push(piece);
      this.queuedBytes += piece.chunk.length;
    }
    this.drain();
  }

  /** Delivery time of a piece entering the link now: bandwidth first, then delay, jitter and loss; never reordered. */
  private schedule(piece: Queued, now: number, again = false): void {
    const shape = this.relay.currentShape;
    const rate = shape.bandwidthBytesPerSec ?? 0;
    let at = now;
    if (rate > 0) {
      at = Math.max(this.bucketFreeAt, now);
      this.bucketFreeAt = at + (piece.chunk.length * 1000) / rate;
    }
    at += shape.delayMs;
    if (shape.jitterMs > 0) at += (this.relay.random.next() * 2 - 1) * shape.jitterMs;
    if (shape.loss > 0 && this.relay.random.next() < shape.loss) {
      at += this.relay.rtoMs;
      // A piece timed again at a shape change is not lost twice in the stats.
      if (!again) this.relay.noteLoss();
    }
    piece.at = Math.max(at, this.lastAt, now);
    this.lastAt = piece.at;
  }

  private write(chunk: Buffer): void {
    if (this.dst.destroyed) return;
    this.relay.noteDelivered(this.direction, chunk);
    if (!this.dst.write(chunk)) {
      if (!this.waitingForDrain) {
        this.waitingForDrain = true;
        this.dst.once("drain", () => {
          this.waitingForDrain = false;
          this.updateFlow();
        });
      }
      this.updateFlow();
    }
  }

  private drain(): void {
    if (this.timer) return;
    if (this.relay.isBlocked(this.direction)) {
      this.updateFlow();
      return;
    }
    const now = performance.now();
    while (this.queue.length > 0 && (this.queue[0] as Queued).at <= now + 0.5) {
      const piece = this.queue.shift() as Queued;
      this.queuedBytes -= piece.chunk.length;
      this.write(piece.chunk);
    }
    if (this.queue.length > 0) {
      const wait = Math.max(1, (this.queue[0] as Queued).at - now);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, wait);
    } else if (this.ended && !this.dst.destroyed) {
      this.dst.end();
    }
    this.updateFlow();
  }

  /** Read the sender only while its bytes can move on: not blocked, not waiting for the receiver, queue not full. */
  private updateFlow(): void {
    if (this.src.destroyed) return;
    const rate = this.relay.currentShape.bandwidthBytesPerSec ?? 0;
    const highWater = rate > 0 ? Math.max(MIN_RATE_HIGH_WATER, rate / 4) : UNLIMITED_HIGH_WATER;
    const hold = this.waitingForDrain || this.relay.isBlocked(this.direction) || this.queuedBytes > highWater;
    if (hold) this.src.pause();
    else if (this.src.isPaused()) this.src.resume();
  }

  /** The direction was blocked and is open again: what it held enters the link now, in order. */
  release(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = performance.now();
    for (const piece of this.queue) if (Number.isNaN(piece.at)) this.schedule(piece, now);
    this.drain();
  }

  /**
   * The link's shape changed: what waits here enters the link again now, under the new shape, and goes then if that
   * is sooner (a throttle lifted lets what queued behind it flow, as a qdisc's queue drains at its new rate; what is on
   * its way when a link slows keeps its time). As the simulator does (SimNetwork.retime).
   */
  retime(): void {
    if (this.relay.isBlocked(this.direction)) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = performance.now();
    this.lastAt = 0;
    this.bucketFreeAt = 0;
    for (const piece of this.queue) {
      const was = piece.at;
      this.schedule(piece, now, true);
      piece.at = Math.min(was, piece.at);
      this.lastAt = piece.at;
    }
    this.drain();
  }

  /** The direction is blocked now: what is in flight is held (a partition loses segments; TCP will resend them). */
  block(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const piece of this.queue) piece.at = Number.NaN;
    this.lastAt = 0;
    this.bucketFreeAt = 0;
    this.updateFlow();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

function isClean(shape: LinkShape): boolean {
  return shape.delayMs === 0 && shape.jitterMs === 0 && shape.loss === 0 && !(shape.bandwidthBytesPerSec ?? 0);
}

function countFrames(chunk: Buffer): number {
  let frames = 0;
  for (let i = chunk.indexOf(0x04); i !== -1; i = chunk.indexOf(0x04, i + 1)) frames++;
  return frames;
}

export class LinkRelay implements AsyncDisposable {
  private readonly server: net.Server;
  private readonly live = new Set<LiveConnection>();
  private cutState = false;
  private readonly blocked = new Set<LinkDirection>();
  private shapeState: LinkShape = CLEAN_LINK;
  private closed = false;
  private stats = { connections: 0, refused: 0, resets: 0, lostChunks: 0 };
  private readonly crossed: Record<LinkDirection, { bytes: number; frames: number }> = {
    toTarget: { bytes: 0, frames: 0 },
    fromTarget: { bytes: 0, frames: 0 },
  };
  readonly random: SeededRandom;
  readonly rtoMs: number;
  readonly holdMs: number;
  private target: RelayTarget;

  private constructor(options: LinkRelayOptions) {
    this.target = options.target;
    this.random = options.random ?? seededRandom(1);
    this.rtoMs = options.rtoMs ?? 200;
    this.holdMs = options.holdMs ?? 4500;
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Start listening; resolves when the relay accepts connections. */
  static async start(options: LinkRelayOptions): Promise<LinkRelay> {
    const relay = new LinkRelay(options);
    await new Promise<void>((resolve, reject) => {
      relay.server.once("error", reject);
      relay.server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        relay.server.off("error", reject);
        resolve();
      });
    });
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `host:port` to put into the dialer's PEERS. */
  get address(): string {
    const a = this.server.address() as net.AddressInfo;
    return `${a.address}:${a.port}`;
  }

  get isCut(): boolean {
    return this.cutState;
  }

  /** Directions blocked by `cutOneWay` (both: a silent partition that keeps connections open). */
  get blockedDirections(): readonly LinkDirection[] {
    return LINK_DIRECTIONS.filter((d) => this.blocked.has(d));
  }

  isBlocked(direction: LinkDirection): boolean {
    return this.blocked.has(direction);
  }

  get currentShape(): LinkShape {
    return this.shapeState;
  }

  /** Point the relay at another target (existing connections keep theirs). */
  retarget(target: RelayTarget): void {
    this.target = target;
  }

  /** Break live connections and refuse new ones until `restore()`. */
  cut(): void {
    this.cutState = true;
    for (const c of [...this.live]) this.destroy(c);
  }

  /**
   * Let bytes cross in one direction only, until `restore()`: nothing crosses `direction` ("toTarget": dialer ->
   * target; "fromTarget": target -> dialer), live connections stay open and keep what they send held (see the top of
   * this file). Calling it for both directions silences the link without breaking a connection.
   */
  cutOneWay(direction: LinkDirection): void {
    if (!LINK_DIRECTIONS.includes(direction)) {
      throw new RangeError(`invalid direction ${JSON.stringify(direction)}: expected "toTarget" or "fromTarget"`);
    }
    if (this.blocked.has(direction)) return;
    this.blocked.add(direction);
    for (const c of this.live) for (const d of c.directions) if (d.direction === direction) d.block();
  }

  /** Undo `cut()` and `cutOneWay()`: held bytes move on, held connections reach the target. */
  restore(): void {
    this.cutState = false;
    const released = this.blockedDirections;
    this.blocked.clear();
    for (const c of [...this.live]) {
      for (const d of c.directions) if (released.includes(d.direction)) d.release();
      const connect = c.connect;
      c.connect = undefined;
      connect?.();
    }
  }

  /** Abort every live connection with a TCP RST on both sides (a middlebox reset); new connections are still let in. */
  reset(): number {
    let n = 0;
    for (const c of [...this.live]) {
      if (!this.live.delete(c)) continue;
      n++;
      for (const d of c.directions) d.stop();
      abort(c.client);
      if (c.upstream) abort(c.upstream);
    }
    this.stats.resets += n;
    return n;
  }

  shape(shape: LinkShape): void {
    const rate = shape.bandwidthBytesPerSec ?? 0;
    if (!(shape.delayMs >= 0 && shape.jitterMs >= 0 && shape.loss >= 0 && shape.loss < 1 && rate >= 0 && rate < Infinity)) {
      throw new RangeError(
        `invalid link shape ${JSON.stringify(shape)}: need delayMs, jitterMs >= 0, 0 <= loss < 1, finite bandwidthBytesPerSec >= 0`,
      );
    }
    this.shapeState = { ...shape };
    for (const c of this.live) for (const d of c.directions) d.retime();
  }

  clearShape(): void {
    this.shape(CLEAN_LINK);
  }

  noteLoss(): void {
    this.stats.lostChunks++;
  }

  noteDelivered(direction: LinkDirection, chunk: Buffer): void {
    const c = this.crossed[direction];
    c.bytes += chunk.length;
    c.frames += countFrames(chunk);
  }

  getStats(): RelayStats {
    return {
      ...this.stats,
      open: this.live.size,
      toTarget: { ...this.crossed.toTarget },
      fromTarget: { ...this.crossed.fromTarget },
    };
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true);
    if (this.cutState || this.closed) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    client.pause();
    let deadline = 0;
    const entry: LiveConnection = { client, upstream: undefined, connect: undefined, directions: [] };
    this.live.add(entry);
    client.on("error", () => this.destroy(entry));
    client.on("close", () => this.destroy(entry));
    const tryUpstream = (): void => {
      if (!this.live.has(entry)) return;
      const upstream = net.connect({ host: this.target.host, port: this.target.port });
      upstream.setNoDelay(true);
      entry.upstream = upstream;
      let connected = false;
      upstream.once("connect", () => {
        connected = true;
        if (this.cutState || this.closed || !this.live.has(entry)) return this.destroy(entry);
        this.stats.connections++;
        entry.directions = [
          new ShapedDirection(client, upstream, this, "toTarget"),
          new ShapedDirection(upstream, client, this, "fromTarget"),
        ];
        for (const d of entry.directions) if (this.blocked.has(d.direction)) d.block();
        if (!this.blocked.has("toTarget")) client.resume();
      });
      upstream.on("error", () => {});
      upstream.once("close", () => {
        if (connected || !this.live.has(entry)) return this.destroy(entry);
        // The target does not listen (yet): retry until the hold time is over.
        if (performance.now() + 50 < deadline && !this.cutState && !this.closed) {
          setTimeout(tryUpstream, 50);
        } else {
          this.stats.refused++;
          this.destroy(entry);
        }
      });
    };
    const connect = (): void => {
      deadline = performance.now() + this.holdMs;
      tryUpstream();
    };
    // A handshake cannot complete across a one-way partition: wait, silent, for restore().
    if (this.blocked.size > 0) entry.connect = connect;
    else connect();
  }

  private destroy(entry: LiveConnection): void {
    if (!this.live.delete(entry)) return;
    for (const d of entry.directions) d.stop();
    entry.client.destroy();
    entry.upstream?.destroy();
  }

  /** Close the listener and every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.live]) this.destroy(c);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** RST instead of FIN; a socket still connecting is reset once connected (Node's documented behaviour). */
function abort(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
