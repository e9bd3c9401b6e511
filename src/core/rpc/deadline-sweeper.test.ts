import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DeadlineSweeper, type Expirable } from './deadline-sweeper.js';

function entry(deadline: number, expired: string[], name: string): Expirable {
  return { deadline, expire: () => void expired.push(name), prev: undefined, next: undefined };
}

describe('DeadlineSweeper', () => {
  it('expires entries after their deadline, never before, once; removed entries never', async () => {
    const s = new DeadlineSweeper(5);
    const expired: string[] = [];
    const now = Date.now();
    const soon = entry(now + 20, expired, 'soon');
    const removed = entry(now + 20, expired, 'removed');
    const later = entry(now + 10_000, expired, 'later');
    s.add(soon);
    s.add(removed);
    s.add(later);
    s.add(later); // registering twice is a no-op
    expect(s.size).toBe(3);
    s.remove(removed);
    s.remove(removed); // so is removing twice
    expect(s.size).toBe(2);
    await sleep(5);
    expect(expired).toEqual([]);
    while (Date.now() < now + 120 && expired.length === 0) await sleep(5);
    expect(expired).toEqual(['soon']);
    expect(Date.now()).toBeGreaterThanOrEqual(now + 20);
    expect(s.size).toBe(1);
    s.remove(later);
    s.close();
    await sleep(20);
    expect(expired).toEqual(['soon']);
  });

  it('stops its timer once empty and restarts it for a new entry', async () => {
    const s = new DeadlineSweeper(5);
    const expired: string[] = [];
    s.add(entry(Date.now() + 5, expired, 'a'));
    await sleep(50);
    expect(expired).toEqual(['a']);
    await sleep(20);
    expect((s as unknown as { timer: unknown }).timer).toBeUndefined();
    s.add(entry(Date.now() + 5, expired, 'b'));
    await sleep(50);
    expect(expired).toEqual(['a', 'b']);
    s.close();
  });
});
