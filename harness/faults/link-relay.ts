/**
 * A harness-controlled TCP relay for one link: the dialing node connects to the relay (its PEERS points here) and the
 * relay forwards both directions to the target node's P2P port. Faults are applied here, outside the peer, with no
 * root and no kernel support:
 *
 * - cut: live connections are destroyed and new ones are accepted and closed at once, until restore;
 * - delay and jitter: every chunk is delivered at max(previous delivery, now + delay ± jitter), so the byte order of a
 *   connection is preserved (TCP never reorders);
 * - loss, modelled as TCP experiences it: a lost segment is retransmitted after a timeout, so the chunk and everything
 *   behind it on that connection are held for `rtoMs` (~200 ms). Bytes are never dropped or corrupted.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { CLEAN_LINK, type LinkShape } from "../network/spec.js";
import { seededRandom, type SeededRandom } from "../base/seeded-random.js";

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

export interface RelayStats {
  /** Connections accepted and forwarded since start. */
  readonly connections: number;
  /** Connections refused because the link was cut or the target was unreachable. */
  readonly refused: number;
  /** Currently open forwarded connections. */
  readonly open: number;
  /** Bytes delivered dialer -> target and target -> dialer. */
  readonly bytesForward: number;
  readonly bytesBackward: number;
  /** Chunks that were charged a retransmission delay. */
  readonly lostChunks: number;
}

interface LiveConnection {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
  stop: () => void;
}

interface Queued {
  readonly chunk: Buffer;
  readonly at: number;
}

/** One direction of one connection: delivers chunks in order, each no earlier than its scheduled time. */
class ShapedDirection {
  private readonly queue: Queued[] = [];
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly relay: LinkRelay,
    private readonly count: (bytes: number) => void,
  ) {
    src.on("data", (chunk: Buffer) => this.push(chunk));
    src.on("end", () => {
      this.ended = true;
      this.drain();
    });
  }

  private push(chunk: Buffer): void {
    const shape = this.relay.currentShape;
    if (this.queue.length === 0 && shape.delayMs === 0 && shape.jitterMs === 0 && shape.loss === 0) {
      this.write(chunk);
      return;
    }
    const now = performance.now();
    let at = now + shape.delayMs;
    if (shape.jitterMs > 0) at += (this.relay.random.next() * 2 - 1) * shape.jitterMs;
    if (shape.loss > 0 && this.relay.random.next() < shape.loss) {
      at += this.relay.rtoMs;
      this.relay.noteLoss();
    }
    at = Math.max(at, this.lastAt, now);
    this.lastAt = at;
    this.queue.push({ chunk, at });
    this.drain();
  }

  private write(chunk: Buffer): void {
    if (this.dst.destroyed) return;
    this.count(chunk.length);
    if (!this.dst.write(chunk)) {
      this.src.pause();
      this.dst.once("drain", () => this.src.resume());
    }
  }

  private drain(): void {
    if (this.timer) return;
    const now = performance.now();
    while (this.queue.length > 0 && (this.queue[0] as Queued).at <= now + 0.5) {
      this.write((this.queue.shift() as Queued).chunk);
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
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export class LinkRelay implements AsyncDisposable {
  private readonly server: net.Server;
  private readonly live = new Set<LiveConnection>();
  private cutState = false;
  private shapeState: LinkShape = CLEAN_LINK;
  private closed = false;
  private stats = { connections: 0, refused: 0, bytesForward: 0, bytesBackward: 0, lostChunks: 0 };
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

  restore(): void {
    this.cutState = false;
  }

  shape(shape: LinkShape): void {
    if (!(shape.delayMs >= 0 && shape.jitterMs >= 0 && shape.loss >= 0 && shape.loss < 1)) {
      throw new RangeError(`invalid link shape ${JSON.stringify(shape)}: need delayMs, jitterMs >= 0 and 0 <= loss < 1`);
    }
    this.shapeState = { ...shape };
  }

  clearShape(): void {
    this.shapeState = CLEAN_LINK;
  }

  noteLoss(): void {
    this.stats.lostChunks++;
  }

  getStats(): RelayStats {
    return { ...this.stats, open: this.live.size };
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true);
    if (this.cutState || this.closed) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    client.pause();
    const deadline = performance.now() + this.holdMs;
    const entry: LiveConnection = { client, upstream: undefined, stop: () => {} };
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
        const directions = [
          new ShapedDirection(client, upstream, this, (n) => (this.stats.bytesForward += n)),
          new ShapedDirection(upstream, client, this, (n) => (this.stats.bytesBackward += n)),
        ];
        entry.stop = () => directions.forEach((d) => d.stop());
        client.resume();
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
    tryUpstream();
  }

  private destroy(entry: LiveConnection): void {
    if (!this.live.delete(entry)) return;
    entry.stop();
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
