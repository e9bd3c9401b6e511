import type { TabletPlan } from './tablet-plan.js';

/**
 * LRU cache of plans keyed by SQL text. Plans embed the query rules that matched them, so the engine clears the
 * cache when rules change.
 */
export class PlanCache {
  private readonly map = new Map<string, TabletPlan>();
  private hits = 0;
  private misses = 0;
  /** The most recently used key: a hit on it needs no reordering (a service running one hot statement). */
  private newest: string | undefined;

  constructor(private readonly capacity: number) {}

  get(sql: string): TabletPlan | undefined {
    const p = this.map.get(sql);
    if (p === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (sql !== this.newest) {
      // Re-insert to mark as most recently used (Map iteration order is insertion order).
      this.map.delete(sql);
      this.map.set(sql, p);
      this.newest = sql;
    }
    return p;
  }

  set(sql: string, plan: TabletPlan): void {
    this.map.delete(sql);
    this.map.set(sql, plan);
    this.newest = sql;
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
    this.newest = undefined;
  }

  stats(): { size: number; capacity: number; hits: number; misses: number } {
    return { size: this.map.size, capacity: this.capacity, hits: this.hits, misses: this.misses };
  }
}
