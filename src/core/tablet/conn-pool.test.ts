import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { ConnPool, type PoolableConn } from './conn-pool.js';

class FakeConn implements PoolableConn {
  isClosed = false;
  lastUsed = Date.now();
  constructor(readonly n: number) {}
  close(): void {
    this.isClosed = true;
  }
}

function pool(capacity: number, timeoutMs = 100, failConnect = () => false, idleTimeoutMs = 0) {
  let opened = 0;
  const p = new ConnPool<FakeConn>({
    name: 'test',
    capacity,
    timeoutMs,
    timeoutMessage: 'resource pool timed out',
    idleTimeoutMs,
    connect: async () => {
      if (failConnect()) throw new VtError('UNAVAILABLE', 'down');
      return new FakeConn(++opened);
    },
  });
  p.open();
  return { p, opened: () => opened };
}

describe('ConnPool', () => {
  it('opens lazily up to capacity and reuses returned connections', async () => {
    const { p, opened } = pool(2);
    expect(opened()).toBe(0);
    const a = await p.get();
    const b = await p.get();
    expect(opened()).toBe(2);
    p.put(a);
    expect(await p.get()).toBe(a);
    expect(p.lentConnections()).toEqual([b, a]);
    p.put(a);
    p.put(b);
    expect(p.stats()).toMatchObject({ capacity: 2, inUse: 0, open: 2, available: 2 });
    expect(() => p.put(a)).toThrow(/did not lend/);
  });

  it('times out waiters with RESOURCE_EXHAUSTED 1203/42000 and counts waits', async () => {
    const { p } = pool(1, 80);
    const a = await p.get();
    const started = Date.now();
    const err = await p.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VtError);
    expect((err as VtError).errno).toBe(1203);
    expect((err as VtError).sqlState).toBe('42000');
    expect((err as VtError).message).toBe('resource pool timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(p.stats()).toMatchObject({ waitCount: 1, timeouts: 1 });
    p.put(a);
  });

  it('hands a returned connection to the first waiter (FIFO)', async () => {
    const { p } = pool(1, 1000);
    const a = await p.get();
    const order: number[] = [];
    const w1 = p.get().then((c) => (order.push(1), c));
    const w2 = p.get().then((c) => (order.push(2), c));
    await sleep(5);
    p.put(a);
    const c1 = await w1;
    expect(c1).toBe(a);
    p.put(c1);
    await w2;
    expect(order).toEqual([1, 2]);
  });

  it('replaces closed connections and frees the slot of a failed connect', async () => {
    let down = false;
    const { p, opened } = pool(1, 1000, () => down);
    const a = await p.get();
    a.close();
    p.put(a);
    const b = await p.get();
    expect(b).not.toBe(a);
    expect(opened()).toBe(2);
    b.isClosed = true; // closed by the server while idle
    p.put(b);
    down = true;
    await expect(p.get()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(p.stats().open).toBe(0);
    down = false;
    const c = await p.get();
    expect(c.n).toBe(3);
    p.put(c);
  });

  it('passes a discarded connection slot to a waiter, and aborts waits on signal', async () => {
    const { p } = pool(1, 5000);
    const a = await p.get();
    const waiting = p.get();
    p.discard(a);
    const b = await waiting;
    expect(b).not.toBe(a);
    const ac = new AbortController();
    const aborted = p.get({ signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(VtError);
    p.put(b);
  });

  it('closes connections idle past the idle timeout', async () => {
    const { p } = pool(2, 100, () => false, 100);
    const a = await p.get();
    const b = await p.get();
    p.put(a);
    await sleep(350);
    expect(a.isClosed).toBe(true);
    expect(p.stats()).toMatchObject({ open: 1, inUse: 1, idleClosed: 1 });
    p.put(b);
    p.close();
  });

  it('fails waiters and later gets once closed', async () => {
    const { p } = pool(1, 5000);
    const a = await p.get();
    const waiting = p.get();
    p.close();
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(p.get()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    p.put(a);
    expect(a.isClosed).toBe(true);
    expect(p.stats().open).toBe(0);
  });
});
