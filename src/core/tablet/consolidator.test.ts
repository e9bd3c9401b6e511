import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Consolidator } from './consolidator.js';

describe('Consolidator', () => {
  it('runs concurrent identical keys once and shares a frozen result', async () => {
    let joins = 0;
    const c = new Consolidator<{ rows: number[] }>({
      freeze: (r) => {
        Object.freeze(r.rows);
        Object.freeze(r);
      },
      onJoin: () => joins++,
    });
    let runs = 0;
    const exec = async () => {
      runs++;
      await sleep(30);
      return { rows: [1, 2] };
    };
    const results = await Promise.all(Array.from({ length: 5 }, () => c.run('q', exec)));
    expect(runs).toBe(1);
    expect(c.consolidations).toBe(4);
    expect(joins).toBe(4);
    for (const r of results) expect(r).toBe(results[0]);
    expect(Object.isFrozen(results[0]!.rows)).toBe(true);
    expect(c.inFlight).toBe(0);
  });

  it('does not share across keys or after settling, and shares errors', async () => {
    const c = new Consolidator<number>();
    let runs = 0;
    const exec = async () => ++runs;
    expect(await Promise.all([c.run('a', exec), c.run('b', exec)])).toEqual([1, 2]);
    expect(await c.run('a', exec)).toBe(3);
    const boom = async () => {
      await sleep(10);
      throw new Error('boom');
    };
    const settled = await Promise.allSettled([c.run('x', boom), c.run('x', boom)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(c.consolidations).toBe(1);
  });

  it("lead/join: joiners get the leader's result frozen, or its error; a lone leader shares nothing", async () => {
    const c = new Consolidator<{ rows: number[] }>({ freeze: (r) => Object.freeze(r) });
    const lone = c.lead('a');
    expect(c.join('b')).toBeUndefined();
    const mine = { rows: [1] };
    c.resolve(lone, mine);
    expect(Object.isFrozen(mine)).toBe(false);
    expect(c.inFlight).toBe(0);

    const lead = c.lead('a');
    const joined = [c.join('a')!, c.join('a')!];
    expect(joined[0]).toBe(joined[1]);
    const shared = { rows: [2] };
    c.resolve(lead, shared);
    expect(Object.isFrozen(shared)).toBe(true);
    for (const r of await Promise.all(joined)) expect(r).toBe(shared);
    expect(c.join('a')).toBeUndefined();

    const failing = c.lead('x');
    const waiter = c.join('x')!;
    c.reject(failing, new Error('boom'));
    await expect(waiter).rejects.toThrow('boom');
    expect(c.consolidations).toBe(3);
    expect(c.inFlight).toBe(0);
  });

  it('finds the right execution among many in flight, settled in any order', async () => {
    const c = new Consolidator<string>();
    const keys = Array.from({ length: 40 }, (_, i) => `select ${i}`);
    const leads = keys.map((k) => c.lead(k));
    const joined = keys.map((k) => c.join(k)!);
    expect(c.inFlight).toBe(40);
    // Settle from the middle outwards, so entries move around in the list and the index is dropped midway.
    const order = keys.map((_, i) => i).sort((a, b) => Math.abs(a - 20) - Math.abs(b - 20));
    for (const i of order) {
      expect(c.join(keys[i]!)).toBe(joined[i]);
      c.resolve(leads[i]!, `result ${i}`);
      expect(c.join(keys[i]!)).toBeUndefined();
    }
    expect(await Promise.all(joined)).toEqual(keys.map((_, i) => `result ${i}`));
    expect(c.inFlight).toBe(0);
    expect(c.consolidations).toBe(80);
  });
});
