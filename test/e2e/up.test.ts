import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { recordedTopoOptions, type ClusterState } from '../../src/core/cluster/cluster-state.js';
import { upCluster } from '../../src/core/cluster/cluster-up.js';
import { testEnv } from '../../src/core/env/env.js';
import { isPortFree } from '../../src/core/cluster/port-allocator.js';
import { isProcessAlive } from '../../src/core/mysqlctl/process-utils.js';
import { TEST_TEMPLATE_ROOT } from '../support/mysqld.js';
import { runVt, type VtResult } from '../support/run-vt.js';

/**
 * `vt up` / `vt down` end to end: the real CLI starts real mysqlds, tablets and a gate in the background in a
 * temp root (ports shifted away from the defaults with --port-base), and the cluster is checked from outside:
 * cluster.json, the gate through mysql2 and the mariadb CLI, `vt ctl` with VTDATAROOT, the refusal of a
 * second `vt up`, and `vt down --clean` leaving no process, no listener and no root behind. A bad schema file
 * must fail `vt up` naming the file, with nothing left running.
 */

const env = { VT_MYSQL_TEMPLATE_ROOT: TEST_TEMPLATE_ROOT, VT_LOG_LEVEL: 'warn' };
const roots: string[] = [];

async function newRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'vt-up-'));
  roots.push(root);
  return root;
}

function explain(r: VtResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

async function readState(root: string): Promise<ClusterState> {
  return JSON.parse(await readFile(join(root, 'cluster.json'), 'utf8')) as ClusterState;
}

/** Every pid whose command line or environment mentions `root`: what "nothing left running" means. */
async function processesUsing(root: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const found: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      const [cmd, environ] = await Promise.all([
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
        readFile(`/proc/${pid}/environ`, 'utf8'),
      ]);
      if (!(await isProcessAlive(pid))) continue;
      if (cmd.includes(root) || environ.split('\0').includes(`VTDATAROOT=${root}`)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function waitDead(pid: number): Promise<void> {
  for (let i = 0; i < 200 && (await isProcessAlive(pid)); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await isProcessAlive(pid), `pid ${pid} survived SIGKILL`).toBe(false);
}

function allPorts(s: ClusterState): number[] {
  return [s.ports.gateMysql, s.ports.gateHttp, ...s.tablets.flatMap((t) => [t.httpPort, t.grpcPort, t.mysqlPort])];
}

function mariadbCli(port: number, database: string, sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'mariadb',
      ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', '--batch', '--skip-column-names', database, '-e', sql],
      { timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

afterAll(async () => {
  for (const root of roots) {
    try {
      await stat(join(root, 'cluster.json'));
      await runVt(['down', '--root', root, '--clean'], env, 90_000);
    } catch {
      // no cluster recorded there
    }
    await rm(root, { recursive: true, force: true });
  }
}, 120_000);

describe('vt up / vt down', () => {
  it('starts the commerce demo, serves it through the gate, refuses a second up, restarts after a crash, and goes down cleanly', async () => {
    const root = await newRoot();
    // Someone already listens on the gate's default MySQL port: vt up must pick another one and say so.
    const squatter = createServer();
    await new Promise<void>((resolve) => {
      squatter.once('error', () => resolve());
      squatter.listen(21306, '127.0.0.1', () => resolve());
    });
    const started = Date.now();
    const up = await runVt(['up', '--root', root, '--port-base', '21000'], env, 120_000).finally(
      () => new Promise((r) => squatter.close(r)),
    );
    const upMs = Date.now() - started;
    expect(up.code, explain(up)).toBe(0);
    console.log(`vt up (demo, 2 tablets) took ${(upMs / 1000).toFixed(1)} s`);
    expect(upMs).toBeLessThan(90_000);

    const state = await readState(root);
    expect(state.status).toBe('up');
    expect(state.root).toBe(root);
    expect(state.keyspaces).toEqual([{ name: 'commerce', shards: ['0'] }]);
    expect(state.tablets.map((t) => [t.alias, t.role])).toEqual([
      ['zone1-0000000100', 'primary'],
      ['zone1-0000000101', 'replica'],
    ]);
    expect(state.ports.gateMysql).not.toBe(21306);
    expect(up.stdout).toContain(`gate MySQL 21306 -> ${state.ports.gateMysql}`);
    const ports = allPorts(state);
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) expect(p).toBeGreaterThan(0);
    expect(up.stdout).toContain(`mysql -h 127.0.0.1 -P ${state.ports.gateMysql}`);
    expect(up.stdout).toContain(`mariadb -h 127.0.0.1 -P ${state.ports.gateMysql}`);
    expect(state.processes.map((p) => p.role).sort()).toEqual(['gate', 'mysqld', 'mysqld', 'tablet', 'tablet']);
    for (const p of state.processes) expect(await isProcessAlive(p.pid), p.name).toBe(true);

    // The sample rows, through the gate, with two clients.
    const c = await createConnection({
      host: '127.0.0.1',
      port: state.ports.gateMysql,
      user: 'root',
      database: 'commerce',
    });
    try {
      const [products] = await c.query<RowDataPacket[]>('select count(*) as n from product');
      expect(Number(products[0]!['n'])).toBe(2);
      const [customers] = await c.query<RowDataPacket[]>('select email from customer order by customer_id');
      expect(customers.map((r) => String(r['email']))).toEqual([
        'alice@domain.com',
        'bob@domain.com',
        'charlie@domain.com',
        'dan@domain.com',
        'eve@domain.com',
      ]);
    } finally {
      await c.end();
    }
    expect((await mariadbCli(state.ports.gateMysql, 'commerce', 'select count(*) from corder')).trim()).toBe('5');

    // vt ctl finds the topology from VTDATAROOT alone.
    const tablets = await runVt(['ctl', 'get-tablets'], { VTDATAROOT: root });
    expect(tablets.code, explain(tablets)).toBe(0);
    expect(tablets.stdout).toMatch(/zone1-0000000100 commerce 0 primary/);
    expect(tablets.stdout).toMatch(/zone1-0000000101 commerce 0 replica/);

    // A second up on the running root refuses and changes nothing.
    const again = await runVt(['up', '--root', root, '--port-base', '21000'], env, 60_000);
    expect(again.code, explain(again)).not.toBe(0);
    expect(again.stderr).toContain('already running');
    expect(await readState(root)).toEqual(state);
    for (const p of state.processes) expect(await isProcessAlive(p.pid), p.name).toBe(true);

    // A crash (every process SIGKILLed) leaves a stale record: the next vt up restarts that cluster, data kept.
    for (const p of state.processes) process.kill(p.pid, 'SIGKILL');
    for (const p of state.processes) await waitDead(p.pid);
    const restart = await runVt(['up', '--root', root], env, 120_000);
    expect(restart.code, explain(restart)).toBe(0);
    expect(restart.stdout).toContain('restarting the cluster recorded in');
    const restarted = await readState(root);
    expect(restarted.status).toBe('up');
    expect(restarted.tablets).toEqual(state.tablets);
    expect(restarted.ports).toEqual(state.ports);
    expect(restarted.processes.map((p) => p.pid)).not.toContain(state.processes[0]!.pid);
    expect((await mariadbCli(state.ports.gateMysql, 'commerce', 'select count(*) from customer')).trim()).toBe('5');

    const down = await runVt(['down', '--root', root, '--clean'], env, 90_000);
    expect(down.code, explain(down)).toBe(0);
    expect(down.stdout).toContain('stopped gate');
    for (const p of restarted.processes) expect(await isProcessAlive(p.pid), `${p.name} pid ${p.pid}`).toBe(false);
    for (const p of ports) expect(await isPortFree(p), `port ${p}`).toBe(true);
    await expect(stat(root)).rejects.toThrow(/ENOENT/);
    expect(await processesUsing(root)).toEqual([]);
  }, 140_000);

  it('fails on a bad schema file, naming it, and leaves nothing running', async () => {
    const root = await newRoot();
    const schema = join(root, '..', `${root.split('/').pop()}-schema`);
    roots.push(schema);
    await mkdir(join(schema, 'shop'), { recursive: true });
    await writeFile(join(schema, 'shop', '01-tables.sql'), 'create table item(id bigint primary key);\n');
    await writeFile(join(schema, 'shop', '02-broken.sql'), 'create tabel oops(id int);\n');
    const up = await runVt(
      ['up', '--root', root, '--schema-dir', schema, '--port-base', '24000', '--replicas', '0'],
      env,
      120_000,
    );
    expect(up.code, explain(up)).not.toBe(0);
    expect(up.stderr).toContain(join(schema, 'shop', '02-broken.sql'));
    expect(up.stderr).toContain('nothing was left running');
    expect(await processesUsing(root)).toEqual([]);
    // The cluster's data is gone (a retry starts afresh); its logs stay for diagnosis.
    expect((await readdir(root)).sort()).toEqual(['logs']);
    expect(await isPortFree(24306)).toBe(true);
  }, 140_000);

  it('runs a sharded keyspace on a managed etcd, and vt down stops the etcd too', async () => {
    const root = await newRoot();
    const schema = join(root, '..', `${root.split('/').pop()}-schema`);
    roots.push(schema);
    await mkdir(join(schema, 'customer'), { recursive: true });
    await writeFile(
      join(schema, 'customer', '01-customer.sql'),
      'create table customer(customer_id bigint not null, email varbinary(128), primary key(customer_id));\n',
    );
    await writeFile(
      join(schema, 'customer', 'vschema.json'),
      JSON.stringify({
        sharded: true,
        vindexes: { hash: { type: 'hash' } },
        tables: { customer: { column_vindexes: [{ column: 'customer_id', name: 'hash' }] } },
      }),
    );
    const up = await runVt(
      [
        'up',
        '--root',
        root,
        '--topo',
        'etcd',
        '--keyspace',
        'customer:-80,80-',
        '--schema-dir',
        schema,
        '--port-base',
        '27000',
      ],
      env,
      120_000,
    );
    expect(up.code, explain(up)).toBe(0);
    const state = await readState(root);
    expect(state.topo).toMatchObject({ implementation: 'etcd', root: '/vitess/global', managedEtcd: true });
    expect(recordedTopoOptions(root)).toEqual({
      implementation: 'etcd',
      root: '/vitess/global',
      serverAddress: state.topo.serverAddress,
    });
    expect(state.tablets.map((t) => `${t.alias} ${t.shard} ${t.role}`)).toEqual([
      'zone1-0000000100 -80 primary',
      'zone1-0000000101 -80 replica',
      'zone1-0000000200 80- primary',
      'zone1-0000000201 80- replica',
    ]);
    const etcd = state.processes.find((p) => p.role === 'etcd')!;
    expect(await isProcessAlive(etcd.pid)).toBe(true);

    // The environment cluster.json records is all vt ctl needs to find the etcd topology.
    const vschema = await runVt(['ctl', 'get-vschema', 'customer'], { ...state.env });
    expect(vschema.code, explain(vschema)).toBe(0);
    expect(JSON.parse(vschema.stdout)).toMatchObject({ sharded: true });

    // Each shard serves its own primary through the gate.
    const c = await createConnection({ host: '127.0.0.1', port: state.ports.gateMysql, user: 'root' });
    try {
      for (const shard of ['-80', '80-']) {
        await c.query(`use \`customer:${shard}\``);
        const [rows] = await c.query<RowDataPacket[]>('select @@server_id as id');
        expect(Number(rows[0]!['id'])).toBe(shard === '-80' ? 100 : 200);
      }
    } finally {
      await c.end();
    }

    const down = await runVt(['down', '--root', root], env, 90_000);
    expect(down.code, explain(down)).toBe(0);
    expect(down.stdout).toContain('stopped etcd');
    for (const p of state.processes) expect(await isProcessAlive(p.pid), `${p.name} pid ${p.pid}`).toBe(false);
    expect((await readState(root)).status).toBe('stopped');
    expect(await isPortFree(state.ports.etcdClient!)).toBe(true);
  }, 140_000);

  it('names a tablet that dies on start, with its log, and stops the mysqlds already running', async () => {
    const root = await newRoot();
    const progress: string[] = [];
    // Every "vt tablet" here is a shell that complains and exits: the failure path without breaking vt itself.
    const failing = upCluster({
      root,
      env: testEnv({ dataRoot: root }),
      cell: 'zone1',
      keyspaces: [{ name: 'ks', shards: ['0'] }],
      replicas: 0,
      rdonly: 0,
      portBase: 33000,
      topo: 'local',
      vtCommand: ['/bin/sh', '-c', 'echo "tablet boom: $*" >&2; exit 3', 'sh'],
      mysqlTemplateRoot: TEST_TEMPLATE_ROOT,
      progress: (line) => progress.push(line),
    });
    await expect(failing).rejects.toThrow(
      /tablet zone1-0000000100 \(ks\/0\): exit code 3[\s\S]*tablet boom: tablet --tablet-path zone1-0000000100/,
    );
    await expect(failing).rejects.toThrow(/nothing was left running/);
    expect(progress.some((l) => l.startsWith('1 mysqld(s) running'))).toBe(true);
    expect(await processesUsing(root)).toEqual([]);
    expect((await readdir(root)).sort()).toEqual(['logs']);
  }, 60_000);
});
