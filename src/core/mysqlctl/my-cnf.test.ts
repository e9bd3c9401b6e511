import { describe, expect, it } from 'vitest';
import { parseMyCnfEndpoints, renderMyCnf } from './my-cnf.js';
import { mysqldPaths } from './mysqld-paths.js';

const paths = mysqldPaths('/data/root', 100);

/** Settings as a map; the last occurrence wins, as in MySQL option files. */
function settings(cnf: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of cnf.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith('[')) continue;
    const eq = t.indexOf('=');
    m.set(eq < 0 ? t : t.slice(0, eq).trim(), eq < 0 ? '' : t.slice(eq + 1).trim());
  }
  return m;
}

describe('renderMyCnf', () => {
  it('writes only a [mysqld] group with identity, binlog/GTID contract and paths', () => {
    const cnf = renderMyCnf({ uid: 100, port: 17100, paths });
    expect(cnf.match(/^\[.*\]$/gm)).toEqual(['[mysqld]']);
    const s = settings(cnf);
    const expected: Record<string, string> = {
      server_id: '100',
      port: '17100',
      bind_address: '127.0.0.1',
      socket: '/data/root/vt_0000000100/mysql.sock',
      datadir: '/data/root/vt_0000000100/data',
      tmpdir: '/data/root/vt_0000000100/tmp',
      pid_file: '/data/root/vt_0000000100/mysqld.pid',
      log_error: '/data/root/vt_0000000100/error.log',
      log_bin: '/data/root/vt_0000000100/vt-0000000100-bin',
      relay_log: '/data/root/vt_0000000100/vt-0000000100-relay-bin',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      binlog_row_metadata: 'FULL',
      log_slave_updates: '1',
      gtid_strict_mode: '1',
      gtid_domain_id: '0',
      read_only: '1',
      skip_slave_start: '',
      performance_schema: 'OFF',
      innodb_buffer_pool_size: '32M',
      character_set_server: 'utf8mb4',
      collation_server: 'utf8mb4_general_ci',
      innodb_flush_log_at_trx_commit: '2',
      sync_binlog: '0',
    };
    for (const [k, v] of Object.entries(expected)) expect([k, s.get(k)]).toEqual([k, v]);
    expect(s.get('sql_mode')).not.toContain('ONLY_FULL_GROUP_BY');
  });

  it('makes commits durable with --durable', () => {
    const s = settings(renderMyCnf({ uid: 100, port: 17100, paths, durable: true }));
    expect(s.get('innodb_flush_log_at_trx_commit')).toBe('1');
    expect(s.get('sync_binlog')).toBe('1');
  });

  it('appends the extra file last so that its settings win', () => {
    const cnf = renderMyCnf({ uid: 100, port: 17100, paths, extra: 'max_connections = 500' });
    expect(settings(cnf).get('max_connections')).toBe('500');
    expect(cnf.endsWith('max_connections = 500\n')).toBe(true);
  });
});

describe('parseMyCnfEndpoints', () => {
  it('reads back what renderMyCnf wrote, last occurrence winning', () => {
    const cnf = renderMyCnf({ uid: 7, port: 23456, paths: mysqldPaths('/r', 7, '/tmp/x.sock'), extra: 'port = 23457' });
    expect(parseMyCnfEndpoints(cnf)).toEqual({ port: 23457, socket: '/tmp/x.sock' });
  });

  it('returns nothing for a file without them', () => {
    expect(parseMyCnfEndpoints('[mysqld]\nserver_id=1\n')).toEqual({});
  });
});
