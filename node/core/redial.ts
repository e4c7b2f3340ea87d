/**
 * The reference peer's redial policy, sans I/O: after a failed dial or a lost link, dial again after a capped
 * exponential backoff (`BACKOFF_START_MS` doubling to `BACKOFF_MAX_MS`), 80 to 100% of it at random so that peers cut
 * off together do not all redial at once; back to the start once a link to the target is up. The randomness is an
 * input: the real peer gives `Math.random`, the simulator a stream drawn from the run's seed, so a simulated run
 * replays exactly. The shells own the timers and the dialing (`node/adapters/tcp-links.ts`, the simulator's network);
 * what to wait is decided here, once.
 */
export const BACKOFF_START_MS = 100;
export const BACKOFF_MAX_MS = 5000;

export class Redials {
  /** Failed attempts since the last link, by dial target (the peer's configured targets: a bounded set). */
  private readonly attempts = new Map<string, number>();

  constructor(private readonly random: () => number) {}

  /**
   * A dial to `target` failed, or its link ended: how long to wait before dialing it again, and which attempt since
   * the last link that was (1 for the first).
   */
  next(target: string): { readonly delayMs: number; readonly attempt: number } {
    const failed = this.attempts.get(target) ?? 0;
    this.attempts.set(target, failed + 1);
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** failed);
    return { delayMs: Math.round(base * (0.8 + this.random() * 0.2)), attempt: failed + 1 };
  }

  /** A link to `target` is up: its next failure starts the backoff again. */
  connected(target: string): void {
    this.attempts.delete(target);
  }
}
