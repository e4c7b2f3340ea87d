/**
 * Framing of p2pnetwork 1.2, without I/O: the handshake texts, and messages as compact UTF-8 JSON each followed by one
 * 0x04 byte. The decoder takes bytes as they arrive and gives whole parsed messages, or the reason it must stop.
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

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses one frame's payload (without the 0x04) into a message, or throws FrameRejected. */
export function parseFrame(payload: Uint8Array): WireMessage {
  if (payload.length > MAX_FRAME_BYTES) {
    throw new FrameRejected("oversize", `frame of ${payload.length} bytes is over the limit of ${MAX_FRAME_BYTES}`);
  }
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

/** Splits a byte stream into frames. Holds at most MAX_FRAME_BYTES of an unfinished frame. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private pending = 0;

  push(chunk: Buffer): Decoded {
    const messages: WireMessage[] = [];
    let start = 0;
    try {
      for (;;) {
        const end = chunk.indexOf(EOT, start);
        if (end === -1) break;
        const part = chunk.subarray(start, end);
        const payload = this.chunks.length ? Buffer.concat([...this.chunks, part]) : part;
        this.chunks = [];
        this.pending = 0;
        start = end + 1;
        messages.push(parseFrame(payload));
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        this.pending += rest.length;
        if (this.pending > MAX_FRAME_BYTES) {
          throw new FrameRejected("oversize", `frame is over the limit of ${MAX_FRAME_BYTES} bytes`);
        }
        this.chunks.push(Buffer.from(rest));
      }
    } catch (err) {
      if (!(err instanceof FrameRejected)) throw err;
      return { messages, error: err };
    }
    return { messages };
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
