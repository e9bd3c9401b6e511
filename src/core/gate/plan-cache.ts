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

/**
 * A size-bounded LRU of plans keyed by normalized SQL + target. A Map keeps insertion order, so a hit is
 * delete+set (moves the key to the newest end) and eviction drops the first key. Not thread-shared: one per gate.
 */
export class PlanCache<P> {
  private readonly map = new Map<string, PlanCacheEntry<P>>();
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`plan cache capacity must be >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): PlanCacheEntry<P> | undefined {
    const e = this.map.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, e);
    return e;
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
    this.map.set(key, e);
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

  /** Entries from most to least recently used. */
  entries(): PlanCacheEntry<P>[] {
    return [...this.map.values()].reverse();
  }
}
