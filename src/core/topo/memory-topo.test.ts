import { describe, expect, it } from 'vitest';
import { VtError, isReason } from '../errors/index.js';
import { MemoryTopo } from './memory-topo.js';
import { runTopoConformance } from './topo-conformance.js';

describe('MemoryTopo specifics', () => {
  it('injects errors by op and path prefix until cleared', async () => {
    const topo = new MemoryTopo();
    await topo.create('/keyspaces/ks/Keyspace', Buffer.from('{}'));
    const boom = new VtError('UNAVAILABLE', 'injected', { reason: 'Unavailable' });
    topo.injectError('get', '/keyspaces/ks', boom);
    await expect(topo.get('/keyspaces/ks/Keyspace')).rejects.toBe(boom);
    // Other ops and other prefixes are unaffected.
    expect((await topo.listDir('/keyspaces')).map((e) => e.name)).toEqual(['ks']);
    await topo.create('/other/x', Buffer.from('1'));
    expect((await topo.get('/other/x')).value.toString()).toBe('1');
    topo.clearErrors();
    expect((await topo.get('/keyspaces/ks/Keyspace')).value.toString()).toBe('{}');
    await topo.close();
  });

  it('fails every call after close with Unavailable and ends open watches', async () => {
    const topo = new MemoryTopo();
    await topo.create('/a', Buffer.from('1'));
    const w = await topo.watch('/a');
    await topo.close();
    const seen: string[] = [];
    for await (const ev of w.changes) seen.push(ev.kind);
    expect(seen).toEqual([]);
    const err = await topo.get('/a').catch((e: unknown) => e);
    expect(isReason(err, 'Unavailable')).toBe(true);
  });
});

runTopoConformance(
  'memory',
  async () => {
    const conn = new MemoryTopo();
    return { conn, cleanup: () => conn.close() };
  },
  { crossProcess: false },
);
