import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { findFreePort } from '../net/free-port.js';
import { startEtcd, type EtcdProcess } from './etcd-process.js';
import { EtcdTopo } from './etcd-topo.js';
import { runTopoConformance } from './topo-conformance.js';
import { openTopo, parseEtcdAddress } from './topo-factory.js';

let etcd: EtcdProcess;
let dataDir: string;
let rootSeq = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vt-etcd-topo-'));
  etcd = await startEtcd({ dataDir: join(dataDir, 'data'), logFile: join(dataDir, 'etcd.log') });
});

afterAll(async () => {
  await etcd?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

runTopoConformance('etcd', async () => {
  // One server for the whole file; every test gets its own key prefix.
  const root = `/vt-test-${process.pid}-${++rootSeq}`;
  const options = { implementation: 'etcd', serverAddress: etcd.address, root, lockLeaseTtlSeconds: 2 } as const;
  const opened: EtcdTopo[] = [];
  const open = async (): Promise<EtcdTopo> => {
    const c = (await openTopo(options, testEnv())) as EtcdTopo;
    opened.push(c);
    return c;
  };
  const conn = await open();
  return {
    conn,
    openOther: open,
    spawnOtherProcessConn: options,
    cleanup: async () => {
      for (const c of opened) await c.close();
    },
  };
});

describe('EtcdTopo specifics', () => {
  it('fails Unavailable within a bounded time when etcd is down', async () => {
    const port = await findFreePort(); // nothing listens there
    const topo = new EtcdTopo({ hosts: [`http://127.0.0.1:${port}`], root: '/vitess/global', env: testEnv() });
    for (const op of [() => topo.get('/x'), () => topo.create('/x', Buffer.from('1')), () => topo.listDir('/')]) {
      const t0 = Date.now();
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VtError);
      expect((err as VtError).reason).toBe('Unavailable');
      expect((err as VtError).message).toContain(`127.0.0.1:${port}`);
      expect(Date.now() - t0).toBeLessThan(6_000);
    }
    await topo.close();
  });

  it('fails Unavailable within the call timeout when the server accepts but never answers', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => sockets.push(s)); // a black hole: accepts, never speaks HTTP/2
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const topo = new EtcdTopo({
      hosts: [`127.0.0.1:${port}`].map((h) => `http://${h}`),
      root: '/r',
      env: testEnv(),
      callTimeoutMs: 1_000,
    });
    const t0 = Date.now();
    const err = await topo.get('/x').catch((e: unknown) => e);
    expect((err as VtError).reason).toBe('Unavailable');
    expect(Date.now() - t0).toBeLessThan(5_000);
    await topo.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('a watch throws Unavailable when etcd goes away, and re-watching fails Unavailable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vt-etcd-down-'));
    const doomed = await startEtcd({ dataDir: join(dir, 'data') });
    const topo = new EtcdTopo({ hosts: [doomed.address], root: '/w', env: testEnv(), callTimeoutMs: 2_000 });
    try {
      await topo.create('/k', Buffer.from('1'));
      const w = await topo.watch('/k');
      const v2 = await topo.update('/k', Buffer.from('2'));
      const seen: string[] = [];
      const reader = (async () => {
        for await (const ev of w.changes) {
          seen.push(ev.kind === 'changed' ? `${ev.value.toString()}@${ev.version}` : ev.kind);
          if (seen.length === 1) await doomed.stop();
        }
      })();
      const t0 = Date.now();
      const err = await reader.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(seen).toEqual([`2@${v2}`]);
      expect((err as VtError).reason).toBe('Unavailable');
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(((await topo.watch('/k').catch((e: unknown) => e)) as VtError).reason).toBe('Unavailable');
    } finally {
      await topo.close();
      await doomed.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a held lock's `lost` fires when its lease can no longer be kept alive", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vt-etcd-lost-'));
    const doomed = await startEtcd({ dataDir: join(dir, 'data') });
    const topo = new EtcdTopo({ hosts: [doomed.address], root: '/l', env: testEnv(), leaseTtlSeconds: 1 });
    try {
      await topo.create('/ks/Keyspace', Buffer.from('1'));
      const lock = await topo.lock('/ks', 'test');
      expect(lock.lost.aborted).toBe(false);
      await doomed.stop();
      const t0 = Date.now();
      await new Promise<void>((resolve) => lock.lost.addEventListener('abort', () => resolve(), { once: true }));
      expect(Date.now() - t0).toBeLessThan(8_000);
      await lock.unlock(); // still idempotent and bounded with etcd gone
    } finally {
      await topo.close();
      await doomed.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);

  it('keeps values under <root><path> and locks outside the value tree', async () => {
    const a = new EtcdTopo({ hosts: [etcd.address], root: '/vitess/cellA', env: testEnv() });
    const b = new EtcdTopo({ hosts: [etcd.address], root: '/vitess/cellB', env: testEnv() });
    await a.create('/keyspaces/ks/Keyspace', Buffer.from('a'));
    expect((await b.get('/keyspaces/ks/Keyspace').catch((e: VtError) => e)) as VtError).toHaveProperty(
      'reason',
      'NoNode',
    );
    const lock = await a.lock('/keyspaces/ks', 'test');
    expect(await a.listDir('/')).toEqual([{ name: 'keyspaces', isDir: true }]);
    await lock.unlock();
    await a.delete('/keyspaces/ks/Keyspace');
    await a.close();
    await b.close();
  });

  it('parses server addresses with or without scheme', () => {
    expect(parseEtcdAddress('a:2379, http://b:2379')).toEqual(['http://a:2379', 'http://b:2379']);
    expect(() => parseEtcdAddress(' , ')).toThrow(VtError);
  });
});
