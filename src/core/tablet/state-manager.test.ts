import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import type { HealthMessage } from './query-service.js';
import { StateManager, parseTabletTypeArg } from './state-manager.js';

function serving(type: 'replica' | 'primary' | 'spare' = 'replica'): StateManager {
  const s = new StateManager({ alias: 'zone1-0000000100', keyspace: 'ks', shard: '-80', type });
  s.setEngineOpen(true);
  s.setMysql(true);
  return s;
}

function rejection(fn: () => void): VtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VtError);
    return e as VtError;
  }
  throw new Error('expected a rejection');
}

describe('StateManager', () => {
  it('serves only with the engine open, mysqld up, a serving type and not shutting down', () => {
    const s = new StateManager({ alias: 'zone1-0000000100', keyspace: 'ks', shard: '0', type: 'replica' });
    expect(s.serving).toBe(false);
    s.setEngineOpen(true);
    expect(s.serving).toBe(false);
    s.setMysql(true);
    expect(s.serving).toBe(true);
    s.setType('spare');
    expect(s.serving).toBe(false);
    s.setType('rdonly');
    expect(s.serving).toBe(true);
    s.setMysql(false, 'mysqld is not reachable: boom');
    expect(s.health()).toMatchObject({ serving: false, lastError: 'mysqld is not reachable: boom' });
    s.setMysql(true);
    s.setShuttingDown();
    expect(s.health()).toMatchObject({ serving: false, lastError: 'tablet is shutting down' });
  });

  it('admits only its own target, as Vitess words the refusals', () => {
    const s = serving();
    expect(() => s.checkTarget({ keyspace: 'ks', shard: '-80', tabletType: 'replica' })).not.toThrow();
    const ks = rejection(() => s.checkTarget({ keyspace: 'other', shard: '-80', tabletType: 'replica' }));
    expect([ks.code, ks.message]).toEqual([
      'FAILED_PRECONDITION',
      'invalid target: keyspace other does not match expected ks',
    ]);
    const shard = rejection(() => s.checkTarget({ keyspace: 'ks', shard: '80-', tabletType: 'replica' }));
    expect(shard.message).toBe('invalid target: shard 80- does not match expected -80');
    const type = rejection(() => s.checkTarget({ keyspace: 'ks', shard: '-80', tabletType: 'primary' }));
    expect([type.code, type.message]).toEqual(['FAILED_PRECONDITION', 'wrong tablet type: PRIMARY, want: REPLICA']);
    const none = rejection(() => s.checkTarget(undefined));
    expect(none.code).toBe('INVALID_ARGUMENT');
    s.setMysql(false);
    const down = rejection(() => s.checkTarget({ keyspace: 'ks', shard: '-80', tabletType: 'replica' }));
    expect([down.code, down.message]).toEqual(['UNAVAILABLE', 'operation not allowed in state NOT_SERVING']);
    expect(() =>
      s.checkTarget({ keyspace: 'ks', shard: '-80', tabletType: 'replica' }, { allowNotServing: true }),
    ).not.toThrow();
  });

  it('starts a primary term when becoming primary and clears it otherwise; notifies listeners in order', () => {
    const s = serving();
    const seen: HealthMessage[] = [];
    const off = s.onChange((h) => seen.push(h));
    s.setType('primary', '2026-01-01T00:00:00.000Z');
    s.setReplication(7, '');
    expect(s.health()).toMatchObject({
      tabletType: 'primary',
      primaryTermStartTime: '2026-01-01T00:00:00.000Z',
      replicationLagSeconds: 0,
    });
    s.setType('replica');
    expect(s.health()).toMatchObject({ tabletType: 'replica', primaryTermStartTime: null, replicationLagSeconds: 7 });
    s.setMysql(true); // no change: no event
    off();
    s.setType('rdonly');
    expect(seen.map((h) => h.tabletType)).toEqual(['primary', 'primary', 'replica']);
    const p = serving();
    p.setType('primary');
    expect(Date.parse(p.primaryTermStartTime!)).toBeGreaterThan(Date.now() - 5000);
  });

  it('stops serving a replica lagging beyond the unhealthy threshold, never a primary', () => {
    const s = new StateManager({
      alias: 'zone1-0000000100',
      keyspace: 'ks',
      shard: '0',
      type: 'replica',
      unhealthyLagSeconds: 30,
    });
    s.setEngineOpen(true);
    s.setMysql(true);
    s.setReplication(30, '');
    expect(s.serving).toBe(true);
    s.setReplication(31, '');
    expect(s.health()).toMatchObject({
      serving: false,
      replicationLagSeconds: 31,
      lastError: 'replication lag 31 s exceeds the unhealthy threshold of 30 s',
    });
    s.setType('primary');
    expect(s.serving).toBe(true);
  });

  it('parses tablet types case-insensitively', () => {
    expect(parseTabletTypeArg('RDONLY')).toBe('rdonly');
    expect(() => parseTabletTypeArg('master')).toThrow(/invalid tablet type "master"/);
  });
});
