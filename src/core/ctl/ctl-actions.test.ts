import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { MemoryTopo } from '../topo/memory-topo.js';
import type { Tablet } from '../topo/records/tablet.js';
import { TopoServer } from '../topo/topo-server.js';
import { addCellInfo } from './cell-actions.js';
import { getSrvKeyspaces, getSrvVSchema, rebuildKeyspaceGraph } from './graph-actions.js';
import { createKeyspace, deleteKeyspace, getKeyspaces } from './keyspace-actions.js';
import { createShard, deleteShards, parseKeyspaceShard } from './shard-actions.js';
import { deleteTablets, getTablets } from './tablet-actions.js';
import { getTopologyPath } from './topology-path.js';
import { applyRoutingRules, applyVSchema } from './vschema-actions.js';

async function rejects(p: Promise<unknown>): Promise<VtError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VtError);
    return e as VtError;
  }
  throw new Error('expected a rejection');
}

const customerVSchema = JSON.stringify({
  sharded: true,
  vindexes: { hash: { type: 'hash' } },
  tables: {
    customer: {
      column_vindexes: [{ column: 'customer_id', name: 'hash' }],
      auto_increment: { column: 'customer_id', sequence: 'customer_seq' },
    },
  },
});

describe('ctl actions on MemoryTopo', () => {
  let ts: TopoServer;

  beforeEach(async () => {
    const cellStores = new Map<string, MemoryTopo>();
    ts = new TopoServer(
      new MemoryTopo(),
      async (_info, cell) => cellStores.get(cell) ?? (cellStores.set(cell, new MemoryTopo()), cellStores.get(cell)!),
      testEnv(),
    );
    await addCellInfo(ts, 'zone1', { server_address: '', root: '/vitess/zone1' });
    await addCellInfo(ts, 'zone2', { server_address: '', root: '/vitess/zone2' });
    await createKeyspace(ts, 'commerce');
    await createKeyspace(ts, 'customer', { durabilityPolicy: 'semi_sync' });
  });

  afterEach(() => ts.close());

  it('creates keyspaces with an empty VSchema and publishes them in every cell', async () => {
    expect((await getKeyspaces(ts)).map((k) => [k.name, k.keyspace.durability_policy])).toEqual([
      ['commerce', 'none'],
      ['customer', 'semi_sync'],
    ]);
    expect(Object.keys((await getSrvVSchema(ts, 'zone2')).keyspaces)).toEqual(['commerce', 'customer']);
    expect((await rejects(createKeyspace(ts, 'commerce'))).code).toBe('ALREADY_EXISTS');
    expect((await createKeyspace(ts, 'commerce', { force: true })).name).toBe('commerce');
    expect((await rejects(createKeyspace(ts, 'x', { durabilityPolicy: 'paxos' }))).message).toContain(
      'invalid durability policy "paxos"',
    );
    expect((await rejects(getSrvVSchema(ts, 'zone9'))).message).toBe(
      'cell zone9 not found; register it first: vt ctl add-cell-info zone9 --root <root>',
    );
  });

  it('applies a VSchema, resolving the sequence in another keyspace, and rebuilds SrvVSchema', async () => {
    const missingSeq = await rejects(applyVSchema(ts, 'customer', customerVSchema));
    expect(missingSeq.message).toBe('vschema: table "customer": auto_increment: sequence "customer_seq" not found');
    await applyVSchema(ts, 'commerce', '{"tables": {"customer_seq": {"type": "sequence"}}}');

    const dry = await applyVSchema(ts, 'customer', customerVSchema, { dryRun: true });
    expect(dry.saved).toBe(false);
    expect((await getSrvVSchema(ts, 'zone1')).keyspaces['customer']).toEqual({});

    const res = await applyVSchema(ts, 'customer', customerVSchema);
    expect(res.rebuiltCells).toEqual(['zone1', 'zone2']);
    expect((await getSrvVSchema(ts, 'zone1')).keyspaces['customer']).toEqual(JSON.parse(customerVSchema));
    expect((await rejects(applyVSchema(ts, 'nope', '{}'))).message).toBe('keyspace nope not found');
  });

  it('rebuilds the keyspace graph from serving shards, refusing gaps', async () => {
    await createShard(ts, 'customer/-80');
    const gap = await rejects(createShard(ts, 'customer/c0-').then(() => rebuildKeyspaceGraph(ts, 'customer')));
    expect(gap.message).toContain('serving shards are not contiguous: -80 (-80) then c0- (c0-)');
    await deleteShards(ts, ['customer/c0-']);
    await createShard(ts, 'customer/80-');
    const { cells, srvKeyspace } = await rebuildKeyspaceGraph(ts, 'customer');
    expect(cells).toEqual(['zone1', 'zone2']);
    const refs = [
      { name: '-80', key_range: { start: '', end: '80' } },
      { name: '80-', key_range: { start: '80', end: '' } },
    ];
    expect(srvKeyspace.partitions).toEqual([
      { served_type: 'PRIMARY', shard_references: refs },
      { served_type: 'REPLICA', shard_references: refs },
      { served_type: 'RDONLY', shard_references: refs },
    ]);
    expect(Object.keys(await getSrvKeyspaces(ts, 'customer', ['zone2']))).toEqual(['zone2']);
    // A shard still in the serving graph is not deleted by accident.
    expect((await rejects(deleteShards(ts, ['customer/80-']))).message).toContain('is still serving in cell zone1');
    expect((await rejects(rebuildKeyspaceGraph(ts, 'commerce'))).message).toBe(
      'keyspace commerce has no serving shards',
    );
  });

  it('lists and deletes tablets, protecting primaries', async () => {
    await createShard(ts, 'commerce/0');
    const mk = (uid: number, type: Tablet['type'], cell = 'zone1'): Tablet => ({
      alias: { cell, uid },
      hostname: 'localhost',
      port_map: { vt: 15000 + uid },
      mysql_hostname: 'localhost',
      mysql_port: 17000 + uid,
      keyspace: 'commerce',
      shard: '0',
      key_range: null,
      type,
      primary_term_start_time: null,
      tags: {},
    });
    await ts.createTablet(mk(100, 'PRIMARY'));
    await ts.createTablet(mk(101, 'REPLICA'));
    await ts.createTablet(mk(200, 'RDONLY', 'zone2'));
    await ts.updateShardFields('commerce', '0', (s) => ({ ...s, primary_alias: { cell: 'zone1', uid: 100 } }));
    expect((await getTablets(ts)).map((t) => t.alias.uid)).toEqual([100, 101, 200]);
    expect((await getTablets(ts, { cells: ['zone2'] })).map((t) => t.alias.uid)).toEqual([200]);
    expect((await getTablets(ts, { keyspace: 'commerce', shard: '1' })).length).toBe(0);
    expect((await getTablets(ts, { tabletAliases: ['zone1-101'] }))[0]!.type).toBe('REPLICA');
    expect((await rejects(getTablets(ts, { shard: '0' }))).message).toBe('--shard requires --keyspace');

    const refused = await rejects(deleteTablets(ts, ['zone1-101', 'zone1-100']));
    expect(refused.message).toContain('zone1-0000000100 is the primary of commerce/0; use --allow-primary');
    expect((await getTablets(ts)).length).toBe(3); // nothing deleted
    await deleteTablets(ts, ['zone1-100'], { allowPrimary: true });
    expect((await ts.getShard('commerce', '0')).primary_alias).toBeNull();
    expect((await rejects(deleteTablets(ts, ['zone1-100']))).message).toBe('tablet zone1-0000000100 not found');
  });

  it('validates and applies routing rules', async () => {
    const bad = await rejects(applyRoutingRules(ts, '{"rules":[{"from_table":"t","to_tables":["nope.t"]}]}'));
    expect(bad.message).toContain('keyspace "nope" not found');
    await applyRoutingRules(ts, '{"rules":[{"from_table":"t","to_tables":["customer.t"]}]}');
    expect((await getSrvVSchema(ts, 'zone1')).routing_rules.rules).toEqual([
      { from_table: 't', to_tables: ['customer.t'] },
    ]);
  });

  it('reads raw topology paths and deletes keyspaces', async () => {
    const node = await getTopologyPath(ts, '/keyspaces/customer/Keyspace');
    expect(node.kind === 'value' && JSON.parse(node.data)).toEqual({
      durability_policy: 'semi_sync',
      sidecar_db_name: '_vt',
    });
    const dir = await getTopologyPath(ts, '/keyspaces');
    expect(dir.kind === 'dir' && dir.children.map((c) => c.name)).toEqual(['commerce', 'customer']);
    const cellDir = await getTopologyPath(ts, '/', { cell: 'zone1' });
    expect(cellDir.kind === 'dir' && cellDir.children.map((c) => c.name)).toEqual(['SrvVSchema']);
    expect((await rejects(getTopologyPath(ts, '/nope'))).message).toBe("node doesn't exist: /nope");

    await createShard(ts, 'commerce/0');
    expect((await rejects(deleteKeyspace(ts, 'commerce'))).code).toBe('FAILED_PRECONDITION');
    await deleteKeyspace(ts, 'commerce', { recursive: true });
    expect(Object.keys((await getSrvVSchema(ts, 'zone1')).keyspaces)).toEqual(['customer']);
  });

  it('creates shards idempotently with force, and their keyspace with includeParent', async () => {
    await createShard(ts, 'customer/-80');
    expect((await rejects(createShard(ts, 'customer/-80'))).code).toBe('ALREADY_EXISTS');
    expect((await createShard(ts, 'customer/-80', { force: true })).shard.key_range).toEqual({ start: '', end: '80' });
    expect((await rejects(createShard(ts, 'newks/0'))).message).toBe('keyspace newks not found');
    const created = await createShard(ts, 'newks/0', { includeParent: true });
    expect(created.shard.is_primary_serving).toBe(true);
    expect(await ts.getKeyspace('newks')).toEqual({ durability_policy: 'none', sidecar_db_name: '_vt' });
    // A rejected overlap is not hidden by force.
    expect((await rejects(createShard(ts, 'customer/40-c0', { force: true }))).code).toBe('FAILED_PRECONDITION');
  });

  it('parses keyspace/shard arguments', () => {
    expect(parseKeyspaceShard('customer/-80')).toEqual({ keyspace: 'customer', shard: '-80' });
    for (const bad of ['customer', '/0', 'customer/', 'a/b/c'])
      expect(() => parseKeyspaceShard(bad)).toThrow(/keyspace\/shard/);
  });
});
