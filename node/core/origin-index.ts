/**
 * Origins numbered once. A replica keeps what it holds of each origin, and its sets of recent identities, in arrays
 * indexed by these numbers instead of maps keyed by name: a replica of a network of N origins then costs a few bytes
 * per origin, not a map entry and its objects. The replicas of one process (the simulator's thousands) share one
 * index, so the names are not kept N times over; a peer process has one replica and one index.
 *
 * An origin is numbered only when a replica learns one of its numbers: names that come only in digests and
 * announcements (a hostile peer may send any) are looked up, never added, so the index stays as large as what is held.
 */
export class OriginIndex {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  /** The origin's number, given one now if it has none. */
  id(origin: string): number {
    let id = this.ids.get(origin);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(origin, id);
      this.names.push(origin);
    }
    return id;
  }

  /** The origin's number, or undefined if no replica sharing this index has learned one of its numbers. */
  find(origin: string): number | undefined {
    return this.ids.get(origin);
  }

  name(id: number): string {
    return this.names[id]!;
  }

  get size(): number {
    return this.names.length;
  }
}
