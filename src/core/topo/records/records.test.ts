import { describe, expect, it } from 'vitest';
import { VtError } from '../../errors/index.js';
import { decodeCellInfo } from './cell-info.js';
import { decodeKeyspace, newKeyspace } from './keyspace.js';
import { encodeRecord } from './record-reader.js';
import { decodeShard, newShard } from './shard.js';
import { decodeSrvKeyspace } from './srv-keyspace.js';
import { decodeTablet, tabletDbName } from './tablet.js';
import { formatTabletAlias, parseTabletAlias } from './tablet-alias.js';
import { decodeKeyspaceVSchema, decodeRoutingRules, decodeSrvVSchema } from './vschema-records.js';

const W = '/test/path';

function decodeError(fn: () => unknown): VtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VtError);
    return e as VtError;
  }
  throw new Error('expected a decode error');
}

describe('tablet aliases', () => {
  it.each([
    ['zone1-0000000100', 'zone1', 100],
    ['zone1-100', 'zone1', 100],
    ['us_east.1-7', 'us_east.1', 7],
    ['z-4294967295', 'z', 4294967295],
  ])('parses %s', (text, cell, uid) => {
    expect(parseTabletAlias(text)).toEqual({ cell, uid });
  });

  it('prints cell-uid with 10 zero-padded digits', () => {
    expect(formatTabletAlias({ cell: 'zone1', uid: 100 })).toBe('zone1-0000000100');
    expect(formatTabletAlias(parseTabletAlias('zone1-101'))).toBe('zone1-0000000101');
  });

  it.each(['zone1', '-100', 'zone1-', 'zone1-abc', 'zo/ne-1', 'z-4294967296', 'z-12345678901'])('rejects %s', (t) => {
    expect(() => parseTabletAlias(t)).toThrow(/invalid tablet alias/);
  });
});

describe('record decoding', () => {
  it('applies Vitess defaults', () => {
    expect(decodeKeyspace('{}', W)).toEqual({ durability_policy: 'none', sidecar_db_name: '_vt' });
    expect(decodeShard('{}', W)).toEqual(newShard(null, false));
    expect(decodeCellInfo('{}', W)).toEqual({ server_address: '', root: '' });
    expect(decodeSrvKeyspace('{}', W)).toEqual({ partitions: [] });
    expect(decodeRoutingRules('{}', W)).toEqual({ rules: [] });
  });

  it('round-trips every record and keeps unknown fields (top level and nested)', () => {
    const cases: [string, (d: Buffer, w: string) => unknown, object][] = [
      ['Keyspace', decodeKeyspace, { ...newKeyspace({ durability_policy: 'semi_sync' }), future_field: { a: 1 } }],
      [
        'Shard',
        decodeShard,
        {
          key_range: { start: '', end: '80', extra: true },
          primary_alias: { cell: 'zone1', uid: 100, other: 'x' },
          primary_term_start_time: '2026-01-01T00:00:00.000Z',
          is_primary_serving: true,
          tablet_controls: [{ tablet_type: 'REPLICA', cells: ['zone1'], denied_tables: ['t'], frozen: false, z: 1 }],
          source_shards: [{ uid: 1, keyspace: 'ks', shard: '0', key_range: null, tables: [], y: 2 }],
          new_thing: [1, 2, 3],
        },
      ],
      [
        'Tablet',
        decodeTablet,
        {
          alias: { cell: 'zone1', uid: 100 },
          hostname: 'localhost',
          port_map: { vt: 15100, grpc: 16100 },
          mysql_hostname: 'localhost',
          mysql_port: 17100,
          keyspace: 'commerce',
          shard: '0',
          key_range: null,
          type: 'PRIMARY',
          primary_term_start_time: null,
          tags: { az: 'a' },
          unknown_tablet_field: 'kept',
        },
      ],
      ['CellInfo', decodeCellInfo, { server_address: 'localhost:2379', root: '/vitess/zone1', region: 'eu' }],
      [
        'SrvKeyspace',
        decodeSrvKeyspace,
        {
          partitions: [
            { served_type: 'PRIMARY', shard_references: [{ name: '-80', key_range: { start: '', end: '80' } }], q: 1 },
          ],
          throttler_config: { enabled: true },
        },
      ],
      [
        'SrvVSchema',
        decodeSrvVSchema,
        {
          keyspaces: { commerce: { sharded: false, tables: { product: {} }, multi_tenant_spec: { x: 1 } } },
          routing_rules: { rules: [{ from_table: 'a', to_tables: ['commerce.a'] }] },
          keyspace_routing_rules: { rules: [] },
        },
      ],
    ];
    for (const [kind, decode, record] of cases) {
      const once = decode(encodeRecord(record), W);
      expect(once, kind).toEqual(record);
      // A read-modify-write through spread still carries the unknown fields.
      const modified = { ...(once as object), touched: 1 };
      expect(decode(encodeRecord(modified), W), kind).toEqual({ ...record, touched: 1 });
    }
  });

  it('normalises key range hex to lowercase and validates it', () => {
    expect(decodeShard('{"key_range":{"start":"80","end":"C0"}}', W).key_range).toEqual({ start: '80', end: 'c0' });
    const e = decodeError(() => decodeShard('{"key_range":{"start":"c0","end":"80"}}', W));
    expect(e.message).toContain('field "key_range"');
    expect(e.reason).toBe('BadRecord');
  });

  it.each([
    ['Keyspace', () => decodeKeyspace('not json', W), 'bad Keyspace record at /test/path: invalid JSON'],
    ['Keyspace', () => decodeKeyspace('[]', W), 'expected a JSON object'],
    ['Keyspace', () => decodeKeyspace('{"durability_policy":"quorum"}', W), 'field "durability_policy" must be one of'],
    ['Shard', () => decodeShard('{"is_primary_serving":"yes"}', W), 'field "is_primary_serving" must be a boolean'],
    ['Shard', () => decodeShard('{"tablet_controls":[{"cells":"x"}]}', W), 'field "tablet_controls[0].cells"'],
    ['Tablet', () => decodeTablet('{"type":"PRIMARY"}', W), 'field "alias"'],
    ['Tablet', () => decodeTablet('{"alias":{"cell":"z","uid":1},"type":"MASTERX"}', W), 'field "type"'],
    ['Tablet', () => decodeTablet('{"alias":{"cell":"z","uid":1},"port_map":{"vt":"x"}}', W), 'port_map.vt'],
    ['VSchema', () => decodeKeyspaceVSchema('{"sharded":"yes"}', W), '"sharded" must be a boolean'],
    ['RoutingRules', () => decodeRoutingRules('{"rules":[{"from_table":"a"}]}', W), 'to_tables'],
  ])('%s decode errors are VtErrors naming the field', (_kind, fn, msg) => {
    const e = decodeError(fn);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain(msg);
  });

  it('derives the tablet database name', () => {
    expect(tabletDbName({ keyspace: 'commerce' })).toBe('vt_commerce');
    expect(tabletDbName({ keyspace: 'commerce', db_name_override: 'shop' })).toBe('shop');
  });
});
