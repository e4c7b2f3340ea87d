/**
 * Framing of p2pnetwork 1.2, without I/O: the handshake texts, and messages as compact UTF-8 JSON each followed by one
 * 0x04 byte. The decoders take bytes as they arrive and give whole parsed messages (on a legacy link, frame texts),
 * or the reason they must stop.
 */
import { MAX_FRAME_BYTES, MESSAGE_TYPES, WireMessage } from "./messages.js";

export const EOT = 0x04;

export type RejectReason = "oversize" | "utf8" | "json" | "unknown_type" | "schema";

export class FrameRejected extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

export function encodeFrame(message: WireMessage): Buffer {
  const json = Buffer.from(JSON.stringify(message), "utf8");
  const frame = Buffer.allocUnsafe(json.length + 1);
  json.copy(frame);
  frame[json.length] = EOT;
  return frame;
}

/** Frames for a legacy p2pnetwork link: each value as bare decimal text and one 0x04 (`57\x04`), nothing else. */
export function encodeLegacyFrames(values: readonly string[]): Buffer {
  return Buffer.from(values.map((v) => `${v}\x04`).join(""), "utf8");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses one frame's payload (without the 0x04) into a message, or throws FrameRejected. */
export function parseFrame(payload: Uint8Array): WireMessage {
  if (payload.length > MAX_FRAME_BYTES) throw oversize(payload.length);
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new FrameRejected("utf8", "frame is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FrameRejected("json", `frame is not JSON: ${preview(text)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FrameRejected("schema", `frame is not a JSON object: ${preview(text)}`);
  }
  const type = (json as { type?: unknown }).type;
  if (typeof type !== "string" || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new FrameRejected(
      "unknown_type",
      `unknown message type ${JSON.stringify(type) ?? "(none)"}, expected one of ${MESSAGE_TYPES.join(", ")}`,
    );
  }
  const parsed = WireMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join(".") : "(message)";
    throw new FrameRejected("schema", `invalid ${type} message at ${where}: ${issue.message}`);
  }
  return parsed.data;
}

function preview(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return JSON.stringify(shown);
}

/** What one chunk of the stream completed: the messages, in order, and the reason to stop if a frame was bad. */
export interface Decoded {
  readonly messages: WireMessage[];
  /** Set when the stream must be closed; messages before the bad frame are still good. */
  readonly error?: FrameRejected;
}

/** Splits a byte stream at 0x04 into raw payloads. Holds at most MAX_FRAME_BYTES of an unfinished frame. */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private pending = 0;

  /** The payloads this chunk completed, in order; `error` (oversize) once the stream must be closed. */
  push(chunk: Buffer): { payloads: Buffer[]; error?: FrameRejected } {
    const payloads: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(EOT, start);
      if (end === -1) break;
      const part = chunk.subarray(start, end);
      const payload = this.chunks.length ? Buffer.concat([...this.chunks, part]) : part;
      this.chunks = [];
      this.pending = 0;
      start = end + 1;
      if (payload.length > MAX_FRAME_BYTES) return { payloads, error: oversize(payload.length) };
      payloads.push(payload);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending += rest.length;
      if (this.pending > MAX_FRAME_BYTES) {
        return { payloads, error: new FrameRejected("oversize", `frame is over the limit of ${MAX_FRAME_BYTES} bytes`) };
      }
      this.chunks.push(Buffer.from(rest));
    }
    return { payloads };
  }
}

function oversize(bytes: number): FrameRejected {
  return new FrameRejected("oversize", `frame of ${bytes} bytes is over the limit of ${MAX_FRAME_BYTES}`);
}

/** Splits a byte stream into frames and parses each as a sumnet/1 message. */
export class FrameDecoder {
  private readonly splitter = new FrameSplitter();

  push(chunk: Buffer): Decoded {
    const { payloads, error } = this.splitter.push(chunk);
    const messages: WireMessage[] = [];
    for (const payload of payloads) {
      const parsed = tryParseFrame(payload);
      if (parsed instanceof FrameRejected) return { messages, error: parsed };
      messages.push(parsed);
    }
    return error ? { messages, error } : { messages };
  }
}

function tryParseFrame(payload: Uint8Array): WireMessage | FrameRejected {
  try {
    return parseFrame(payload);
  } catch (err) {
    if (err instanceof FrameRejected) return err;
    throw err;
  }
}

/** One frame of a peer link: a sumnet/1 message, or the text of a frame on a legacy p2pnetwork link. */
export type LinkFrame =
  | { readonly kind: "message"; readonly message: WireMessage }
  | { readonly kind: "legacy"; readonly text: string };

/**
 * The decoder of one peer link. The first frame decides what the link is: a sumnet `hello` makes it a sumnet link,
 * whose frames must all be valid sumnet/1 messages (the first bad one closes it); anything else makes it a legacy
 * p2pnetwork link (PROTOCOL.md, "Legacy p2pnetwork links"), whose frames come up as text, to be judged one by one.
 * On both, a frame over 1 MiB closes the link; on a legacy link so does a frame that is not UTF-8, which p2pnetwork
 * itself cannot decode (and which is how a stream of binary garbage is cut off).
 */
export class LinkFrameDecoder {
  private readonly splitter = new FrameSplitter();
  private mode: "first" | "sumnet" | "legacy" = "first";

  get isLegacy(): boolean {
    return this.mode === "legacy";
  }

  /** Takes the link as legacy before any frame decided it; false if a first frame already made it a sumnet link. */
  markLegacy(): boolean {
    if (this.mode === "sumnet") return false;
    this.mode = "legacy";
    return true;
  }

  push(chunk: Buffer): { frames: LinkFrame[]; error?: FrameRejected } {
    const { payloads, error } = this.splitter.push(chunk);
    const frames: LinkFrame[] = [];
    for (const payload of payloads) {
      if (this.mode === "first") this.mode = isHelloFrame(payload) ? "sumnet" : "legacy";
      if (this.mode === "sumnet") {
        const parsed = tryParseFrame(payload);
        if (parsed instanceof FrameRejected) return { frames, error: parsed };
        frames.push({ kind: "message", message: parsed });
        continue;
      }
      let text: string;
      try {
        text = utf8.decode(payload);
      } catch {
        return { frames, error: new FrameRejected("utf8", "frame on a legacy link is not valid UTF-8") };
      }
      frames.push({ kind: "legacy", text });
    }
    return error ? { frames, error } : { frames };
  }
}

/** Whether a payload is a JSON object whose `type` is "hello" (valid or not: a bad hello still closes its link). */
export function isHelloFrame(payload: Uint8Array): boolean {
  try {
    const json: unknown = JSON.parse(utf8.decode(payload));
    return typeof json === "object" && json !== null && (json as { type?: unknown }).type === "hello";
  } catch {
    return false;
  }
}

/** The dialer's handshake `<id>:<port>`, as p2pnetwork sends it. */
export function encodeDialerHandshake(id: string, port: number): Buffer {
  return Buffer.from(`${id}:${port}`, "utf8");
}

const DIALER_HANDSHAKE = /^([^\s:\x00-\x1f\x04]{1,256}):([0-9]{1,5})$/;
const ACCEPTOR_HANDSHAKE = /^[^\s:\x00-\x1f\x04]{1,256}$/;

export type HandshakeResult = { ok: true; id: string; port?: number } | { ok: false; error: string };

export function parseDialerHandshake(bytes: Buffer): HandshakeResult {
  const text = decodeHandshake(bytes);
  if (typeof text !== "string") return text;
  const m = DIALER_HANDSHAKE.exec(text);
  if (!m) return { ok: false, error: `handshake ${preview(text)} is not '<id>:<port>'` };
  const port = Number(m[2]);
  if (port > 65535) return { ok: false, error: `handshake port ${port} is over 65535` };
  return { ok: true, id: m[1]!, port };
}

export function parseAcceptorHandshake(bytes: Buffer): HandshakeResult {
  const text = decodeHandshake(bytes);
  if (typeof text !== "string") return text;
  if (!ACCEPTOR_HANDSHAKE.test(text)) return { ok: false, error: `handshake ${preview(text)} is not an id` };
  return { ok: true, id: text };
}

function decodeHandshake(bytes: Buffer): string | { ok: false; error: string } {
  try {
    return utf8.decode(bytes);
  } catch {
    return { ok: false, error: "handshake is not valid UTF-8" };
  }
}
