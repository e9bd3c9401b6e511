import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { MemoryTopo } from './memory-topo.js';
import { newKeyspace } from './records/keyspace.js';
import { encodeRecord } from './records/record-reader.js';
import type { Tablet } from './records/tablet.js';
import { badVersion } from './topo-errors.js';
import { TopoServer } from './topo-server.js';

function tablet(uid: number, ks: string, shard: string, type: Tablet['type'] = 'REPLICA', cell = 'zone1'): Tablet {
  return {
    alias: { cell, uid },
    hostname: 'localhost',
    port_map: { vt: 15000 + uid, grpc: 16000 + uid },
    mysql_hostname: 'localhost',
    mysql_port: 17000 + uid,
    keyspace: ks,
    shard,
    key_range: null,
    type,
    primary_term_start_time: null,
    tags: {},
  };
}

async function rejects(p: Promise<unknown>): Promise<VtError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VtError);
    return e as VtError;
  }
  throw new Error('expected a rejection');
}

describe('TopoServer on MemoryTopo', () => {
  let global: MemoryTopo;
  let cells: Map<string, MemoryTopo>;
  let ts: TopoServer;

  beforeEach(async () => {
    global = new MemoryTopo();
    cells = new Map();
    ts = new TopoServer(
      global,
      async (info, cell) => {
        const conn = new MemoryTopo();
        cells.set(`${cell}:${info.root}`, conn);
        return conn;
      },
      testEnv(),
    );
    await ts.createCellInfo('zone1', { server_address: '', root: '/vitess/zone1' });
  });

  afterEach(async () => {
    await ts.close();
  });

  it('registers cells and opens each cell conn once from its CellInfo', async () => {
    await ts.createCellInfo('zone2', { server_address: 'x:2379', root: '/vitess/zone2' });
    expect(await ts.getCellInfoNames()).toEqual(['zone1', 'zone2']);
    expect(await ts.getCellInfo('zone2')).toEqual({ server_address: 'x:2379', root: '/vitess/zone2' });
    const [a, b] = await Promise.all([ts.cellConn('zone1'), ts.cellConn('zone1')]);
    expect(a).toBe(b);
    expect([...cells.keys()]).toEqual(['zone1:/vitess/zone1']);
    expect((await rejects(ts.cellConn('zone3'))).message).toBe('cell zone3 not found');
    expect((await rejects(ts.createCellInfo('zone1', { server_address: '', root: '' }))).code).toBe('ALREADY_EXISTS');
    expect((await rejects(ts.createCellInfo('bad/cell', { server_address: '', root: '' }))).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('creates, reads, updates and deletes keyspaces at Vitess paths', async () => {
    await ts.createKeyspace('commerce', newKeyspace());
    await ts.createKeyspace('customer', newKeyspace({ durability_policy: 'semi_sync' }));
    expect(await ts.getKeyspaceNames()).toEqual(['commerce', 'customer']);
    const raw = JSON.parse((await global.get('/keyspaces/customer/Keyspace')).value.toString());
    expect(raw).toEqual({ durability_policy: 'semi_sync', sidecar_db_name: '_vt' });

    const dup = await rejects(ts.createKeyspace('commerce', newKeyspace()));
    expect([dup.code, dup.message]).toEqual(['ALREADY_EXISTS', 'keyspace commerce already exists']);
    const missing = await rejects(ts.getKeyspace('nope'));
    expect([missing.code, missing.reason, missing.message]).toEqual(['NOT_FOUND', 'NoNode', 'keyspace nope not found']);

    const updated = await ts.updateKeyspace('commerce', (k) => ({ ...k, sidecar_db_name: '_vt2' }));
    expect(updated.sidecar_db_name).toBe('_vt2');
    expect((await ts.getKeyspace('commerce')).sidecar_db_name).toBe('_vt2');

    await ts.deleteKeyspace('commerce');
    expect(await ts.getKeyspaceNames()).toEqual(['customer']);
    expect((await rejects(ts.createKeyspace('a/b', newKeyspace()))).code).toBe('INVALID_ARGUMENT');
  });

  it('creates shards, refusing overlaps with a message naming both shards', async () => {
    await ts.createKeyspace('customer', newKeyspace());
    const first = await ts.createShard('customer', '-80');
    expect(first).toMatchObject({ key_range: { start: '', end: '80' }, is_primary_serving: true, primary_alias: null });
    const second = await ts.createShard('customer', '80-');
    expect(second.is_primary_serving).toBe(true);
    expect(await ts.getShardNames('customer')).toEqual(['-80', '80-']);

    const overlap = await rejects(ts.createShard('customer', '40-c0'));
    expect(overlap.code).toBe('FAILED_PRECONDITION');
    expect(overlap.message).toBe(
      'shard customer/40-c0 (key range 40-c0) overlaps existing shard customer/-80 (key range -80)',
    );
    const dup = await rejects(ts.createShard('customer', '-80'));
    expect([dup.code, dup.message]).toEqual(['ALREADY_EXISTS', 'shard customer/-80 already exists']);
    expect((await rejects(ts.createShard('customer', '80-40'))).code).toBe('INVALID_ARGUMENT');
    expect((await rejects(ts.createShard('nope', '0'))).message).toBe('keyspace nope not found');

    // Resharding targets may overlap; they do not serve until traffic is switched.
    const target = await ts.createShard('customer', '-40', { allowOverlap: true });
    expect(target.is_primary_serving).toBe(false);
    expect((await rejects(ts.getShard('customer', 'c0-'))).message).toBe('shard customer/c0- not found');
  });

  it('retries updateShardFields when a concurrent writer changes the version (CAS)', async () => {
    await ts.createKeyspace('ks', newKeyspace());
    await ts.createShard('ks', '0');
    let calls = 0;
    const out = await ts.updateShardFields('ks', '0', (s) => {
      calls++;
      if (calls === 1) {
        // A concurrent writer commits between our read and our write.
        void global.update('/keyspaces/ks/shards/0/Shard', encodeRecord({ ...s, tablet_controls: [], other: 'kept' }));
      }
      return { ...s, primary_alias: { cell: 'zone1', uid: 100 } };
    });
    expect(calls).toBe(2);
    expect(out.primary_alias).toEqual({ cell: 'zone1', uid: 100 });
    const stored = await ts.getShard('ks', '0');
    expect(stored).toMatchObject({ primary_alias: { cell: 'zone1', uid: 100 }, other: 'kept' });
    expect(await ts.updateShardFields('ks', '0', () => null)).toEqual(stored);
  });

  it('gives up with ABORTED after repeated BadVersion', async () => {
    await ts.createKeyspace('ks', newKeyspace());
    await ts.createShard('ks', '0');
    global.injectError('update', '/keyspaces/ks/shards/0/Shard', badVersion('/keyspaces/ks/shards/0/Shard'));
    let calls = 0;
    const err = await rejects(ts.updateShardFields('ks', '0', (s) => (calls++, { ...s, is_primary_serving: false })));
    expect(err.code).toBe('ABORTED');
    expect(calls).toBe(10);
    global.clearErrors();
    expect((await ts.getShard('ks', '0')).is_primary_serving).toBe(true);
  });

  it('manages tablets in their cell store', async () => {
    await ts.createKeyspace('commerce', newKeyspace());
    await ts.createShard('commerce', '0');
    await ts.createTablet(tablet(101, 'commerce', '0'));
    await ts.createTablet(tablet(100, 'commerce', '0', 'PRIMARY'));
    await ts.createTablet(tablet(200, 'other', '0'));
    const cellConn = cells.get('zone1:/vitess/zone1')!;
    expect((await cellConn.listDir('/tablets')).map((e) => e.name)).toEqual([
      'zone1-0000000100',
      'zone1-0000000101',
      'zone1-0000000200',
    ]);
    await expect(global.listDir('/tablets')).rejects.toThrow(/doesn't exist/);
    expect((await ts.getTabletAliasesByCell('zone1')).map((a) => a.uid)).toEqual([100, 101, 200]);
    expect((await ts.getTabletsByShard('commerce', '0')).map((t) => t.alias.uid)).toEqual([100, 101]);
    expect((await ts.getTablet({ cell: 'zone1', uid: 100 })).type).toBe('PRIMARY');
    expect((await rejects(ts.createTablet(tablet(100, 'commerce', '0')))).message).toBe(
      'tablet zone1-0000000100 already exists',
    );
    await ts.updateTabletFields({ cell: 'zone1', uid: 101 }, (t) => ({ ...t, type: 'RDONLY' }));
    expect((await ts.getTablet({ cell: 'zone1', uid: 101 })).type).toBe('RDONLY');

    // A shard with tablets is only deleted recursively, and its tablets go with it.
    expect((await rejects(ts.deleteShard('commerce', '0'))).code).toBe('FAILED_PRECONDITION');
    expect((await rejects(ts.deleteKeyspace('commerce'))).message).toContain('still has 1 shard(s)');
    await ts.deleteKeyspace('commerce', { recursive: true });
    expect((await ts.getTabletsByCell('zone1')).map((t) => t.alias.uid)).toEqual([200]);
    expect((await rejects(ts.getTablet({ cell: 'zone1', uid: 100 }))).message).toBe(
      'tablet zone1-0000000100 not found',
    );
  });

  it('stores serving records per cell and VSchema/routing rules globally', async () => {
    await ts.createKeyspace('commerce', newKeyspace());
    const srv = {
      partitions: [{ served_type: 'PRIMARY' as const, shard_references: [{ name: '0', key_range: null }] }],
    };
    await ts.updateSrvKeyspace('zone1', 'commerce', srv);
    expect(await ts.getSrvKeyspace('zone1', 'commerce')).toEqual(srv);
    expect(await ts.getSrvKeyspaceNames('zone1')).toEqual(['commerce']);
    expect((await rejects(ts.getSrvKeyspace('zone1', 'x'))).message).toBe(
      'SrvKeyspace for keyspace x not found in cell zone1',
    );

    expect(await ts.getRoutingRules()).toEqual({ rules: [] });
    const rr = { rules: [{ from_table: 't', to_tables: ['commerce.t'] }] };
    await ts.saveRoutingRules(rr);
    expect(await ts.getRoutingRules()).toEqual(rr);

    expect((await rejects(ts.getVSchema('commerce'))).code).toBe('NOT_FOUND');
    await ts.saveVSchema('commerce', { tables: { t: {} } });
    expect(await ts.getVSchema('commerce')).toEqual({ tables: { t: {} } });
    expect((await rejects(ts.saveVSchema('nope', {}))).message).toBe('keyspace nope not found');

    await ts.updateSrvVSchema('zone1', { keyspaces: { commerce: {} }, routing_rules: rr });
    expect((await ts.getSrvVSchema('zone1')).routing_rules).toEqual(rr);
  });

  it('rebuildSrvVSchema retries when a concurrent rebuild wrote in between, so newer inputs win', async () => {
    const v1 = { keyspaces: { a: {} }, routing_rules: { rules: [] } };
    const v2 = { keyspaces: { a: {}, b: {} }, routing_rules: { rules: [] } };
    let builds = 0;
    const written = await ts.rebuildSrvVSchema('zone1', async () => {
      builds++;
      if (builds === 1) {
        // A concurrent rebuild with newer inputs (keyspace b) completes while this one is building.
        await ts.rebuildSrvVSchema('zone1', async () => v2);
        return v1;
      }
      return v2;
    });
    expect(builds).toBe(2);
    expect(written).toEqual(v2);
    expect(await ts.getSrvVSchema('zone1')).toEqual(v2);
  });

  it('watches SrvVSchema with decoded values', async () => {
    await ts.updateSrvVSchema('zone1', { keyspaces: {}, routing_rules: { rules: [] } });
    const ac = new AbortController();
    const w = await ts.watchSrvVSchema('zone1', ac.signal);
    expect(w.current.keyspaces).toEqual({});
    const it = w.changes[Symbol.asyncIterator]();
    await ts.updateSrvVSchema('zone1', { keyspaces: { a: { sharded: false } }, routing_rules: { rules: [] } });
    const next = await it.next();
    expect(next.value).toEqual({
      kind: 'changed',
      value: { keyspaces: { a: { sharded: false } }, routing_rules: { rules: [] } },
    });
    ac.abort();
    await expect(ts.watchSrvKeyspace('zone1', 'missing')).rejects.toThrow('SrvKeyspace for keyspace missing not found');
  });

  it('ends a SrvKeyspace watch on deletion, and fails it on an undecodable value', async () => {
    const srv = { partitions: [] };
    await ts.updateSrvKeyspace('zone1', 'ks', srv);
    const conn = await ts.cellConn('zone1');
    const w = await ts.watchSrvKeyspace('zone1', 'ks');
    expect(w.current).toEqual(srv);
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of w.changes) seen.push(ev.kind);
    })();
    await ts.updateSrvKeyspace('zone1', 'ks', { partitions: [{ served_type: 'PRIMARY', shard_references: [] }] });
    await conn.delete('/keyspaces/ks/SrvKeyspace');
    await done;
    expect(seen).toEqual(['changed', 'deleted']);

    await ts.updateSrvKeyspace('zone1', 'ks', srv);
    const w2 = await ts.watchSrvKeyspace('zone1', 'ks');
    const it2 = w2.changes[Symbol.asyncIterator]();
    await conn.update('/keyspaces/ks/SrvKeyspace', Buffer.from('{"partitions": 7}'));
    const err = await rejects(it2.next());
    expect(err.reason).toBe('BadRecord');
    expect(err.message).toContain('field "partitions" must be an array');
    await expect(ts.watchSrvKeyspace('zone1', 'ks')).rejects.toThrow(/bad SrvKeyspace record/);
  });

  it('locks keyspaces and shards exclusively', async () => {
    await ts.createKeyspace('ks', newKeyspace());
    await ts.createShard('ks', '0');
    const lock = await ts.lockShard('ks', '0', 'test');
    const timeout = await rejects(ts.lockShard('ks', '0', 'second', { timeoutMs: 50 }));
    expect(timeout.reason).toBe('Timeout');
    await lock.unlock();
    await (await ts.lockShard('ks', '0', 'third', { timeoutMs: 50 })).unlock();
    expect((await rejects(ts.lockKeyspace('nope', 'x'))).message).toBe('keyspace nope not found');
  });
});
