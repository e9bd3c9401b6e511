import { describe, expect, it } from 'vitest';
import type { Tablet } from '../core/topo/records/tablet.js';
import { renderTabletLine } from './render.js';

const base: Tablet = {
  alias: { cell: 'zone1', uid: 100 },
  hostname: 'localhost',
  port_map: { vt: 15100, grpc: 16100 },
  mysql_hostname: 'localhost',
  mysql_port: 17100,
  keyspace: 'commerce',
  shard: '0',
  key_range: null,
  type: 'PRIMARY',
  primary_term_start_time: '2026-11-26T04:00:00.000Z',
  tags: {},
};

describe('renderTabletLine', () => {
  it.each([
    [base, 'zone1-0000000100 commerce 0 primary localhost:15100 localhost:17100 [] 2026-11-26T04:00:00Z'],
    [
      { ...base, type: 'REPLICA' as const, tags: { z: '1', a: 'b' }, primary_term_start_time: null },
      'zone1-0000000100 commerce 0 replica localhost:15100 localhost:17100 [a:b z:1] ',
    ],
    [
      { ...base, hostname: '::1', mysql_hostname: '::1', primary_term_start_time: null },
      'zone1-0000000100 commerce 0 primary [::1]:15100 [::1]:17100 [] ',
    ],
    [
      { ...base, keyspace: '', shard: '', port_map: {}, mysql_port: 0, type: 'SPARE' as const },
      'zone1-0000000100 <null> <null> spare localhost:0 localhost:0 [] 2026-11-26T04:00:00Z',
    ],
  ])('%#', (t, want) => {
    expect(renderTabletLine(t)).toBe(want);
  });
});
