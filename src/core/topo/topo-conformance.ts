import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import type { TopoConn } from './topo-conn.js';
import type { OpenTopoOptions } from './topo-factory.js';
import {
  bump,
  buf,
  collect,
  exitCode,
  isSubsequence,
  reasonOf,
  sleep,
  spawnChild,
  spawnLockHolder,
  waitForLine,
  withTimeout,
} from './testdata/conformance-helpers.js';
import { incrementLoop } from './testdata/increment-loop.js';

/** One backend instance under test, fresh for every test. */
export interface TopoUnderTest {
  readonly conn: TopoConn;
  /** Closes everything this instance opened and removes its data. */
  cleanup(): Promise<void>;
  /** A second, independent connection to the same store (CAS/lock races between connections). */
  openOther?(): Promise<TopoConn>;
  /**
   * How a child process opens the same store (passed to openTopo in testdata/lock-holder.ts). Omitted for
   * backends that live in one process (memory): the cross-process tests are then skipped.
   */
  readonly spawnOtherProcessConn?: OpenTopoOptions;
  /** True when the backend may coalesce consecutive watch changes (local's polling fallback). */
  readonly watchMayCoalesce?: boolean;
}

/**
 * The topology conformance suite: every backend must pass it unchanged. Registers a vitest `describe` block;
 * call it from a backend's test file.
 */
export function runTopoConformance(
  name: string,
  makeConn: () => Promise<TopoUnderTest>,
  options: { readonly crossProcess?: boolean } = {},
): void {
  describe(`topo conformance: ${name}`, () => {
    let t: TopoUnderTest;
    let conn: TopoConn;
    const others: TopoConn[] = [];
    const other = async (): Promise<TopoConn> => {
      if (t.openOther === undefined) return conn;
      const c = await t.openOther();
      others.push(c);
      return c;
    };

    beforeEach(async () => {
      t = await makeConn();
      conn = t.conn;
    });
    afterEach(async () => {
      for (const c of others.splice(0)) await c.close();
      await t.cleanup();
    });

    describe('values', () => {
      it('create then get returns the value and the version create returned', async () => {
        const v = await conn.create('/keyspaces/ks/Keyspace', buf('{"a":1}'));
        expect(typeof v).toBe('string');
        const got = await conn.get('/keyspaces/ks/Keyspace');
        expect(got.value.toString()).toBe('{"a":1}');
        expect(got.version).toBe(v);
      });

      it('create on an existing path fails NodeExists and keeps the old value', async () => {
        await conn.create('/a/b', buf('1'));
        const err = await reasonOf(conn.create('/a/b', buf('2')));
        expect(err).toEqual({ reason: 'NodeExists', code: 'ALREADY_EXISTS' });
        expect((await conn.get('/a/b')).value.toString()).toBe('1');
      });

      it('missing paths fail NoNode for get, listDir, delete and versioned update', async () => {
        const nn = { reason: 'NoNode', code: 'NOT_FOUND' };
        expect(await reasonOf(conn.get('/nope'))).toEqual(nn);
        expect(await reasonOf(conn.listDir('/nope'))).toEqual(nn);
        expect(await reasonOf(conn.delete('/nope'))).toEqual(nn);
        expect(await reasonOf(conn.update('/nope', buf('x'), '1'))).toEqual(nn);
        await conn.create('/dir/leaf', buf('x'));
        expect(await reasonOf(conn.get('/dir'))).toEqual(nn);
        expect(await reasonOf(conn.listDir('/dir/leaf'))).toEqual(nn);
      });

      it('update without a version creates and overwrites; every write changes the version', async () => {
        const v1 = await conn.update('/u/x', buf('1'));
        const v2 = await conn.update('/u/x', buf('2'));
        const v3 = await conn.update('/u/x', buf('3'), v2);
        expect(new Set([v1, v2, v3]).size).toBe(3);
        const got = await conn.get('/u/x');
        expect(got).toEqual({ value: buf('3'), version: v3 });
      });

      it('update with a stale version fails BadVersion and does not write', async () => {
        const v1 = await conn.create('/u/y', buf('1'));
        await conn.update('/u/y', buf('2'), v1);
        expect(await reasonOf(conn.update('/u/y', buf('3'), v1))).toEqual({
          reason: 'BadVersion',
          code: 'FAILED_PRECONDITION',
        });
        expect((await conn.get('/u/y')).value.toString()).toBe('2');
      });

      it('delete honours the expected version and removes empty parents', async () => {
        const v = await conn.create('/d/e/f/leaf', buf('1'));
        await conn.create('/d/keep', buf('k'));
        expect(await reasonOf(conn.delete('/d/e/f/leaf', bump(v)))).toEqual({
          reason: 'BadVersion',
          code: 'FAILED_PRECONDITION',
        });
        await conn.delete('/d/e/f/leaf', v);
        expect((await reasonOf(conn.get('/d/e/f/leaf')))?.reason).toBe('NoNode');
        expect((await reasonOf(conn.listDir('/d/e')))?.reason).toBe('NoNode');
        expect(await conn.listDir('/d')).toEqual([{ name: 'keep', isDir: false }]);
        await conn.delete('/d/keep');
        expect((await reasonOf(conn.listDir('/d')))?.reason).toBe('NoNode');
      });

      it('versions of a re-created path never repeat (no ABA on delete + create)', async () => {
        const v1 = await conn.create('/r/x', buf('1'));
        await conn.delete('/r/x');
        const v2 = await conn.create('/r/x', buf('2'));
        expect(v2).not.toBe(v1);
        expect((await reasonOf(conn.update('/r/x', buf('3'), v1)))?.reason).toBe('BadVersion');
      });

      it('stores binary values byte for byte, including empty ones', async () => {
        const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 0]);
        await conn.create('/bin/a', bytes);
        await conn.create('/bin/empty', Buffer.alloc(0));
        expect((await conn.get('/bin/a')).value.equals(bytes)).toBe(true);
        expect((await conn.get('/bin/empty')).value.length).toBe(0);
      });

      it('rejects malformed paths with INVALID_ARGUMENT', async () => {
        for (const bad of ['relative/x', '/a//b', '/a/../b', '/a/', '']) {
          const err = await conn.get(bad).catch((e: unknown) => e);
          expect(err, bad).toBeInstanceOf(VtError);
          expect((err as VtError).code, bad).toBe('INVALID_ARGUMENT');
        }
      });
    });

    describe('listDir', () => {
      it('lists immediate children sorted, with isDir', async () => {
        await conn.create('/keyspaces/b/Keyspace', buf('1'));
        await conn.create('/keyspaces/a/Keyspace', buf('1'));
        await conn.create('/keyspaces/a/shards/-80/Shard', buf('1'));
        await conn.create('/keyspaces/c', buf('1'));
        expect(await conn.listDir('/keyspaces')).toEqual([
          { name: 'a', isDir: true },
          { name: 'b', isDir: true },
          { name: 'c', isDir: false },
        ]);
        expect(await conn.listDir('/keyspaces/a')).toEqual([
          { name: 'Keyspace', isDir: false },
          { name: 'shards', isDir: true },
        ]);
        expect((await conn.listDir('/')).map((e) => e.name)).toEqual(['keyspaces']);
      });

      it('does not show lock bookkeeping', async () => {
        await conn.create('/lk/ks/Keyspace', buf('1'));
        const lock = await conn.lock('/lk/ks', 'test');
        expect(await conn.listDir('/lk/ks')).toEqual([{ name: 'Keyspace', isDir: false }]);
        expect(await conn.listDir('/lk')).toEqual([{ name: 'ks', isDir: true }]);
        await lock.unlock();
        expect(await conn.listDir('/lk/ks')).toEqual([{ name: 'Keyspace', isDir: false }]);
      });
    });

    describe('compare-and-set races', () => {
      it('of N concurrent updates with the same version exactly one wins', async () => {
        const v = await conn.create('/cas/x', buf('0'));
        const c2 = await other();
        const n = 8;
        const results = await Promise.allSettled(
          Array.from({ length: n }, (_, i) => (i % 2 === 0 ? conn : c2).update('/cas/x', buf(`w${i}`), v)),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect((r.reason as VtError).reason).toBe('BadVersion');
        }
        expect((await conn.get('/cas/x')).value.toString()).toBe(`w${winners[0]}`);
      });

      it('of N concurrent creators of one path exactly one wins', async () => {
        const c2 = await other();
        const n = 8;
        const results = await Promise.allSettled(
          Array.from({ length: n }, (_, i) => (i % 2 === 0 ? conn : c2).create('/cas/new', buf(`c${i}`))),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect((r.reason as VtError).reason).toBe('NodeExists');
        }
        expect((await conn.get('/cas/new')).value.toString()).toBe(`c${winners[0]}`);
      });

      it('of N concurrent versioned deletes exactly one wins', async () => {
        const v = await conn.create('/cas/del', buf('0'));
        const c2 = await other();
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? conn : c2).delete('/cas/del', v)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect((r.reason as VtError).reason).toBe('NoNode');
        }
      });
    });

    describe('locks', () => {
      it('fails NoNode on a missing directory', async () => {
        expect(await reasonOf(conn.lock('/missing/ks', 'test'))).toEqual({ reason: 'NoNode', code: 'NOT_FOUND' });
      });

      it('a second locker waits until the first unlocks', async () => {
        await conn.create('/locks/ks/Keyspace', buf('1'));
        const c2 = await other();
        const first = await conn.lock('/locks/ks', 'first');
        expect(first.lost.aborted).toBe(false);
        let secondGot = false;
        const second = c2.lock('/locks/ks', 'second', { timeoutMs: 10_000 }).then((l) => {
          secondGot = true;
          return l;
        });
        await sleep(300);
        expect(secondGot).toBe(false);
        await first.unlock();
        await first.unlock(); // idempotent
        const l2 = await second;
        expect(secondGot).toBe(true);
        await l2.unlock();
      });

      it('the same connection locking twice waits like anyone else', async () => {
        await conn.create('/locks/self/Keyspace', buf('1'));
        const first = await conn.lock('/locks/self', 'first');
        expect((await reasonOf(conn.lock('/locks/self', 'again', { timeoutMs: 200 })))?.reason).toBe('Timeout');
        await first.unlock();
        await (await conn.lock('/locks/self', 'again', { timeoutMs: 5_000 })).unlock();
      });

      it('a contended lock times out with Timeout after about timeoutMs', async () => {
        await conn.create('/locks/t/Keyspace', buf('1'));
        const held = await conn.lock('/locks/t', 'holder');
        const c2 = await other();
        const t0 = Date.now();
        expect(await reasonOf(c2.lock('/locks/t', 'waiter', { timeoutMs: 400 }))).toEqual({
          reason: 'Timeout',
          code: 'DEADLINE_EXCEEDED',
        });
        const waited = Date.now() - t0;
        expect(waited).toBeGreaterThanOrEqual(350);
        expect(waited).toBeLessThan(3_000);
        await held.unlock();
      });

      it('an aborted wait fails Interrupted promptly', async () => {
        await conn.create('/locks/i/Keyspace', buf('1'));
        const held = await conn.lock('/locks/i', 'holder');
        const c2 = await other();
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 200);
        const t0 = Date.now();
        expect(await reasonOf(c2.lock('/locks/i', 'waiter', { timeoutMs: 10_000, signal: ac.signal }))).toEqual({
          reason: 'Interrupted',
          code: 'CANCELED',
        });
        expect(Date.now() - t0).toBeLessThan(3_000);
        await held.unlock();
        // The abandoned waiter must not have left anything behind that blocks the next owner.
        await (await c2.lock('/locks/i', 'next', { timeoutMs: 5_000 })).unlock();
      });

      it('locks on different directories are independent', async () => {
        await conn.create('/locks/p/Keyspace', buf('1'));
        await conn.create('/locks/q/Keyspace', buf('1'));
        const a = await conn.lock('/locks/p', 'a');
        const b = await conn.lock('/locks/q', 'b', { timeoutMs: 2_000 });
        await a.unlock();
        await b.unlock();
      });
    });

    describe('watches', () => {
      it('fails NoNode on a missing path', async () => {
        expect(await reasonOf(conn.watch('/w/missing'))).toEqual({ reason: 'NoNode', code: 'NOT_FOUND' });
      });

      it('returns the current value and later changes in commit order', async () => {
        const v0 = await conn.create('/w/a', buf('v0'));
        const ac = new AbortController();
        const w = await conn.watch('/w/a', ac.signal);
        expect(w.current).toEqual({ value: buf('v0'), version: v0 });
        const writer = await other();
        const versions: string[] = [];
        const reader = collect(w.changes, (seen) =>
          seen.some((e) => e.kind === 'changed' && e.value.equals(buf('v5'))),
        );
        for (let i = 1; i <= 5; i++) {
          versions.push(await writer.update('/w/a', buf(`v${i}`)));
          if (t.watchMayCoalesce === true) await sleep(20);
        }
        const seen = await withTimeout(reader, 5_000);
        ac.abort();
        const got = seen.map((e) => (e.kind === 'changed' ? `${e.value.toString()}@${e.version}` : 'deleted'));
        const want = versions.map((v, i) => `v${i + 1}@${v}`);
        if (t.watchMayCoalesce === true) {
          // A subsequence of the commits, in order, ending with the last one.
          expect(isSubsequence(got, want)).toBe(true);
          expect(got[got.length - 1]).toBe(want[want.length - 1]);
        } else {
          expect(got).toEqual(want);
        }
      });

      it("ends the stream after 'deleted'", async () => {
        await conn.create('/w/d', buf('x'));
        const w = await conn.watch('/w/d');
        const reader = collect(w.changes);
        await (await other()).delete('/w/d');
        const seen = await withTimeout(reader, 5_000);
        expect(seen[seen.length - 1]).toEqual({ kind: 'deleted' });
        expect(seen.filter((e) => e.kind === 'deleted')).toHaveLength(1);
      });

      it('aborting the signal ends the stream cleanly', async () => {
        await conn.create('/w/abort', buf('x'));
        const ac = new AbortController();
        const w = await conn.watch('/w/abort', ac.signal);
        const reader = collect(w.changes);
        setTimeout(() => ac.abort(), 100);
        expect(await withTimeout(reader, 5_000)).toEqual([]);
      });

      it('breaking out of the loop ends the watch; several watchers see the same change', async () => {
        await conn.create('/w/many', buf('0'));
        const w1 = await conn.watch('/w/many');
        const w2 = await conn.watch('/w/many');
        const first = (async () => {
          for await (const ev of w1.changes) return ev;
          return undefined;
        })();
        const second = (async () => {
          for await (const ev of w2.changes) return ev;
          return undefined;
        })();
        const v = await conn.update('/w/many', buf('1'));
        const want = { kind: 'changed', value: buf('1'), version: v };
        expect(await withTimeout(first, 5_000)).toEqual(want);
        expect(await withTimeout(second, 5_000)).toEqual(want);
      });
    });

    describe('lifecycle', () => {
      it('close ends watch streams cleanly and fires `lost` of held locks', async () => {
        const c = t.openOther === undefined ? conn : await t.openOther();
        await c.create('/closing/ks/Keyspace', buf('1'));
        const w = await c.watch('/closing/ks/Keyspace');
        const reader = collect(w.changes);
        const lock = await c.lock('/closing/ks', 'test');
        await c.close();
        expect(await withTimeout(reader, 5_000)).toEqual([]);
        expect(lock.lost.aborted).toBe(true);
        await lock.unlock(); // still harmless
        // The lock is free for everyone else.
        if (c !== conn) await (await conn.lock('/closing/ks', 'next', { timeoutMs: 5_000 })).unlock();
      });

      it('calls after close fail with a VtError', async () => {
        const c2 = t.openOther === undefined ? undefined : await t.openOther();
        const c = c2 ?? conn;
        await c.create('/closed/x', buf('1'));
        await c.close();
        const err = await c.get('/closed/x').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(VtError);
      });
    });

    // Backends that live in one process (memory) have no cross-process behaviour to check.
    if (options.crossProcess !== false)
      describe('across processes', () => {
        it('a lock held by another process blocks us; its owner dying releases it', async () => {
          if (t.spawnOtherProcessConn === undefined) throw new Error(`${name}: spawnOtherProcessConn is required`);
          await conn.create('/xp/ks/Keyspace', buf('1'));
          const child = await spawnLockHolder(t.spawnOtherProcessConn, '/xp/ks');
          try {
            expect((await reasonOf(conn.lock('/xp/ks', 'parent', { timeoutMs: 500 })))?.reason).toBe('Timeout');
            child.kill('SIGKILL');
            const t0 = Date.now();
            const lock = await conn.lock('/xp/ks', 'parent', { timeoutMs: 15_000 });
            expect(Date.now() - t0).toBeLessThan(10_000);
            await lock.unlock();
          } finally {
            child.kill('SIGKILL');
          }
        }, 30_000);

        it('CAS stays exact when another process races on the same path', async () => {
          if (t.spawnOtherProcessConn === undefined) throw new Error(`${name}: spawnOtherProcessConn is required`);
          await conn.create('/xp/counter', buf('0'));
          const child = spawnChild([
            JSON.stringify({ options: t.spawnOtherProcessConn, increment: '/xp/counter', n: 100 }),
          ]);
          const exited = exitCode(child);
          await waitForLine(child, 'ready');
          const [code] = await Promise.all([exited, incrementLoop(conn, '/xp/counter', 100)]);
          expect(code).toBe(0);
          expect((await conn.get('/xp/counter')).value.toString()).toBe('200');
        }, 60_000);
      });
  });
}
