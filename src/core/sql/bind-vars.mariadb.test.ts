import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindVar, substituteBindVars, type BindVars } from './bind-vars.js';
import { normalize } from './normalize.js';

// Escaping is only right if MariaDB reads back exactly the value we encoded: these tests send substituted SQL
// to a real mariadbd (socket only, own datadir) and compare what comes back byte for byte.
let dir = '';
let server: ChildProcess | undefined;
let conn: mysql.Connection | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vt-sql-bindvars-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const init = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      '--skip-test-db',
      '--auth-root-authentication-method=normal',
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr}`);
  server = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      '--skip-networking',
      '--user=root',
      '--innodb-buffer-pool-size=16M',
      '--performance-schema=OFF',
      `--pid-file=${join(dir, 'pid')}`,
      `--log-error=${join(dir, 'err.log')}`,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      conn = await mysql.createConnection({
        socketPath: socket,
        user: 'root',
        charset: 'utf8mb4',
        multipleStatements: false,
      });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  await conn?.end().catch(() => undefined);
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function selectOne(sql: string): Promise<unknown> {
  const [rows] = await conn!.query({ sql, rowsAsArray: true });
  return (rows as unknown[][])[0]![0];
}

describe('substituteBindVars against MariaDB', () => {
  const strings = [
    '',
    'plain',
    "it's",
    'say "hi"',
    'back\\slash',
    'trailing\\',
    "\\'",
    'nul\0inside',
    '\n\r\t\b\x1a',
    '%_\\%\\_',
    'ünïcödé ☃',
    'emoji 😀👍🏽',
    '/* not a comment */',
    '-- nor this',
    ':vtg1 ::list ?',
    "'; drop table x; --",
  ];
  it.each(strings)('string %j comes back unchanged', async (v) => {
    const sql = substituteBindVars('select :v', { v: bindVar.string(v) });
    expect(await selectOne(sql)).toBe(v);
  });

  it("binary data survives as X'..'", async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, k) => k));
    const sql = substituteBindVars('select :v', { v: bindVar.bytes(all) });
    const got = await selectOne(sql);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect((got as Buffer).equals(all)).toBe(true);
  });

  it('numbers, null, hex and bit values keep their value', async () => {
    const bv: BindVars = {
      a: bindVar.int('-9223372036854775808'),
      b: bindVar.uint('18446744073709551615'),
      c: bindVar.decimal('123.4500'),
      d: bindVar.float('1.5e3'),
      e: bindVar.null(),
      f: { type: 'hexnum', value: '41' },
      g: { type: 'bitval', value: '1000010' },
    };
    const sql = substituteBindVars('select concat_ws(",", :a, :b, :c, :d, ifnull(:e, "N"), :f + 0, :g + 0)', bv);
    expect(String(await selectOne(sql))).toBe('-9223372036854775808,18446744073709551615,123.4500,1500,N,65,66');
  });

  it('list bind variables expand to an IN tuple', async () => {
    const sql = substituteBindVars('select 2 in ::xs, 5 in ::xs', {
      xs: bindVar.tuple([bindVar.int(1), bindVar.int(2)]),
    });
    const [rows] = await conn!.query({ sql, rowsAsArray: true });
    expect((rows as unknown[][])[0]).toEqual([1, 0]);
  });

  it('a normalized query gives the same result as the original', async () => {
    const original = "select concat('a''b', \"c\\\\d\", -5 + 2.5, 0x41, X'42', b'1000011', 'x' 'y') as v";
    const { normalized, bindVars } = normalize(original);
    expect(normalized).toBe('select concat(:vtg1, :vtg2, :vtg3 + :vtg4, :vtg5, :vtg6, :vtg7, :vtg8) as v');
    expect(await selectOne(substituteBindVars(normalized, bindVars))).toEqual(await selectOne(original));
  });
});
