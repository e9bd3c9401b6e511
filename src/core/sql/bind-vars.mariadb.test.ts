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

  // Differential check: the normalized query with its values substituted back returns exactly what the original
  // returns (values and column types), so normalization changed nothing MariaDB can observe.
  const corpus = [
    'select 1, -1, - 2, 3 - -4, 5-6, 007, 1.50, -0.5, .5, 1., 1e3, -1.5e-3',
    'select 18446744073709551615, 9223372036854775808, -9223372036854775808, 99999999999999999999999',
    "select 0x41, X'42', b'1000011', 0b1000100, 0x41 + 0, X'42' + 0",
    "select 'a' 'b' 'c', 'it''s', \"dq\"\"x\", 'back\\\\slash', 'nl\\n', n'ñ', _utf8mb4'intro', _binary'bin'",
    "select cast(1.2345 as decimal(10, 2)), convert('abcdef', char(3)), cast('12' as signed), char(65, 66)",
    "select date_add('2020-01-31', interval 1 month), '2020-01-01' + interval '1:30' hour_minute, date '2020-02-03'",
    "select 'abc' like 'A%', 'a_c' like 'a!_c' escape '!', 'x' collate utf8mb4_bin = 'X', 'y' = 'Y'",
    "select json_extract('{\"a\": [1, 2]}', '$.a[1]'), json_object('k', 1)",
    'select a, b from (select 2 as a, 1 as b union all select 1, 2) t order by 1 desc, 2 limit 1',
    'select a, count(*) from (select 1 as a union all select 1 union all select 2) t group by 1 order by 1',
    "select case when 1 > 0 then 'y' else 'n' end, if(0, 1, 2), coalesce(null, 3), 1 in (1, 2), 'a' in ('b', 'c')",
    "select concat('x', 1.50, -2), 5 div 2, 5 mod 3, 2 * -3, 10 / 4, 1 + '2'",
    "select 'a' as 'alias', 'b' as `alias2`, 3 as x",
    "select substring('hello' from 2 for 3), trim(leading 'x' from 'xxa'), extract(year from '2021-05-06')",
    'select row_number() over (order by a desc) from (select 1 as a union all select 2) t order by 1',
    'select * from (select 1 as a) t where a = 1 and a <> 2 and a between 0 and 3 limit 10 offset 0',
  ];
  it.each(corpus)('normalized %s returns the same result', async (original) => {
    const { normalized, bindVars } = normalize(original);
    expect(normalized).not.toBe(original);
    const run = async (sql: string): Promise<[unknown, unknown]> => {
      const [rows, fields] = await conn!.query({ sql, rowsAsArray: true });
      return [rows, (fields as mysql.FieldPacket[]).map((f) => [f.columnType, f.decimals, f.flags])];
    };
    expect(await run(substituteBindVars(normalized, bindVars))).toEqual(await run(original));
  });
});
