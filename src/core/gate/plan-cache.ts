/** One cached entry with its usage counters (shown on /debug/query_plans). */
export interface PlanCacheEntry<P> {
  readonly key: string;
  readonly plan: P;
  execCount: number;
  errorCount: number;
  /** Total execution time in µs. */
  totalMicros: number;
  rowsReturned: number;
  readonly createdAt: number;
}

/** A map slot: the entry and the insertion count when it was last moved to the newest end. */
interface Slot<P> {
  readonly entry: PlanCacheEntry<P>;
  stamp: number;
}

/**
 * A size-bounded LRU of plans keyed by normalized SQL + target. A Map keeps insertion order, so moving a key to
 * the newest end is delete+set and eviction drops the first key. A hit only moves its key when more than a
 * quarter of the capacity was inserted since it last moved: a hot plan is then never near the eviction end,
 * and the common hit (the same few statements over and over) costs one Map lookup. Not thread-shared: one per
 * gate.
 */
export class PlanCache<P> {
  private readonly map = new Map<string, Slot<P>>();
  /** Insertions (sets and moves) so far. */
  private clock = 0;
  private readonly moveAfter: number;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`plan cache capacity must be >= 1, got ${capacity}`);
    this.moveAfter = capacity / 4;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): PlanCacheEntry<P> | undefined {
    const s = this.map.get(key);
    if (s === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (this.clock - s.stamp > this.moveAfter) {
      this.map.delete(key);
      this.map.set(key, s);
      s.stamp = ++this.clock;
    }
    return s.entry;
  }

  set(key: string, plan: P): PlanCacheEntry<P> {
    const e: PlanCacheEntry<P> = {
      key,
      plan,
      execCount: 0,
      errorCount: 0,
      totalMicros: 0,
      rowsReturned: 0,
      createdAt: Date.now(),
    };
    this.map.delete(key);
    this.map.set(key, { entry: e, stamp: ++this.clock });
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictions++;
    }
    return e;
  }

  clear(): void {
    this.map.clear();
  }

  /** Entries from most to least recently used (moved). */
  entries(): PlanCacheEntry<P>[] {
    return [...this.map.values()].reverse().map((s) => s.entry);
  }
}
