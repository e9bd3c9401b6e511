import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/env/logger.js';
import { VtError } from '../../src/core/errors/index.js';
import { Mysqld, processMemory } from '../../src/core/mysqlctl/index.js';
import { freePorts, startMysqlds, TEST_TEMPLATE_ROOT, type StartedMysqlds } from '../support/mysqld.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function scalar(m: Mysqld, sql: string): Promise<unknown> {
  const c = await m.connect('dba');
  try {
    const [rows] = await c.query<RowDataPacket[]>(sql);
    return Object.values(rows[0] ?? {})[0];
  } finally {
    await c.end();
  }
}

/**
 * Runs `vt mysqlctl <verb>` in a child process through oclif's Command.run on the TypeScript source.
 * (bin/dev.js discovers commands from oclif.manifest.json / dist when present, so it only sees these commands
 * after `npm run build`; this runs exactly the command class under test, with oclif's flag parsing and errors.)
 */
function vt(
  verb: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const runner =
    'import { handle } from "@oclif/core"; const [f, ...a] = process.argv.slice(1);' +
    'try { const m = await import(f); await m.default.run(a, process.cwd()); } catch (e) { await handle(e); }';
  const file = path.join(repoRoot, 'src/commands/mysqlctl', `${verb}.ts`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--no-warnings', '--input-type=module', '-e', runner, file, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('mysqlctl: two instances started in parallel', () => {
  let db: StartedMysqlds;
  let a: Mysqld;
  let b: Mysqld;
  let startMs = 0;

  beforeAll(async () => {
    const t = Date.now();
    db = await startMysqlds(2);
    startMs = Date.now() - t;
    [a, b] = db.instances as [Mysqld, Mysqld];
  });

  afterAll(async () => {
    await db?.stopAll();
  });

  it('runs both, each with its own port, socket and directory', async () => {
    console.log(`[mysqlctl] init+start of 2 instances in parallel: ${startMs} ms`);
    expect(a.port).not.toBe(b.port);
    expect(await a.isRunning()).toBe(true);
    expect(await b.isRunning()).toBe(true);
    expect(a.paths.dir).toBe(path.join(db.dataRoot, 'vt_0000000100'));
    expect(b.paths.dir).toBe(path.join(db.dataRoot, 'vt_0000000101'));
  });

  it('accepts the created users over the socket and over TCP', async () => {
    for (const role of ['dba', 'app', 'appdebug', 'allprivs', 'filtered', 'repl'] as const) {
      for (const tcp of [false, true]) {
        const c = await a.connect(role, { tcp });
        const [rows] = await c.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u, @@port AS p');
        await c.end();
        expect(rows[0]?.['u']).toBe(role === 'repl' ? 'vt_repl@%' : `vt_${role}@${tcp ? '127.0.0.1' : 'localhost'}`);
        expect(rows[0]?.['p']).toBe(a.port);
      }
    }
  });

  it('denies writes to vt_app while read_only, and lets vt_dba through', async () => {
    const app = await a.connect('app');
    await expect(app.query('CREATE TABLE _vt.app_t (id INT PRIMARY KEY)')).rejects.toMatchObject({ errno: 1290 });
    await app.end();
    expect(await scalar(a, 'SELECT COUNT(*) FROM mysql.user WHERE User = ""')).toBe(0);
  });

  it('applies the generated my.cnf', async () => {
    const c = await b.connect('dba');
    const [rows] = await c.query<RowDataPacket[]>(
      'SELECT @@server_id AS server_id, @@binlog_format AS binlog_format, @@binlog_row_image AS row_image, ' +
        '@@binlog_row_metadata AS row_metadata, @@gtid_strict_mode AS strict, @@gtid_domain_id AS domain, ' +
        '@@read_only AS ro, @@log_bin AS log_bin, @@log_slave_updates AS lsu, @@performance_schema AS ps, ' +
        '@@innodb_buffer_pool_size AS bp, @@character_set_server AS cs, @@collation_server AS coll, ' +
        '@@GLOBAL.sql_mode AS sql_mode, @@max_connections AS maxc, @@skip_name_resolve AS snr',
    );
    await c.end();
    expect(rows[0]).toEqual({
      server_id: 101,
      binlog_format: 'ROW',
      row_image: 'FULL',
      row_metadata: 'FULL',
      strict: 1,
      domain: 0,
      ro: 1,
      log_bin: 1,
      lsu: 1,
      ps: 0,
      bp: 32 * 1024 * 1024,
      cs: 'utf8mb4',
      coll: 'utf8mb4_general_ci',
      sql_mode: 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION',
      maxc: 300,
      snr: 1,
    });
  });

  it('creates _vt and starts from an empty GTID position that advances with writes', async () => {
    expect(await scalar(a, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '_vt'")).toBe(1);
    expect(await a.primaryPosition()).toBe('');
    const c = await a.connect('dba');
    await c.query('CREATE TABLE _vt.pos_t (id INT PRIMARY KEY)');
    await c.query('INSERT INTO _vt.pos_t VALUES (1)');
    await c.end();
    expect(await a.primaryPosition()).toBe('0-100-2');
  });

  it('refuses to init an existing instance and to start a running one', async () => {
    await expect(a.init()).rejects.toMatchObject({
      reason: 'AlreadyInitialised',
      message: expect.stringContaining('use start'),
    });
    await expect(a.start()).rejects.toMatchObject({ reason: 'AlreadyRunning' });
    expect(await a.isRunning()).toBe(true);
  });

  it('shuts down only that instance, then starts it again with its data', async () => {
    const r = await a.shutdown({ timeoutMs: 20_000 });
    expect(r).toEqual({ wasRunning: true, killed: false });
    expect(await a.isRunning()).toBe(false);
    expect(await b.isRunning()).toBe(true);
    expect(await scalar(b, 'SELECT 1')).toBe(1);
    await expect(a.connect('dba')).rejects.toBeInstanceOf(VtError);
    expect(await a.shutdown()).toEqual({ wasRunning: false, killed: false });
    const t0 = Date.now();
    await expect(a.waitReady(10_000)).rejects.toThrow('mysqld is not running');
    expect(Date.now() - t0).toBeLessThan(5_000);

    const reloaded = await Mysqld.load({ uid: 100, env: { logger: silentLogger, dataRoot: db.dataRoot } });
    expect(reloaded.port).toBe(a.port);
    const t = Date.now();
    await reloaded.start();
    console.log(`[mysqlctl] restart of an initialised instance: ${Date.now() - t} ms`);
    await a.waitReady(5_000);
    expect(await scalar(a, 'SELECT COUNT(*) FROM _vt.pos_t')).toBe(1);
    expect(await a.primaryPosition()).toBe('0-100-2');
  });

  it('reports idle memory per mysqld', async () => {
    for (const m of [a, b]) {
      const pid = (await m.pid())!;
      const mem = (await processMemory(pid))!;
      console.log(
        `[mysqlctl] uid ${m.uid} pid ${pid}: RSS ${(mem.rssKb / 1024).toFixed(1)} MB, private ${(mem.privateKb / 1024).toFixed(1)} MB`,
      );
      expect(mem.privateKb).toBeGreaterThan(1024);
      expect(mem.privateKb).toBeLessThan(200 * 1024);
    }
  });

  it('fails a start on a port in use with the reason and error.log lines, and starts once it is free', async () => {
    const m = new Mysqld({
      uid: 102,
      env: { logger: silentLogger, dataRoot: db.dataRoot },
      port: (await freePorts(1))[0]!,
      templateRoot: TEST_TEMPLATE_ROOT,
    });
    await m.init();
    await m.shutdown();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(m.port, '127.0.0.1', resolve));
    try {
      const err = (await m.start({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as VtError;
      expect(err).toBeInstanceOf(VtError);
      expect(err.reason).toBe('MysqldStartFailed');
      expect(err.message.split('\n')[0]).toContain(`port ${m.port} is already in use`);
      expect(err.message).toContain('last lines of error.log');
      expect(err.message).toMatch(/Address already in use|Bind on TCP\/IP port/);
      expect(await m.isRunning()).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    await m.start();
    expect(await scalar(m, 'SELECT @@server_id')).toBe(102);
    expect(await m.teardown()).toEqual({ wasRunning: true, removed: true });
  });

  it('rolls back an init that cannot start, leaving no directory', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const m = new Mysqld({
      uid: 103,
      env: { logger: silentLogger, dataRoot: db.dataRoot },
      port,
      templateRoot: TEST_TEMPLATE_ROOT,
    });
    try {
      await expect(m.init({ timeoutMs: 20_000 })).rejects.toThrow(`port ${port} is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    expect(await exists(m.paths.dir)).toBe(false);
  });

  it('tears down: stops the instance and removes its directory, leaving the other alone', async () => {
    expect(await b.teardown()).toEqual({ wasRunning: true, removed: true });
    expect(await exists(b.paths.dir)).toBe(false);
    expect(await a.isRunning()).toBe(true);
    expect(await b.teardown()).toEqual({ wasRunning: false, removed: false });
  });
});

describe('mysqlctl: cold and warm template', () => {
  let root: string;
  const made: Mysqld[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vt-mysqlctl-cold-'));
  });

  afterAll(async () => {
    await Promise.all(made.map((m) => m.teardown().catch(() => undefined)));
    await rm(root, { recursive: true, force: true });
  });

  it('builds the template once (even with parallel inits) and copies it afterwards', async () => {
    const env = { logger: silentLogger, dataRoot: root };
    const ports = await freePorts(3);
    const [p0, p1] = [ports[0]!, ports[1]!];
    const t0 = Date.now();
    const cold = await Promise.all([
      new Mysqld({ uid: 1, env, port: p0 }).init(),
      new Mysqld({ uid: 2, env, port: p1 }).init(),
    ]);
    const coldMs = Date.now() - t0;
    made.push(await Mysqld.load({ uid: 1, env }), await Mysqld.load({ uid: 2, env }));
    expect(cold.filter((r) => r.templateBuilt)).toHaveLength(1);

    const warm = new Mysqld({ uid: 3, env, port: ports[2]! });
    made.push(warm);
    const r = await warm.init();
    expect(r.templateBuilt).toBe(false);
    console.log(
      `[mysqlctl] init+start, cold template (2 in parallel, one install-db): ${coldMs} ms; warm template: ${r.ms} ms`,
    );
    expect(await scalar(warm, 'SELECT @@server_id')).toBe(3);
    expect(await exists(path.join(root, '.mysql-template.lock'))).toBe(false);
  });
});

describe('vt mysqlctl CLI', () => {
  let root: string;
  let port: number;
  const env = (): NodeJS.ProcessEnv => ({ VTDATAROOT: root, VT_LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vt-mysqlctl-cli-'));
    port = (await freePorts(1))[0]!;
  });

  afterAll(async () => {
    await new Mysqld({ uid: 42, env: { logger: silentLogger, dataRoot: root }, port })
      .teardown()
      .catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('init, position, shutdown, start, teardown round trip with clear errors', async () => {
    const init = await vt(
      'init',
      ['--tablet-uid', '42', '--mysql-port', String(port), '--db-app-password', 's3cret'],
      env(),
    );
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`initialised tablet 42`);
    expect(init.stdout).toContain(`127.0.0.1:${port}`);
    expect(init.stdout).toContain(path.join(root, 'vt_0000000042', 'my.cnf'));
    expect(await readFile(path.join(root, 'vt_0000000042', 'my.cnf'), 'utf8')).toContain('server_id = 42');

    // The password flag reached the account.
    const m = await Mysqld.load({ uid: 42, env: { logger: silentLogger, dataRoot: root } });
    await expect(m.connect('app')).rejects.toMatchObject({ errno: 1045 });

    const again = await vt('init', ['--tablet-uid', '42'], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already initialised');

    const pos = await vt('position', ['--tablet-uid', '42'], env());
    expect(pos).toMatchObject({ code: 0, stdout: '\n' });

    const running = await vt('start', ['--tablet-uid', '42'], env());
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('already running');

    const down = await vt('shutdown', ['--tablet-uid', '42'], env());
    expect(down).toMatchObject({ code: 0, stdout: 'stopped mysqld for tablet 42\n' });
    expect(await m.isRunning()).toBe(false);

    const up = await vt('start', ['--tablet-uid', '42'], env());
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`on 127.0.0.1:${port}`);
    expect(await m.isRunning()).toBe(true);

    const gone = await vt('teardown', ['--tablet-uid', '42'], env());
    expect(gone).toMatchObject({ code: 0, stdout: `stopped mysqld and removed ${path.join(root, 'vt_0000000042')}\n` });
    expect(await exists(path.join(root, 'vt_0000000042'))).toBe(false);

    const bad = await vt('start', ['--tablet-uid', '0'], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid tablet uid 0');
    const missing = await vt('start', ['--tablet-uid', '42'], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not initialised');
  });
});
