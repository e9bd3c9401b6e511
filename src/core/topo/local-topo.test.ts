import { mkdtemp, readdir, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { isReason, type VtError } from '../errors/index.js';
import { LocalTopo } from './local-topo.js';
import { runTopoConformance } from './topo-conformance.js';

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'vt-local-topo-'));
}

runTopoConformance('local', async () => {
  const root = await tempRoot();
  const opened: LocalTopo[] = [];
  const open = async (): Promise<LocalTopo> => {
    const c = await LocalTopo.open({ root, env: testEnv(), watchPollMs: 200 });
    opened.push(c);
    return c;
  };
  const conn = await open();
  return {
    conn,
    openOther: open,
    spawnOtherProcessConn: { implementation: 'local', root },
    watchMayCoalesce: true,
    cleanup: async () => {
      for (const c of opened) await c.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('LocalTopo specifics', () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
  });

  it('versions survive a restart and keep growing', async () => {
    const root = await tempRoot();
    roots.push(root);
    const a = await LocalTopo.open({ root, env: testEnv() });
    const v1 = await a.create('/ks/Keyspace', Buffer.from('1'));
    await a.close();
    const b = await LocalTopo.open({ root, env: testEnv() });
    expect((await b.get('/ks/Keyspace')).version).toBe(v1);
    const v2 = await b.update('/ks/Keyspace', Buffer.from('2'), v1);
    expect(BigInt(v2)).toBeGreaterThan(BigInt(v1));
    await b.close();
  });

  it('stores one readable file per value and leaves no temp or lock files behind', async () => {
    const root = await tempRoot();
    roots.push(root);
    const t = await LocalTopo.open({ root, env: testEnv() });
    await t.create('/keyspaces/ks/Keyspace', Buffer.from('{"x":1}'));
    const lock = await t.lock('/keyspaces/ks', 'test');
    expect(await readdir(join(root, 'keyspaces/ks'))).toContain('.vt-lock');
    await lock.unlock();
    expect(await readdir(join(root, 'keyspaces/ks'))).toEqual(['Keyspace']);
    expect((await readFile(join(root, 'keyspaces/ks/Keyspace'))).toString()).toMatch(/^VT1 \d+\n\{"x":1\}$/);
    expect((await readdir(root)).filter((n) => n.startsWith('.vt-tmp') || n === '.vt-store.lock')).toEqual([]);
    await t.close();
  });

  it('takes over a lock whose heartbeat stopped even if the pid looks alive', async () => {
    const root = await tempRoot();
    roots.push(root);
    const t = await LocalTopo.open({ root, env: testEnv(), staleMs: 300 });
    await t.create('/ks/Keyspace', Buffer.from('1'));
    // A lock owned by a live process (ours, pid 1 would do too) on another host name: only age can free it.
    const rec = {
      id: 'foreign',
      pid: process.pid,
      hostname: 'elsewhere',
      purpose: 'x',
      time: new Date().toISOString(),
    };
    await writeFile(join(root, 'ks/.vt-lock'), JSON.stringify(rec));
    const t0 = Date.now();
    const lock = await t.lock('/ks', 'mine', { timeoutMs: 5_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    await lock.unlock();
    await t.close();
  });

  it('takes over an unreadable lock file once it is older than staleMs', async () => {
    const root = await tempRoot();
    roots.push(root);
    const t = await LocalTopo.open({ root, env: testEnv(), staleMs: 300 });
    await t.create('/ks/Keyspace', Buffer.from('1'));
    await writeFile(join(root, 'ks/.vt-lock'), 'not json');
    expect((await t.lock('/ks', 'mine', { timeoutMs: 100 }).catch((e: VtError) => e)) as VtError).toHaveProperty(
      'reason',
      'Timeout',
    );
    const lock = await t.lock('/ks', 'mine', { timeoutMs: 5_000 });
    expect(JSON.parse(await readFile(join(root, 'ks/.vt-lock'), 'utf8'))).toMatchObject({ purpose: 'mine' });
    await lock.unlock();
    await t.close();
  });

  it("a held lock's `lost` fires when its lock file is taken away", async () => {
    const root = await tempRoot();
    roots.push(root);
    const t = await LocalTopo.open({ root, env: testEnv() });
    await t.create('/ks/Keyspace', Buffer.from('1'));
    const lock = await t.lock('/ks', 'mine');
    await rm(join(root, 'ks/.vt-lock'));
    const t0 = Date.now();
    await new Promise<void>((resolve) => lock.lost.addEventListener('abort', () => resolve(), { once: true }));
    expect(Date.now() - t0).toBeLessThan(3_000);
    await lock.unlock();
    await t.close();
  });

  it('reports a path that is both a value and a directory as INVALID_ARGUMENT', async () => {
    const root = await tempRoot();
    roots.push(root);
    const t = await LocalTopo.open({ root, env: testEnv() });
    await t.create('/a', Buffer.from('1'));
    const err = await t.create('/a/b', Buffer.from('2')).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('INVALID_ARGUMENT');
    await t.create('/c/d', Buffer.from('1'));
    const err2 = await t.update('/c', Buffer.from('2')).catch((e: unknown) => e);
    expect((err2 as { code?: string }).code).toBe('INVALID_ARGUMENT');
    expect(isReason(await t.get('/c').catch((e: unknown) => e), 'NoNode')).toBe(true);
    await t.close();
  });
});
