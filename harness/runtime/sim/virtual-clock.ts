/**
 * Virtual time for the simulator: one heap of events ordered by (time, insertion order), so the same calls in the same
 * order always give the same run.
 *
 * Two kinds of events share the heap. Internal events (a message arriving, a replica's tick, a redial) are callbacks
 * of the simulation and run synchronously. Sleepers are the runner's `sleep` promises. Time moves only while some
 * sleeper waits: an advance step, scheduled with `setImmediate` so that every pending microtask of the runner has run
 * first, runs internal events in order up to the earliest sleeper, sets the time to that sleeper's and wakes it, then
 * schedules the next step the same way (the woken task goes on, and may register an earlier sleeper, before time moves
 * on). A long stretch of internal events is cut into slices between which the event loop breathes (signals, I/O).
 */
import type { Clock } from "../../base/clock.js";

/** Internal events allowed at one instant before the clock calls it an endless loop of the simulation. */
export const MAX_EVENTS_PER_INSTANT = 10_000_000;
/** Internal events run in one turn of the event loop before the next slice (a Ctrl-C must still be heard). */
const EVENTS_PER_SLICE = 50_000;

/** An internal event in the heap, as `schedule` gives it back for `cancel`. */
export interface ScheduledEvent {
  readonly at: number;
}

interface Entry extends ScheduledEvent {
  readonly at: number;
  readonly order: number;
  /** Internal event: what to run. */
  readonly run: (() => void) | undefined;
  /** Internal event: what it is, for the endless-loop error. */
  readonly label: string | undefined;
  /** Sleeper: how to wake it. */
  readonly wake: (() => void) | undefined;
  /** Position in the heap; -1 once out of it. */
  index: number;
}

export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  private readonly heap: Entry[] = [];
  /** Sleepers in the heap (time moves only while there is one). */
  private sleepers = 0;
  /** Sleepers with no deadline: only their signal or `dispose` wakes them. */
  private readonly forever = new Set<() => void>();
  private step: NodeJS.Immediate | undefined;
  private eventsAtThisInstant = 0;
  private disposed = false;
  private readonly maxEventsPerInstant: number;

  constructor(options: { readonly maxEventsPerInstant?: number } = {}) {
    this.maxEventsPerInstant = options.maxEventsPerInstant ?? MAX_EVENTS_PER_INSTANT;
  }

  /** Milliseconds of virtual time since the simulation began. */
  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.disposed || signal?.aborted || !(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      /** Stops the wait; false when it already ended. */
      let withdraw: () => boolean;
      const onAbort = (): void => {
        if (withdraw()) resolve();
      };
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (ms === Infinity) {
        this.forever.add(wake);
        withdraw = () => this.forever.delete(wake);
      } else {
        const entry = this.push({ at: this.time + ms, order: this.order++, run: undefined, label: undefined, wake, index: -1 });
        this.sleepers++;
        withdraw = () => {
          if (entry.index < 0) return false;
          this.remove(entry);
          this.sleepers--;
          return true;
        };
        this.scheduleStep();
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Runs `run` at virtual time `at` (now, if `at` has passed), after every event already scheduled for that time. */
  schedule(at: number, run: () => void, label?: string): ScheduledEvent {
    const entry: Entry = { at: Math.max(at, this.time), order: this.order++, run, label, wake: undefined, index: -1 };
    if (this.disposed) return entry;
    return this.push(entry);
  }

  /** Takes an internal event out of the heap; nothing happens if it already ran or was cancelled. */
  cancel(event: ScheduledEvent | undefined): void {
    const entry = event as Entry | undefined;
    if (entry?.run && entry.index >= 0) this.remove(entry);
  }

  /** Runs now, synchronously, every event due at the current time (and wakes sleepers due now). */
  runDue(): void {
    for (;;) {
      const next = this.heap[0];
      if (!next || next.at > this.time) return;
      this.fire(next);
    }
  }

  /** True once disposed: no event runs any more and every sleep ends at once. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Drops every internal event and wakes every sleeper; later sleeps end at once. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.step) clearImmediate(this.step);
    this.step = undefined;
    const wakes = this.heap.flatMap((e) => (e.wake ? [e.wake] : []));
    for (const e of this.heap) e.index = -1;
    this.heap.length = 0;
    this.sleepers = 0;
    wakes.push(...this.forever);
    this.forever.clear();
    for (const wake of wakes) wake();
  }

  // --- internals ----------------------------------------------------------------------------------------------------

  private scheduleStep(): void {
    if (this.step || this.disposed || this.sleepers === 0) return;
    this.step = setImmediate(() => this.advance());
  }

  /** One advance step: internal events up to the earliest sleeper, then that sleeper (or a slice's worth of events). */
  private advance(): void {
    this.step = undefined;
    for (let n = 0; n < EVENTS_PER_SLICE && this.sleepers > 0 && !this.disposed; n++) {
      if (this.fire(this.heap[0]!)) break;
    }
    this.scheduleStep();
  }

  /** Takes `entry` (the heap's top) out, moves time to it and runs or wakes it; true when it was a sleeper. */
  private fire(entry: Entry): boolean {
    this.remove(entry);
    if (entry.at > this.time) {
      this.time = entry.at;
      this.eventsAtThisInstant = 0;
    }
    if (entry.wake) {
      this.sleepers--;
      entry.wake();
      return true;
    }
    if (++this.eventsAtThisInstant > this.maxEventsPerInstant) {
      throw new Error(
        `virtual clock: more than ${this.maxEventsPerInstant} events at ${this.time} ms without time moving on ` +
          `(an endless loop of the simulation; the last event: ${entry.label ?? "unnamed"})`,
      );
    }
    entry.run!();
    return false;
  }

  private less(x: Entry, y: Entry): boolean {
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }

  private push(entry: Entry): Entry {
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
    return entry;
  }

  private remove(entry: Entry): void {
    const h = this.heap;
    const i = entry.index;
    const last = h.pop()!;
    entry.index = -1;
    if (last === entry) return;
    h[i] = last;
    last.index = i;
    this.down(i);
    this.up(last.index);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.index = j;
    b.index = i;
  }
}
