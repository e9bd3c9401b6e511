import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/core/cluster/cluster-state.js';
import { TEST_TEMPLATE_ROOT } from '../support/mysqld.js';
import { runVt } from '../support/run-vt.js';

/**
 * The gate tried as a new user would: a cluster from `vt up` (the README's path), then small applications
 * written with the clients Debian ships — Python's pymysql (text protocol) and PHP's mysqli and PDO (prepared
 * statements over the binary protocol) — each checked for values, transactions and MySQL error codes.
 * The interpreters come from Debian packages that .ci/run installs (python3-pymysql, php-cli, php-mysql).
 */

const here = fileURLToPath(new URL('./clients/', import.meta.url));
const env = { VT_MYSQL_TEMPLATE_ROOT: TEST_TEMPLATE_ROOT, VT_LOG_LEVEL: 'warn' };
let root = '';
let port = 0;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('Debian client libraries against vt gate', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'vt-clients-'));
    const up = await runVt(['up', '--root', root, '--port-base', '27000', '--replicas', '0'], env, 180_000);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    const state = JSON.parse(await readFile(join(root, 'cluster.json'), 'utf8')) as ClusterState;
    port = state.ports.gateMysql;
  });

  afterAll(async () => {
    if (root === '') return;
    await runVt(['down', '--root', root, '--clean'], env, 120_000);
    await rm(root, { recursive: true, force: true });
  });

  it('python3-pymysql: text protocol values, rollback, error codes', async () => {
    const out = JSON.parse(
      await run('/usr/bin/python3', [join(here, 'client.py'), String(port), 'commerce', 'py_items']),
    );
    expect(out.version).toMatch(/-vt$/);
    expect(out.inserted).toBe(2);
    expect(out.rows).toEqual([
      [1, "it's", '1.50', '2024-01-02T03:04:05.123456', '0001ff'],
      [2, 'naïve \\ "q"', '2.25', null, null],
    ]);
    expect(out.afterRollback).toBe('1.50');
    expect(out.duplicateErrno).toBe(1062);
    expect(out.missingTableErrno).toBe(1146);
  });

  it('php mysqli and PDO: prepared statements (binary protocol), transactions, error codes', async () => {
    const out = JSON.parse(await run('php', [join(here, 'client.php'), String(port), 'commerce', 'php_items']));
    expect(out.version).toMatch(/-vt$/);
    expect(out.mysqliRows).toEqual([
      [1, 'alpha', 10, 1.5],
      [2, "o'brien", null, 2.25],
    ]);
    expect(out.mysqliDuplicate).toEqual([1062, '23000']);
    expect(out.pdoRow).toEqual(['pdo', 7]);
    expect(out.pdoMissingTable).toEqual([1146, '42S02']);
  });

  // Compatibility, not a benchmark (those live in bench/): sysbench prepares its table through the gate (DDL,
  // bulk INSERT, CREATE INDEX) and runs a few seconds of oltp_read_write in each protocol mode without an error.
  it.each(['disable', 'auto'])('sysbench oltp_read_write through the gate, --db-ps-mode=%s', async (mode) => {
    const common = [
      'oltp_read_write',
      '--mysql-host=127.0.0.1',
      `--mysql-port=${port}`,
      '--mysql-user=app',
      '--mysql-db=commerce',
      '--tables=1',
      '--table-size=500',
      '--threads=1', // one thread: no InnoDB deadlocks (1213) to tolerate, so every error fails the run
      `--db-ps-mode=${mode}`,
      '--mysql-ignore-errors=none',
    ];
    await run('sysbench', [...common, 'prepare']);
    try {
      const out = await run('sysbench', [...common, '--time=3', '--report-interval=0', 'run']);
      const transactions = Number(/transactions:\s+(\d+)/.exec(out)?.[1] ?? 0);
      expect(transactions, out).toBeGreaterThan(10);
      expect(out).toMatch(/ignored errors:\s+0\s/);
    } finally {
      await run('sysbench', [...common, 'cleanup']);
    }
  });
});
