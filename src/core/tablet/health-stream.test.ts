import { describe, expect, it } from 'vitest';
import { healthStream } from './health-stream.js';
import { StateManager } from './state-manager.js';

function state(): StateManager {
  const s = new StateManager({ alias: 'zone1-0000000101', keyspace: 'ks', shard: '0', type: 'replica' });
  s.setEngineOpen(true);
  s.setMysql(true);
  return s;
}

describe('healthStream', () => {
  it('sends the state at once, then every change, and ends on abort', async () => {
    const s = state();
    const ac = new AbortController();
    const it = healthStream(s, { intervalMs: 60_000, signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ serving: true, tabletType: 'replica' });
    s.setMysql(false, 'mysqld is not reachable: gone');
    s.setMysql(true);
    expect((await it.next()).value).toMatchObject({ serving: false, lastError: 'mysqld is not reachable: gone' });
    expect((await it.next()).value).toMatchObject({ serving: true, lastError: '' });
    const pending = it.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('repeats the current state every interval without changes', async () => {
    const s = state();
    const ac = new AbortController();
    const started = Date.now();
    const got: number[] = [];
    for await (const _h of healthStream(s, { intervalMs: 50, signal: ac.signal })) {
      got.push(Date.now() - started);
      if (got.length === 3) ac.abort();
    }
    expect(got).toHaveLength(3);
    expect(got[2]!).toBeGreaterThanOrEqual(90);
  });
});
