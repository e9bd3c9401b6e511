import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { LocalTopo } from './local-topo.js';
import { MemoryTopo } from './memory-topo.js';
import { openTopo, type TopoImplementation } from './topo-factory.js';

describe('openTopo', () => {
  it('opens memory and local backends', async () => {
    const mem = await openTopo({ implementation: 'memory', root: '/' }, testEnv());
    expect(mem).toBeInstanceOf(MemoryTopo);
    await mem.close();
    const dir = await mkdtemp(join(tmpdir(), 'vt-topo-factory-'));
    const local = await openTopo({ implementation: 'local', root: join(dir, 'nested/topo') }, testEnv());
    expect(local).toBeInstanceOf(LocalTopo);
    await local.create('/x', Buffer.from('1'));
    await local.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails INVALID_ARGUMENT on a missing etcd address or an unknown implementation', async () => {
    const e1 = await openTopo({ implementation: 'etcd', root: '/vitess/global' }, testEnv()).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(VtError);
    expect((e1 as VtError).code).toBe('INVALID_ARGUMENT');
    expect((e1 as VtError).message).toContain('--topo-global-server-address');
    const bad = 'zk2' as TopoImplementation;
    const e2 = await openTopo({ implementation: bad, root: '/' }, testEnv()).catch((e: unknown) => e);
    expect((e2 as VtError).code).toBe('INVALID_ARGUMENT');
  });
});
