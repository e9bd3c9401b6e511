import { describe, expect, it } from 'vitest';
import { parseKeyspaceSpec, planCluster } from './cluster-plan.js';

describe('parseKeyspaceSpec', () => {
  it.each([
    ['commerce', { name: 'commerce', shards: ['0'] }],
    ['commerce:0', { name: 'commerce', shards: ['0'] }],
    ['customer:-80,80-', { name: 'customer', shards: ['-80', '80-'] }],
    ['customer:80-,-80', { name: 'customer', shards: ['-80', '80-'] }],
    ['c:-40,40-80,80-c0,c0-', { name: 'c', shards: ['-40', '40-80', '80-c0', 'c0-'] }],
    ['c:-', { name: 'c', shards: ['-'] }],
  ])('%s', (text, want) => {
    expect(parseKeyspaceSpec(text)).toEqual(want);
  });

  it.each([
    ['', /keyspace name/],
    ['bad-name', /keyspace name/],
    ['ks:', /empty shard/],
    ['ks:-80,-80', /listed twice/],
    ['ks:-80', /do not reach the end/],
    ['ks:80-', /gaps or overlaps/],
    ['ks:-80,40-', /gaps or overlaps/],
    ['ks:-80,80-,0', /must be alone/],
    ['ks:-8g', /hex/],
  ])('rejects %j', (text, msg) => {
    expect(() => parseKeyspaceSpec(text)).toThrow(msg);
  });
});

describe('planCluster', () => {
  const base = { cell: 'zone1', replicas: 1, rdonly: 0, portBase: 15000 };

  it("lays tablets out in uid blocks of 100 per shard with Vitess's example ports", () => {
    const plan = planCluster({
      ...base,
      rdonly: 1,
      keyspaces: [
        { name: 'commerce', shards: ['0'] },
        { name: 'customer', shards: ['-80', '80-'] },
      ],
    });
    expect(plan.tablets.map((t) => [t.alias, t.keyspace, t.shard, t.role])).toEqual([
      ['zone1-0000000100', 'commerce', '0', 'primary'],
      ['zone1-0000000101', 'commerce', '0', 'replica'],
      ['zone1-0000000102', 'commerce', '0', 'rdonly'],
      ['zone1-0000000200', 'customer', '-80', 'primary'],
      ['zone1-0000000201', 'customer', '-80', 'replica'],
      ['zone1-0000000202', 'customer', '-80', 'rdonly'],
      ['zone1-0000000300', 'customer', '80-', 'primary'],
      ['zone1-0000000301', 'customer', '80-', 'replica'],
      ['zone1-0000000302', 'customer', '80-', 'rdonly'],
    ]);
    expect(plan.tablets[0]).toMatchObject({ httpPort: 15100, grpcPort: 16100, mysqlPort: 17100 });
    expect(plan).toMatchObject({ gateMysqlPort: 15306, gateHttpPort: 15001, etcdClientPort: 2379, etcdPeerPort: 2380 });
  });

  it('shifts every derived port by the port base, but not an explicit gate port', () => {
    const plan = planCluster({ ...base, portBase: 25000, keyspaces: [{ name: 'ks', shards: ['0'] }] });
    expect(plan.tablets[1]).toMatchObject({ uid: 101, httpPort: 25101, grpcPort: 26101, mysqlPort: 27101 });
    expect(plan).toMatchObject({ gateMysqlPort: 25306, gateHttpPort: 25001, etcdClientPort: 12379 });
    expect(
      planCluster({ ...base, gateMysqlPort: 3306, keyspaces: [{ name: 'ks', shards: ['0'] }] }).gateMysqlPort,
    ).toBe(3306);
  });

  it('rejects impossible layouts', () => {
    const ks = [{ name: 'ks', shards: ['0'] }];
    expect(() => planCluster({ ...base, keyspaces: [] })).toThrow(/no keyspace/);
    expect(() => planCluster({ ...base, keyspaces: [...ks, ...ks] })).toThrow(/given twice/);
    expect(() => planCluster({ ...base, replicas: 99, keyspaces: ks })).toThrow(/at most 99/);
    expect(() => planCluster({ ...base, replicas: -1, keyspaces: ks })).toThrow(/--replicas/);
    expect(() => planCluster({ ...base, portBase: 64000, keyspaces: ks })).toThrow(/outside 1\.\.65535/);
    expect(() => planCluster({ ...base, cell: 'zone-1', keyspaces: ks })).toThrow(/cell name/);
  });
});
