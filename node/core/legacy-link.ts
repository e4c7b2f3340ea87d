/**
 * Legacy p2pnetwork links, as a pure state machine (sans-I/O): what a link to a program built on p2pnetwork 1.2 that
 * does not speak sumnet/1 (the classroom program) brings in, and what must go out on it. PROTOCOL.md, "Legacy
 * p2pnetwork links", states the rules; `node/adapters/legacy-links.ts` wires this to the TCP links, the number log and
 * the replica.
 *
 * - A frame holding just an integer is a new number added at this peer, under an origin of the connection's own
 *   (`<node>@legacy.<incarnation>`, seq counting those frames); any other frame is ignored and counted.
 * - Every number the replica holds is sent once, as a bare decimal frame, when the link becomes legacy, and each new
 *   one as it is learned, except the numbers that came in on that very connection.
 * - A link this peer dialed on which no frame at all arrives within `silenceMs` of its hello becomes legacy (a
 *   classroom node that only listens). An accepted link never does so by silence: see PROTOCOL.md for why.
 */
import type { LinkId, NumberRecord } from "./replica.js";
import { MAX_VALUE_DIGITS } from "../wire/messages.js";

/** How long a link this peer dialed may stay without any frame from the acceptor before it is taken as legacy. */
export const LEGACY_SILENCE_MS = 3000;

/** What one frame of a legacy link holds. */
export type LegacyFrame =
  | { readonly kind: "integer"; readonly value: bigint }
  /** A sumnet hello: the other side speaks sumnet/1, and the link was taken for legacy by mistake (a slow acceptor). */
  | { readonly kind: "hello" }
  | { readonly kind: "other"; readonly why: string };

export type LegacyOutput =
  /** Bare decimal frames to write on the link, in order. */
  | { readonly kind: "send"; readonly link: LinkId; readonly values: readonly string[] }
  /** Numbers that came in on the link: make them durable (DATA_DIR), then add them as numbers written here. */
  | { readonly kind: "add"; readonly link: LinkId; readonly numbers: readonly NumberRecord[] }
  /** A frame that is not a number: log and count it; the link stays open. */
  | { readonly kind: "ignored"; readonly link: LinkId; readonly why: string; readonly frame: string }
  | { readonly kind: "close"; readonly link: LinkId; readonly reason: string };

export interface LegacyLinkView {
  readonly link: LinkId;
  readonly peer: string;
  /** The origin under which this connection's numbers are added. */
  readonly origin: string;
  readonly numbersReceived: number;
  readonly framesIgnored: number;
  readonly numbersSent: number;
}

interface LegacyLinkState {
  readonly peer: string;
  readonly origin: string;
  nextSeq: number;
  numbersReceived: number;
  framesIgnored: number;
  numbersSent: number;
}

const INTEGER = new RegExp(`^[+-]?[0-9]{1,${MAX_VALUE_DIGITS}}$`);
const DIGITS = /^[+-]?[0-9]+$/;
/** JSON's whitespace, which p2pnetwork's json.loads skips around a number. */
const JSON_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const PREVIEW_CHARS = 60;

/** Judges one frame's text as p2pnetwork's receiver would decode it (json.loads, falling back to the text). */
export function classifyLegacyFrame(text: string): LegacyFrame {
  const trimmed = text.replace(JSON_SPACE, "");
  if (INTEGER.test(trimmed)) return { kind: "integer", value: BigInt(trimmed) };
  if (DIGITS.test(trimmed)) {
    const digits = trimmed.replace(/^[+-]/, "").length;
    return { kind: "other", why: `an integer of ${digits} digits, over the limit of ${MAX_VALUE_DIGITS}` };
  }
  if (trimmed === "") return { kind: "other", why: "an empty frame" };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { kind: "other", why: "text that is not an integer" };
  }
  if (typeof json === "number") return { kind: "other", why: "a number that is not an integer" };
  if (typeof json === "boolean") return { kind: "other", why: `the boolean ${json}` };
  if (json === null) return { kind: "other", why: "null" };
  if (typeof json === "string") return { kind: "other", why: "a JSON string" };
  if (Array.isArray(json)) return { kind: "other", why: "a JSON array" };
  if ((json as { type?: unknown }).type === "hello") return { kind: "hello" };
  return { kind: "other", why: "a JSON object" };
}

export class LegacyLinks {
  private readonly links = new Map<LinkId, LegacyLinkState>();
  /** Links this peer dialed that have not heard a frame yet: by when one must arrive, and from whom. */
  private readonly silent = new Map<LinkId, { readonly peer: string; readonly deadline: number }>();
  private readonly silenceMs: number;

  constructor(
    private readonly opts: {
      nodeId: string;
      /** A fresh incarnation for each connection (unique across restarts: time-ordered and random). */
      newIncarnation: () => string;
      silenceMs?: number;
    },
  ) {
    this.silenceMs = opts.silenceMs ?? LEGACY_SILENCE_MS;
  }

  get size(): number {
    return this.links.size;
  }

  isLegacy(link: LinkId): boolean {
    return this.links.has(link);
  }

  /** This peer dialed `link` and sent its hello at `now`: unless a frame arrives, the link turns legacy later. */
  dialed(link: LinkId, peer: string, now: number): number {
    const deadline = now + this.silenceMs;
    this.silent.set(link, { peer, deadline });
    return deadline;
  }

  /** A frame arrived on the link: whatever it was, the link is not silent. */
  heard(link: LinkId): void {
    this.silent.delete(link);
  }

  /** Dialed links silent past their deadline, each once: the caller makes each legacy (`begin`) if it still can. */
  expired(now: number): { link: LinkId; peer: string }[] {
    const out: { link: LinkId; peer: string }[] = [];
    for (const [link, { peer, deadline }] of this.silent) {
      if (deadline > now) continue;
      this.silent.delete(link);
      out.push({ link, peer });
    }
    return out;
  }

  /** The link is legacy from now on: it gets every number held here, once, as bare decimal frames. */
  begin(link: LinkId, peer: string, held: Iterable<NumberRecord>): LegacyOutput[] {
    this.silent.delete(link);
    if (this.links.has(link)) return [];
    const state: LegacyLinkState = {
      peer,
      origin: `${this.opts.nodeId}@legacy.${this.opts.newIncarnation()}`,
      nextSeq: 1,
      numbersReceived: 0,
      framesIgnored: 0,
      numbersSent: 0,
    };
    this.links.set(link, state);
    const values: string[] = [];
    for (const r of held) values.push(r.value.toString());
    return this.send(link, state, values);
  }

  originOf(link: LinkId): string | undefined {
    return this.links.get(link)?.origin;
  }

  peerOf(link: LinkId): string | undefined {
    return this.links.get(link)?.peer;
  }

  /** One frame's text from a legacy link. */
  frame(link: LinkId, text: string): LegacyOutput[] {
    const state = this.links.get(link);
    if (!state) return [];
    const frame = classifyLegacyFrame(text);
    switch (frame.kind) {
      case "integer":
        state.numbersReceived++;
        return [{ kind: "add", link, numbers: [{ origin: state.origin, seq: state.nextSeq++, value: frame.value }] }];
      case "hello":
        return [{ kind: "close", link, reason: "a sumnet hello on a link taken for legacy: the peer speaks sumnet/1" }];
      case "other":
        state.framesIgnored++;
        return [{ kind: "ignored", link, why: frame.why, frame: preview(text) }];
    }
  }

  /** Numbers the replica learned (from anywhere): each goes to every legacy link but the one it came in on. */
  learned(records: readonly NumberRecord[]): LegacyOutput[] {
    const out: LegacyOutput[] = [];
    for (const [link, state] of this.links) {
      const values = records.filter((r) => r.origin !== state.origin).map((r) => r.value.toString());
      out.push(...this.send(link, state, values));
    }
    return out;
  }

  end(link: LinkId): void {
    this.links.delete(link);
    this.silent.delete(link);
  }

  views(): LegacyLinkView[] {
    return [...this.links].map(([link, s]) => ({
      link,
      peer: s.peer,
      origin: s.origin,
      numbersReceived: s.numbersReceived,
      framesIgnored: s.framesIgnored,
      numbersSent: s.numbersSent,
    }));
  }

  private send(link: LinkId, state: LegacyLinkState, values: string[]): LegacyOutput[] {
    if (!values.length) return [];
    state.numbersSent += values.length;
    return [{ kind: "send", link, values }];
  }
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}...` : text;
}
