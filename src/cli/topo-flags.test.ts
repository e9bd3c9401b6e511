import { Parser } from '@oclif/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topoFlags, topoOptionsFromFlags } from './topo-flags.js';

async function parse(argv: string[]) {
  const { flags } = await Parser.parse(argv, { flags: topoFlags, strict: true });
  return flags;
}

describe('topoFlags', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('VT_TOPO_')) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('defaults to the local store under <dataRoot>/topo', async () => {
    expect(topoOptionsFromFlags(await parse([]), '/data')).toEqual({ implementation: 'local', root: '/data/topo' });
  });

  it('--topo-root wins over --topo-global-root for local', async () => {
    const f = await parse(['--topo-global-root', '/g', '--topo-root', '/r']);
    expect(topoOptionsFromFlags(f, '/data')).toEqual({ implementation: 'local', root: '/r' });
    expect(topoOptionsFromFlags(await parse(['--topo-global-root', '/g']), '/data').root).toBe('/g');
  });

  it('etcd takes the address and defaults the root to /vitess/global', async () => {
    const f = await parse(['--topo-implementation', 'etcd', '--topo-global-server-address', 'h1:2379,h2:2379']);
    expect(topoOptionsFromFlags(f)).toEqual({
      implementation: 'etcd',
      serverAddress: 'h1:2379,h2:2379',
      root: '/vitess/global',
    });
  });

  it('reads VT_TOPO_* from the environment', async () => {
    process.env['VT_TOPO_IMPLEMENTATION'] = 'etcd';
    process.env['VT_TOPO_GLOBAL_SERVER_ADDRESS'] = 'localhost:2379';
    process.env['VT_TOPO_GLOBAL_ROOT'] = '/vitess/test';
    expect(topoOptionsFromFlags(await parse([]))).toEqual({
      implementation: 'etcd',
      serverAddress: 'localhost:2379',
      root: '/vitess/test',
    });
  });

  it('rejects an unknown implementation', async () => {
    await expect(parse(['--topo-implementation', 'zk2'])).rejects.toThrow(/zk2/);
  });

  it('without topology flags uses the topology vt up recorded in <dataRoot>/cluster.json', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vt-topo-flags-'));
    try {
      expect(topoOptionsFromFlags(await parse([]), root)).toEqual({
        implementation: 'local',
        root: join(root, 'topo'),
      });
      const topo = { implementation: 'etcd', root: '/vitess/global', serverAddress: '127.0.0.1:23790' };
      writeFileSync(join(root, 'cluster.json'), JSON.stringify({ version: 1, topo }));
      expect(topoOptionsFromFlags(await parse([]), root)).toEqual(topo);
      // An explicit choice still wins over the record.
      expect(topoOptionsFromFlags(await parse(['--topo-implementation', 'local']), root).implementation).toBe('local');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
