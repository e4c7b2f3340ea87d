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

/** Sent first by each side once a link is up: who it is and which protocol it speaks. */
export const HelloMessage = z.object({
  type: z.literal("hello"),
  protocol: z.string().max(64),
  node: NodeName,
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
});

export const WireMessage = z.discriminatedUnion("type", [HelloMessage, DigestMessage, NumbersMessage]);

export type HelloMessage = z.infer<typeof HelloMessage>;
export type DigestMessage = z.infer<typeof DigestMessage>;
export type NumbersMessage = z.infer<typeof NumbersMessage>;
export type WireNumber = z.infer<typeof WireNumber>;
export type WireMessage = z.infer<typeof WireMessage>;

export const MESSAGE_TYPES = ["hello", "digest", "numbers"] as const;
