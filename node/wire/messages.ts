/**
 * The messages of wire protocol sumnet/1 (see PROTOCOL.md). Each schema is the type and the documentation of one
 * message; a frame is parsed here once, and the core trusts what comes out.
 */
import { z } from "zod";

export const PROTOCOL = "sumnet/1";

/** Limits, also stated in PROTOCOL.md. */
export const MAX_FRAME_BYTES = 1024 * 1024;
export { MAX_VALUE_DIGITS } from "../../contract/http-api.js";
import { MAX_VALUE_DIGITS } from "../../contract/http-api.js";

/** A decimal integer of any size and sign, as a string: `-?[0-9]{1,1000}`. */
export const DecimalString = z
  .string()
  .regex(new RegExp(`^-?[0-9]{1,${MAX_VALUE_DIGITS}}$`), `a decimal integer string of 1 to ${MAX_VALUE_DIGITS} digits`);

/** A peer's name: what NODE_ID allows, plus room for the long hex ids that p2pnetwork picks by default. */
export const NodeName = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, "letters, digits, '.', '_' or '-' (1 to 128)");

/** The writer of a number: `<node>@<incarnation>`. Only that writer assigns sequence numbers under it. */
export const Origin = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}@[A-Za-z0-9._-]{1,64}$/, "an origin '<node>@<incarnation>'");

export const Seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Inclusive ranges of sequence numbers, e.g. [[1,5],[7,7]]. */
export const SeqRangeList = z.array(z.tuple([Seq, Seq]).refine(([lo, hi]) => lo <= hi, "a range [lo, hi] with lo <= hi"));

/**
 * Extensions an acceptor may offer in its hello; a dialer that wants one answers with `upgrade`. A link uses an
 * extension only once it is offered and taken; otherwise it keeps to plain sumnet/1 (push every number, full
 * digests), so peers that know no extension still join. The dialer's hello stays plain (p2pnetwork-style acceptors
 * see exactly the sumnet/1 hello).
 */
export const TREE_EXTENSION = "tree/1";
/**
 * Offered and taken only together with tree/1: the two sides of a tree link tell each other how deep the tree behind
 * them is (`depth`) and measure the link's delay (`ping`, `pong`), so that a peer may gather longer for a shallow
 * branch of the tree without delaying a number's last arrival (PROTOCOL.md, section 9).
 */
export const DEPTH_EXTENSION = "depth/1";
/**
 * The most hops a `depth` message may carry. A peer that would say this many says null (it does not know): eager links
 * that close a cycle count up around it until they reach it, and every tree this protocol serves is shallower.
 */
export const MAX_DEPTH_HOPS = 32;

/** Sent first by each side once a link is up: who it is, which protocol it speaks, which extensions it offers. */
export const HelloMessage = z.object({
  type: z.literal("hello"),
  protocol: z.string().max(64),
  node: NodeName,
  /** Acceptor only, optional (sumnet/1 peers omit it); unknown names are ignored. */
  extensions: z.array(z.string().max(64)).max(32).optional(),
});

/** Dialer only, after the acceptor's hello: the offered extensions it takes. Sent only to an acceptor that offered. */
export const UpgradeMessage = z.object({
  type: z.literal("upgrade"),
  extensions: z.array(z.string().max(64)).max(32),
});

/** What the sender knows: for each origin, the sequence numbers it holds. The receiver answers with what it lacks. */
export const DigestMessage = z.object({
  type: z.literal("digest"),
  have: z.record(Origin, SeqRangeList),
});

/** Numbers pushed or sent in answer to a digest. */
export const WireNumber = z.object({ origin: Origin, seq: Seq, value: DecimalString });
export const NumbersMessage = z.object({
  type: z.literal("numbers"),
  numbers: z.array(WireNumber).max(100_000),
  /**
   * tree/1 only: true when the numbers answer a digest or a graft rather than being an eager push. A repair that
   * brings duplicates says nothing about the shape of the tree, so it never prunes the link.
   */
  repair: z.literal(true).optional(),
});

/** tree/1: "I received these from elsewhere; stop pushing to me eagerly on this link, announce instead". */
export const PruneMessage = z.object({ type: z.literal("prune") });

/** tree/1: numbers the sender learned recently, announced on a lazy link (Plumtree's IHAVE). */
export const IHaveMessage = z.object({ type: z.literal("ihave"), have: z.record(Origin, SeqRangeList) });

/**
 * tree/1: "push to me eagerly on this link again, and send me these now" (Plumtree's GRAFT). With `pull`, only "send
 * me these now": the link stays lazy (the tree is probably whole, only slower than the announcement).
 */
export const GraftMessage = z.object({
  type: z.literal("graft"),
  want: z.record(Origin, SeqRangeList),
  pull: z.literal(true).optional(),
});

/**
 * tree/1 anti-entropy: a summary of everything the sender holds, of constant size whatever the number of origins.
 * `hash` is the sum, per 32-bit lane, of a hash of every (origin, seq) held (16 lowercase hex digits). A receiver
 * whose own count and hash differ answers with its full digest.
 */
export const SummaryMessage = z.object({
  type: z.literal("summary"),
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  hash: z.string().regex(/^[0-9a-f]{16}$/, "16 lowercase hex digits"),
});

/**
 * depth/1: "the farthest peer that hears from me through my eager links other than this one is `hops` links away"
 * (0 when this link is my only eager link; null when I do not know, as behind a link that does not speak depth/1).
 * Sent when that changes.
 */
export const DepthMessage = z.object({
  type: z.literal("depth"),
  hops: z.number().int().min(0).max(MAX_DEPTH_HOPS).nullable(),
});

/** depth/1: asks for a `pong` carrying the same `t` (the sender's clock, in ms), to measure the link's round trip. */
export const PingMessage = z.object({ type: z.literal("ping"), t: z.number().finite().min(0) });
export const PongMessage = z.object({ type: z.literal("pong"), t: z.number().finite().min(0) });

export const WireMessage = z.discriminatedUnion("type", [
  HelloMessage,
  UpgradeMessage,
  DigestMessage,
  NumbersMessage,
  PruneMessage,
  IHaveMessage,
  GraftMessage,
  SummaryMessage,
  DepthMessage,
  PingMessage,
  PongMessage,
]);

export type HelloMessage = z.infer<typeof HelloMessage>;
export type DigestMessage = z.infer<typeof DigestMessage>;
export type NumbersMessage = z.infer<typeof NumbersMessage>;
export type WireNumber = z.infer<typeof WireNumber>;
export type WireMessage = z.infer<typeof WireMessage>;

export const MESSAGE_TYPES = [
  "hello",
  "upgrade",
  "digest",
  "numbers",
  "prune",
  "ihave",
  "graft",
  "summary",
  "depth",
  "ping",
  "pong",
] as const;
