/**
 * Time as the runner sees it. Real runtimes (processes, containers) run on the machine's monotonic clock; the
 * simulator runs on a virtual one that jumps from one event to the next, so a scenario's sleeps, polls, loads and
 * nemesis intervals cost no wall time there and replay exactly. Everything the runner times goes through a Clock.
 */
import { performance } from "node:perf_hooks";
import { pause } from "./pause.js";

export interface Clock {
  /** Milliseconds on this clock; only differences mean anything. Never goes back. */
  now(): number;
  /** Resolves after `ms` on this clock, or at once when `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The machine's monotonic clock (wall time jumps do not move it). */
export const realClock: Clock = Object.freeze({
  now: () => performance.now(),
  sleep: (ms: number, signal?: AbortSignal) => pause(ms, signal),
});
