/**
 * depth/1, pure: how deep the tree is behind each eager link, what to tell each link about the tree behind this peer,
 * how long a number bound for a shallow branch may wait, and a link's delay from its round trips. No I/O, no clock:
 * the replica (replica.ts) keeps the state per link and calls these.
 *
 * A number is seen everywhere when it reaches the farthest peer, at the end of the deepest branch it goes down. Sent
 * down a branch shallower than that one, it can wait (the difference in hops) x the link delay and still arrive before
 * the deepest branch's last peer has it: meanwhile more numbers gather into the same frame (bench:frontier, "shallower
 * branches wait": on the tree topology, 4.6 frames per number at 1.06 times the floor, against 4.9 at 1.22 without).
 */

/**
 * A branch of the tree at this peer: a link on which numbers are pushed, and the hops from this peer to the farthest
 * peer that hears from it through that link (`undefined` when not known: a link that does not speak depth/1, or one
 * whose other side has not said, or has said it does not know).
 */
export interface Branch<K> {
  readonly key: K;
  readonly hops: number | undefined;
}

/**
 * What to tell each branch: the hops to the farthest peer through the other branches (0 when there are none), or
 * `null` when one of them is not known or the deepest reaches `max`. Eager links that close a cycle (a tree not yet
 * pruned into shape, or one that never is: a frame that brings anything new prunes nothing) tell each other ever more
 * hops around it, until `max` turns them into null; once the cycle is cut, the values from its leaves inward are right
 * again. One pass for the two deepest, so a peer with many links does not pay the square of its degree.
 */
export function depthsToTell<K>(branches: readonly Branch<K>[], max: number): Map<K, number | null> {
  let first = -1;
  let firstKey: K | undefined;
  let second = -1;
  let unknown = 0;
  let unknownKey: K | undefined;
  for (const b of branches) {
    if (b.hops === undefined) {
      unknown++;
      unknownKey = b.key;
      continue;
    }
    if (b.hops > first) {
      second = first;
      first = b.hops;
      firstKey = b.key;
    } else if (b.hops > second) second = b.hops;
  }
  const out = new Map<K, number | null>();
  for (const b of branches) {
    // Unknown if any other branch is unknown; the deepest of the others otherwise.
    if (unknown > 1 || (unknown === 1 && b.key !== unknownKey)) {
      out.set(b.key, null);
      continue;
    }
    const deepest = b.key === firstKey ? second : first;
    out.set(b.key, deepest >= max ? null : Math.max(0, deepest));
  }
  return out;
}

/**
 * How long a number may wait before it is pushed on each of the branches it goes down: (deepest - this branch's hops)
 * x the one-way delay, at most `maxMs`. Nothing waits when a branch's depth or the delay is not known (as tree/1 alone).
 */
export function slackFor<K>(targets: readonly Branch<K>[], oneWayMs: number | undefined, maxMs: number): Map<K, number> | undefined {
  if (oneWayMs === undefined || targets.length < 2) return undefined;
  let deepest = 0;
  for (const t of targets) {
    if (t.hops === undefined) return undefined;
    deepest = Math.max(deepest, t.hops);
  }
  const out = new Map<K, number>();
  for (const t of targets) out.set(t.key, Math.min(maxMs, (deepest - t.hops!) * oneWayMs));
  return out;
}

/** A link's one-way delay, as half the least of its last few round trips (a loaded peer answers late, never early). */
export class LinkDelay {
  private readonly samples: number[] = [];
  constructor(private readonly keep = 4) {}

  add(roundTripMs: number): void {
    if (!Number.isFinite(roundTripMs) || roundTripMs < 0) return;
    this.samples.push(roundTripMs);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  get oneWayMs(): number | undefined {
    return this.samples.length ? Math.min(...this.samples) / 2 : undefined;
  }
}
