import { describe, expect, it } from 'vitest';
import { PlanCache } from './plan-cache.js';

describe('PlanCache', () => {
  it('evicts the least recently used entry and counts hits, misses and evictions', () => {
    const c = new PlanCache<string>(2);
    c.set('a', 'A');
    c.set('b', 'B');
    expect(c.get('a')?.plan).toBe('A'); // a is now the newest
    c.set('c', 'C'); // evicts b
    expect(c.get('b')).toBeUndefined();
    expect(c.entries().map((e) => e.key)).toEqual(['c', 'a']);
    expect([c.hits, c.misses, c.evictions, c.size]).toEqual([1, 1, 1, 2]);
  });

  it('replaces an entry set twice without growing', () => {
    const c = new PlanCache<number>(3);
    c.set('k', 1);
    c.set('k', 2);
    expect(c.size).toBe(1);
    expect(c.get('k')?.plan).toBe(2);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new PlanCache(0)).toThrow(RangeError);
  });

  it('keeps a plan that is hit often even when the rest of the capacity churns', () => {
    const c = new PlanCache<number>(8);
    c.set('hot', 0);
    for (let i = 0; i < 100; i++) {
      c.set(`cold${i}`, i);
      expect(c.get('hot')?.plan).toBe(0);
    }
    expect(c.size).toBe(8);
    expect(c.evictions).toBe(93);
  });
});
