/**
 * The TCP adapter: accepts and dials peer links, runs p2pnetwork's handshake, frames messages, redials with capped
 * exponential backoff. It knows nothing of numbers: complete messages go up through `events`, messages come down
 * through `send`.
 */
import net from "node:net";
import type { PeerAddress } from "../config.js";
import type { Logger } from "../logger.js";
import type { PeerMetrics } from "./metrics.js";
import {
  LinkFrameDecoder,
  encodeDialerHandshake,
  encodeFrame,
  encodeLegacyFrames,
  parseAcceptorHandshake,
  parseDialerHandshake,
  type HandshakeResult,
} from "../wire/frames.js";
import type { WireMessage } from "../wire/messages.js";
import type { Redials } from "../core/redial.js";

export const HANDSHAKE_TIMEOUT_MS = 5000;
/** A peer that stops reading must not make this one buffer without end: past this, its link is closed. */
export const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

export type Direction = "in" | "out";
/** A sumnet/1 link, or a legacy p2pnetwork link (PROTOCOL.md, "Legacy p2pnetwork links"). */
export type LinkKind = "sumnet" | "legacy";

export interface LinkView {
  peer: string | null;
  address: string;
  direction: Direction;
  kind: LinkKind;
  state: "up" | "down";
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface LinkEvents {
  up(link: number, peer: string, direction: Direction): void;
  message(link: number, message: WireMessage): void;
  /** A frame on a legacy link (the first one made it legacy, unless `markLegacy` did), as text. */
  legacy(link: number, text: string): void;
  down(link: number): void;
}

interface Link {
  readonly id: number;
  readonly socket: net.Socket;
  readonly direction: Direction;
  readonly address: string;
  peer: string | null;
  kind: LinkKind;
  decoder: LinkFrameDecoder | undefined;
  up: boolean;
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

interface Dialer {
  readonly target: PeerAddress;
  /** The target as the redial policy knows it: `host:port`. */
  readonly key: string;
  link: Link | undefined;
  lastPeer: string | null;
  lastKind: LinkKind;
  timer: NodeJS.Timeout | undefined;
  self: boolean;
}

export class TcpLinks {
  private server: net.Server | undefined;
  private nextId = 1;
  private readonly links = new Map<number, Link>();
  private readonly dialers: Dialer[] = [];
  /** Peers that dialed in and whose link is down, by peer id: shown as down links until they dial in again. */
  private readonly lostInbound = new Map<string, LinkView>();
  private stopping = false;
  private listenPort = 0;

  constructor(
    private readonly opts: {
      nodeId: string;
      host: string;
      port: number;
      peers: readonly PeerAddress[];
      log: Logger;
      metrics: PeerMetrics;
      events: LinkEvents;
      /** When to dial a target again (the peer core's redial policy, `node/core/redial.ts`). */
      redials: Pick<Redials, "next" | "connected">;
    },
  ) {}

  get port(): number {
    return this.listenPort;
  }

  get upCount(): number {
    let n = 0;
    for (const l of this.links.values()) if (l.up) n++;
    return n;
  }

  async listen(): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.opts.log.error("p2p server error", { error: err.message }));
    this.listenPort = (server.address() as net.AddressInfo).port;
    return this.listenPort;
  }

  startDialing(): void {
    for (const target of this.opts.peers) {
      const dialer: Dialer = {
        target,
        key: `${target.host}:${target.port}`,
        link: undefined,
        lastPeer: null,
        lastKind: "sumnet",
        timer: undefined,
        self: false,
      };
      this.dialers.push(dialer);
      this.dial(dialer);
    }
  }

  send(id: number, message: WireMessage): void {
    const link = this.links.get(id);
    if (!link || !link.up || link.kind === "legacy" || link.socket.destroyed) return;
    if (link.socket.writableLength > MAX_UNSENT_BYTES) {
      this.close(id, `the peer has not read ${link.socket.writableLength} bytes sent to it`);
      return;
    }
    this.write(link, encodeFrame(message));
    link.framesSent++;
    this.opts.metrics.framesSent++;
  }

  /** Bare decimal frames (`57\x04`) on a legacy link; never a sumnet message. */
  sendLegacy(id: number, values: readonly string[]): void {
    const link = this.links.get(id);
    if (!link || !link.up || link.kind !== "legacy" || link.socket.destroyed) return;
    if (link.socket.writableLength > MAX_UNSENT_BYTES) {
      this.close(id, `the legacy peer has not read ${link.socket.writableLength} bytes sent to it`);
      return;
    }
    this.write(link, encodeLegacyFrames(values));
    link.framesSent += values.length;
    this.opts.metrics.framesSent += values.length;
  }

  /** Takes an up link as legacy before any frame arrived on it; false if it is gone or a hello made it sumnet. */
  markLegacy(id: number): boolean {
    const link = this.links.get(id);
    if (!link || !link.up || !link.decoder?.markLegacy()) return false;
    link.kind = "legacy";
    return true;
  }

  close(id: number, reason: string): void {
    const link = this.links.get(id);
    if (!link) return;
    this.opts.log.warn("link closed", { peer: link.peer, addr: link.address, dir: link.direction, reason });
    link.socket.destroy();
  }

  views(): LinkView[] {
    const out: LinkView[] = [];
    for (const d of this.dialers) {
      if (d.self) continue;
      if (d.link && d.link.up) continue;
      out.push({
        peer: d.lastPeer,
        address: `${d.target.host}:${d.target.port}`,
        direction: "out",
        kind: d.lastKind,
        state: "down",
        framesSent: 0,
        framesReceived: 0,
        bytesSent: 0,
        bytesReceived: 0,
      });
    }
    for (const view of this.lostInbound.values()) out.push(view);
    for (const l of this.links.values()) {
      if (!l.up) continue;
      out.push({
        peer: l.peer,
        address: l.address,
        direction: l.direction,
        kind: l.kind,
        state: "up",
        framesSent: l.framesSent,
        framesReceived: l.framesReceived,
        bytesSent: l.bytesSent,
        bytesReceived: l.bytesReceived,
      });
    }
    return out;
  }

  /** Stops accepting, cancels redials and closes every link. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const d of this.dialers) clearTimeout(d.timer);
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const l of this.links.values()) l.socket.end();
    const ends = [...this.links.values()].map(
      (l) => new Promise<void>((resolve) => (l.socket.closed ? resolve() : l.socket.once("close", () => resolve()))),
    );
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 500).unref());
    await Promise.race([Promise.all([closed, ...ends]), timeout]);
    for (const l of this.links.values()) l.socket.destroy();
  }

  private register(socket: net.Socket, direction: Direction, address: string): Link {
    const link: Link = {
      id: this.nextId++,
      socket,
      direction,
      address,
      peer: null,
      kind: "sumnet",
      decoder: undefined,
      up: false,
      framesSent: 0,
      framesReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
    };
    this.links.set(link.id, link);
    socket.setNoDelay(true);
    socket.on("error", () => undefined); // 'close' follows, and is where a link ends
    return link;
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const link = this.register(socket, "in", `${socket.remoteAddress}:${socket.remotePort}`);
    const timer = this.awaitHandshake(link, parseDialerHandshake, (id) => {
      this.write(link, Buffer.from(this.opts.nodeId, "utf8"));
      if (id === this.opts.nodeId) {
        this.opts.log.warn("self link refused", { addr: link.address, dir: "in", reason: "the dialer has this peer's id" });
        socket.end();
        return;
      }
      this.established(link, id);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      this.ended(link);
    });
  }

  private dial(dialer: Dialer): void {
    if (this.stopping) return;
    const { host, port } = dialer.target;
    const socket = net.connect({ host, port });
    const link = this.register(socket, "out", `${host}:${port}`);
    dialer.link = link;
    let timer: NodeJS.Timeout | undefined;
    socket.once("connect", () => {
      this.write(link, encodeDialerHandshake(this.opts.nodeId, this.listenPort));
      timer = this.awaitHandshake(link, parseAcceptorHandshake, (id) => {
        if (id === this.opts.nodeId) {
          dialer.self = true;
          const reason = "the peer there has this peer's id; not redialing it";
          this.opts.log.warn("self link refused", { addr: link.address, dir: "out", reason });
          socket.destroy();
          return;
        }
        this.opts.redials.connected(dialer.key);
        dialer.lastPeer = id;
        this.established(link, id);
      });
    });
    socket.once("close", () => {
      clearTimeout(timer);
      const wasUp = link.up;
      this.ended(link);
      dialer.link = undefined;
      if (wasUp) dialer.lastKind = link.kind;
      if (this.stopping || dialer.self) return;
      const { delayMs: delay, attempt } = this.opts.redials.next(dialer.key);
      if (!wasUp && attempt === 1) {
        this.opts.log.info("dial failed", { addr: link.address, retry_ms: delay });
      }
      dialer.timer = setTimeout(() => this.dial(dialer), delay);
    });
  }

  /**
   * Reads the other side's handshake: its first chunk, as p2pnetwork reads it with one recv. A connection that sends
   * none within HANDSHAKE_TIMEOUT_MS, or a malformed one, is closed and counted. Returns the timer to clear on close.
   */
  private awaitHandshake(
    link: Link,
    parse: (chunk: Buffer) => HandshakeResult,
    accepted: (id: string) => void,
  ): NodeJS.Timeout {
    const fields = { addr: link.address, dir: link.direction };
    const timer = setTimeout(() => {
      this.opts.metrics.reject("handshake");
      this.opts.log.warn("handshake timeout", { ...fields, after_ms: HANDSHAKE_TIMEOUT_MS });
      link.socket.destroy();
    }, HANDSHAKE_TIMEOUT_MS);
    link.socket.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      link.bytesReceived += chunk.length;
      this.opts.metrics.bytesReceived += chunk.length;
      const hs = parse(chunk);
      if (!hs.ok) {
        this.opts.metrics.reject("handshake");
        this.opts.log.warn("handshake rejected", { ...fields, reason: hs.error });
        link.socket.destroy();
        return;
      }
      accepted(hs.id);
    });
    return timer;
  }

  private write(link: Link, bytes: Buffer): void {
    link.socket.write(bytes);
    link.bytesSent += bytes.length;
    this.opts.metrics.bytesSent += bytes.length;
  }

  private established(link: Link, peer: string): void {
    link.peer = peer;
    link.up = true;
    if (link.direction === "in") this.lostInbound.delete(peer);
    const decoder = new LinkFrameDecoder();
    link.decoder = decoder;
    this.opts.log.info("link up", { peer, addr: link.address, dir: link.direction });
    link.socket.on("data", (chunk: Buffer) => {
      if (!link.up) return;
      link.bytesReceived += chunk.length;
      this.opts.metrics.bytesReceived += chunk.length;
      const { frames, error } = decoder.push(chunk);
      for (const f of frames) {
        if (!link.up) return;
        link.framesReceived++;
        this.opts.metrics.framesReceived++;
        if (f.kind === "message") this.opts.events.message(link.id, f.message);
        else {
          link.kind = "legacy";
          this.opts.events.legacy(link.id, f.text);
        }
      }
      if (error && link.up) {
        this.opts.metrics.reject(error.reason);
        this.opts.log.warn("frame rejected", { peer, addr: link.address, reason: error.reason, detail: error.message });
        this.shut(link);
      }
    });
    this.opts.events.up(link.id, peer, link.direction);
  }

  /** Ends a link at once, telling the replica before any further byte is read. */
  private shut(link: Link): void {
    this.ended(link);
    link.socket.destroy();
  }

  private rememberLostInbound(link: Link): void {
    const peer = link.peer!;
    for (const l of this.links.values()) if (l.up && l.direction === "in" && l.peer === peer) return;
    this.lostInbound.delete(peer);
    this.lostInbound.set(peer, {
      peer,
      address: link.address,
      direction: "in",
      kind: link.kind,
      state: "down",
      framesSent: link.framesSent,
      framesReceived: link.framesReceived,
      bytesSent: link.bytesSent,
      bytesReceived: link.bytesReceived,
    });
    if (this.lostInbound.size > MAX_LOST_INBOUND) this.lostInbound.delete(this.lostInbound.keys().next().value!);
  }

  private ended(link: Link): void {
    if (!this.links.has(link.id)) return;
    this.links.delete(link.id);
    if (link.up) {
      link.up = false;
      if (link.direction === "in" && link.peer && !this.stopping) this.rememberLostInbound(link);
      this.opts.log.info("link down", { peer: link.peer, addr: link.address, dir: link.direction });
      this.opts.events.down(link.id);
    }
  }
}

const MAX_LOST_INBOUND = 256;

