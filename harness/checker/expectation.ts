/**
 * What the checker asks of a node at an expect step, in the terms both its model (model.ts, which works it out from the
 * history) and its verdict (verdict.ts, which holds a node's report against it) use.
 */

/** One number the scenario put into the network. */
export interface InjectedNumber {
  /** Model-internal identity (order of injection). */
  readonly id: number;
  readonly value: bigint;
  /** Node it was injected at (or whose NUMBERS it belongs to). */
  readonly origin: string;
  /** Step index that injected it; -1 for NUMBERS given at start. */
  readonly step: number;
  readonly source: "inject" | "numbers";
  /** When the node it was added at had lost its state before (restarted without DATA_DIR): how, for messages. */
  readonly after?: string | undefined;
}

/** What a node must report at an expect step. */
export interface Expectation {
  readonly node: string;
  /** Nodes in its component (running, uncut links), itself included. */
  readonly component: readonly string[];
  /** Numbers it must know. */
  readonly certain: readonly InjectedNumber[];
  /** Numbers it may or may not know (their spread was cut short). */
  readonly uncertain: readonly InjectedNumber[];
  readonly total: bigint;
  readonly count: number;
  /** Ids of `certain` (shared with the model; do not modify). */
  readonly certainIds: ReadonlySet<number>;
}
