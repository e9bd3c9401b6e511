import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../src/core/env/env.js';
import { startEtcd, type EtcdProcess } from '../../src/core/topo/etcd-process.js';
import { openTopoServer } from '../../src/core/topo/open-topo-server.js';
import { runVt, type VtResult } from '../support/run-vt.js';

/**
 * `vt ctl` end to end: the real CLI in child processes against (1) the local store in a temp VTDATAROOT and
 * (2) a real etcd. Each backend builds the Vitess local-example layout (cell zone1; commerce unsharded,
 * customer sharded -80/80- with a hash vindex), reads it back as JSON, and checks the error paths.
 */

const customerVSchema = {
  sharded: true,
  vindexes: { hash: { type: 'hash' } },
  tables: { customer: { column_vindexes: [{ column: 'customer_id', name: 'hash' }] } },
};

const shardRefs = [
  { name: '-80', key_range: { start: '', end: '80' } },
  { name: '80-', key_range: { start: '80', end: '' } },
];

function json(r: VtResult): unknown {
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** A failed command: non-zero exit, exactly one line on stderr (no stack trace), nothing on stdout. */
function oneLineError(r: VtResult, exit = 1): string {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(exit);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: /);
  return lines[0]!;
}

/**
 * The shared scenario; `vt` runs a ctl verb with the backend's topology flags appended. Each CLI call costs
 * about a second of CPU (tsx + oclif + etcd3 imports), so independent calls run together in waves.
 */
function scenario(vt: (...args: string[]) => Promise<VtResult>, cellFlags: () => string[]): void {
  it('builds the example cluster layout, refusing bad input on the way', async () => {
    expect((await vt('add-cell-info', 'zone1', ...cellFlags())).code).toBe(0);

    const [commerce, customer] = await Promise.all([
      vt('CreateKeyspace', 'commerce', '--json'),
      vt('create-keyspace', 'customer', '--durability-policy', 'semi_sync'),
    ]);
    expect(json(commerce)).toEqual({
      name: 'commerce',
      keyspace: { durability_policy: 'none', sidecar_db_name: '_vt' },
    });
    expect(customer.code, customer.stderr).toBe(0);
    expect(customer.stdout).toContain('Successfully created keyspace customer.');

    const [s0, s1, s2, badVindex] = await Promise.all([
      vt('create-shard', 'commerce/0'),
      vt('create-shard', 'customer/-80'),
      vt('create-shard', 'customer/80-'),
      vt('apply-vschema', 'customer', '--vschema', '{"sharded":true,"vindexes":{"h":{"type":"hsh"}},"tables":{}}'),
    ]);
    for (const r of [s0, s1, s2]) expect(r.code, r.stderr).toBe(0);
    expect(oneLineError(badVindex)).toBe('Error: vschema: vindex "h": unknown vindex type "hsh"');

    const [applied, overlap, dup, missingCell, badFlag] = await Promise.all([
      vt('apply-vschema', 'customer', '--vschema', JSON.stringify(customerVSchema)),
      vt('create-shard', 'customer/40-c0'),
      vt('create-keyspace', 'commerce'),
      vt('get-srv-vschema', 'zone9'),
      vt('get-tablets', '--shard', '0'),
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Rebuilt SrvVSchema in cells: zone1');
    expect(oneLineError(overlap)).toBe(
      'Error: shard customer/40-c0 (key range 40-c0) overlaps existing shard customer/-80 (key range -80)',
    );
    expect(oneLineError(dup)).toBe('Error: keyspace commerce already exists');
    expect(oneLineError(missingCell)).toContain('cell zone9 not found; register it first: vt ctl add-cell-info zone9');
    expect(oneLineError(badFlag)).toBe('Error: --shard requires --keyspace');

    const [rebuilt, vschemaGraph] = await Promise.all([
      vt('RebuildKeyspaceGraph', 'commerce', 'customer'),
      vt('rebuild-vschema-graph'),
    ]);
    expect(rebuilt.stdout.trim().split('\n')).toEqual([
      'Rebuilt SrvKeyspace for commerce in cells: zone1',
      'Rebuilt SrvKeyspace for customer in cells: zone1',
    ]);
    expect(vschemaGraph.stdout.trim()).toBe('Rebuilt SrvVSchema in cells: zone1');
  });

  it('reads everything back as JSON', async () => {
    const [cells, keyspaces, shard, vschema, srvKs, srvVs, raw] = await Promise.all([
      vt('get-cell-info-names', '--json'),
      vt('get-keyspaces', '--json'),
      vt('get-shard', 'customer/-80', '--json'),
      vt('get-vschema', 'customer', '--json'),
      vt('get-srv-keyspaces', 'customer', 'zone1', '--json'),
      vt('GetSrvVSchema', 'zone1', '--json'),
      vt('get-topology-path', '/keyspaces/customer/Keyspace'),
    ]);
    expect(json(cells)).toEqual(['zone1']);
    expect(json(keyspaces)).toEqual([
      { name: 'commerce', keyspace: { durability_policy: 'none', sidecar_db_name: '_vt' } },
      { name: 'customer', keyspace: { durability_policy: 'semi_sync', sidecar_db_name: '_vt' } },
    ]);
    expect(json(shard)).toEqual({
      keyspace: 'customer',
      name: '-80',
      shard: {
        key_range: { start: '', end: '80' },
        primary_alias: null,
        primary_term_start_time: null,
        is_primary_serving: true,
        tablet_controls: [],
        source_shards: [],
      },
    });
    // The VSchema rejected earlier was never saved.
    expect(json(vschema)).toEqual(customerVSchema);
    expect(json(srvKs)).toEqual({
      zone1: {
        partitions: ['PRIMARY', 'REPLICA', 'RDONLY'].map((t) => ({ served_type: t, shard_references: shardRefs })),
      },
    });
    expect(json(srvVs)).toEqual({
      keyspaces: { commerce: {}, customer: customerVSchema },
      routing_rules: { rules: [] },
    });
    expect(raw.code).toBe(0);
    expect(JSON.parse(raw.stdout)).toEqual({ durability_policy: 'semi_sync', sidecar_db_name: '_vt' });
  });
}

describe('vt ctl on the local store', () => {
  let dataRoot: string;
  const vt = (...args: string[]) => runVt(['ctl', ...args], { VTDATAROOT: dataRoot });

  beforeAll(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), 'vt-ctl-local-'));
  });
  afterAll(async () => {
    await rm(dataRoot, { recursive: true, force: true });
  });

  scenario(vt, () => ['--root', '/vitess/zone1']);

  it('lists tablets in Vitess format and deletes them', async () => {
    // No verb registers tablets yet (the tablet process will): write them through the TopoServer.
    const ts = await openTopoServer({ implementation: 'local', root: join(dataRoot, 'topo') }, testEnv());
    try {
      const base = {
        hostname: 'localhost',
        mysql_hostname: 'localhost',
        keyspace: 'commerce',
        shard: '0',
        key_range: null,
        tags: {},
      };
      await ts.createTablet({
        ...base,
        alias: { cell: 'zone1', uid: 100 },
        port_map: { vt: 15100, grpc: 16100 },
        mysql_port: 17100,
        type: 'PRIMARY',
        primary_term_start_time: '2026-11-26T04:00:00.000Z',
      });
      await ts.createTablet({
        ...base,
        alias: { cell: 'zone1', uid: 101 },
        port_map: { vt: 15101, grpc: 16101 },
        mysql_port: 17101,
        type: 'REPLICA',
        primary_term_start_time: null,
        tags: { az: 'a' },
      });
    } finally {
      await ts.close();
    }
    const [listed, one, refused] = await Promise.all([
      vt('get-tablets', '--keyspace', 'commerce'),
      vt('get-tablet', 'zone1-101', '--json'),
      vt('delete-tablets', 'zone1-100'),
    ]);
    expect(listed.stdout).toBe(
      'zone1-0000000100 commerce 0 primary localhost:15100 localhost:17100 [] 2026-11-26T04:00:00Z\n' +
        'zone1-0000000101 commerce 0 replica localhost:15101 localhost:17101 [az:a] \n',
    );
    expect((json(one) as { type: string }).type).toBe('REPLICA');
    expect(oneLineError(refused)).toContain('zone1-0000000100 is the primary of commerce/0; use --allow-primary');
    const deleted = await vt('DeleteTablets', 'zone1-100', 'zone1-101', '--allow-primary');
    expect(deleted.code, deleted.stderr).toBe(0);
    const check = await openTopoServer({ implementation: 'local', root: join(dataRoot, 'topo') }, testEnv());
    try {
      expect(await check.getTabletsByCell('zone1')).toEqual([]);
    } finally {
      await check.close();
    }
  });
});

describe('vt ctl on etcd', () => {
  let dataDir: string;
  let etcd: EtcdProcess | undefined;
  let address = '';
  const vt = (...args: string[]) =>
    runVt([
      'ctl',
      ...args,
      '--topo-implementation',
      'etcd',
      '--topo-global-server-address',
      address,
      '--topo-global-root',
      '/vitess/global',
    ]);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vt-ctl-etcd-'));
    etcd = await startEtcd({ dataDir: join(dataDir, 'etcd') });
    address = etcd.address;
  });
  afterAll(async () => {
    await etcd?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  scenario(vt, () => ['--root', '/vitess/zone1', '--server-address', address]);

  it('fails fast with an "unavailable" error when etcd is down', async () => {
    await etcd!.stop();
    const started = Date.now();
    const r = await vt('get-keyspaces');
    expect(oneLineError(r).toLowerCase()).toContain('unavailable');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
