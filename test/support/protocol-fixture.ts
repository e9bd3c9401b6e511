import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/env/logger.js';
import { Err, VtError } from '../../src/core/errors/index.js';
import type { AuthServer } from '../../src/core/protocol/auth-server.js';
import { AuthServerStatic } from '../../src/core/protocol/auth-server-static.js';
import type { BoundParam, ExecuteOptions, Handler, ServerConnection } from '../../src/core/protocol/handler.js';
import { MysqlServer, type MysqlServerOptions } from '../../src/core/protocol/mysql-server.js';
import { field, type Field } from '../../src/core/sqltypes/field.js';
import { ColumnFlag, MysqlType } from '../../src/core/sqltypes/mysql-type.js';
import {
  queryResult,
  resultEvents,
  type ResultEvent,
  type Row,
  type SqlValue,
} from '../../src/core/sqltypes/result.js';

/**
 * A small in-memory Handler for protocol tests: it serves fixed tables and echoes, it is not a MySQL mock.
 * Statements (split on ';' when multi-statements are on):
 *   select * from t         3-row table (id, name, price, created, data)
 *   select types            one row of every column type (and a row of NULLs)
 *   select 1                one column `1`
 *   sleep <ms>              waits (until killed: 1317), then one row
 *   select big <n> <rows>   <rows> rows of an <n>-byte string
 *   select whoami           user, userData, db, tls, connection id
 *   select fail_mid         fields, one row, then an error
 *   error                   throws 1146/42S02
 *   crash                   throws a plain Error (-> 1105/HY000)
 *   insert ...              OK: 3 affected rows, insert id 2^53+1, 1 warning, info
 *   begin / commit          sets / clears the connection's inTransaction
 *   SELECT c FROM sbtestN WHERE id=<n>   sysbench's point select (also prepared, with id=?)
 * Prepared statements: `echo ?, ?...` returns one row with each param as `type:unsigned:value` (Buffers as
 * hex); any other SQL is run like a query (params ignored).
 */
export function fixtureHandler(events: string[] = []): Handler {
  return {
    newConnection: (c) => void events.push(`open ${c.id}`),
    connectionClosed: (c) => void events.push(`close ${c.id}`),
    initDb: (_c, db) => {
      if (db === 'nope') throw Err.badDb(db);
    },
    query: (c, sql, opts) => {
      const parts = opts.multiStatements ? sql.split(';').filter((s) => s.trim() !== '') : [sql];
      return runAll(c, parts, opts);
    },
    prepare: (_c, sql) => {
      const paramCount = (sql.match(/\?/g) ?? []).length;
      if (sql.startsWith('error')) throw Err.syntax('You have an error in your SQL syntax');
      if (SBTEST.test(sql)) return { paramCount, columns: sbtestFields };
      return { paramCount, columns: sql.startsWith('echo') ? [] : [field('id', MysqlType.LONGLONG)] };
    },
    execute: (c, stmt, params, opts) => {
      if (stmt.sql.startsWith('echo')) return echo(params);
      if (SBTEST.test(stmt.sql)) return sbtestRow(params[0]?.value ?? null);
      return runAll(c, [stmt.sql], opts);
    },
    resetConnection: (c) => void events.push(`reset ${c.id}`),
  };
}

async function* runAll(c: ServerConnection, parts: string[], opts: ExecuteOptions): AsyncGenerator<ResultEvent> {
  for (const p of parts) {
    const sleep = /^sleep (\d+)$/.exec(p.trim());
    if (sleep) {
      await new Promise<void>((resolve, reject) => {
        const signal = opts.signal;
        const onAbort = (): void => {
          clearTimeout(t);
          reject(Err.interrupted());
        };
        const t = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, Number(sleep[1]));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      yield* resultEvents(queryResult({ fields: [field('slept', MysqlType.LONG)], rows: [[sleep[1]!]] }));
    } else {
      yield* run(c, p.trim());
    }
  }
}

/** sysbench's oltp_point_select statement, answered with a made-up row for the id. */
const SBTEST = /^SELECT c FROM sbtest\d+ WHERE id=(\?|\d+)$/i;
const sbtestFields = [field('c', MysqlType.STRING, { columnLength: 480, table: 'sbtest1', orgTable: 'sbtest1' })];

function* sbtestRow(id: SqlValue): Generator<ResultEvent> {
  yield* resultEvents(queryResult({ fields: sbtestFields, rows: [[`c-${String(id)}`]] }));
}

function* echo(params: readonly BoundParam[]): Generator<ResultEvent> {
  const fields = params.map((_, i) => field(`p${i}`, MysqlType.VAR_STRING));
  const row = params.map(
    (p) => `${p.type}:${p.unsigned ? 'u' : 's'}:${Buffer.isBuffer(p.value) ? 'x' + p.value.toString('hex') : p.value}`,
  );
  yield* resultEvents(queryResult({ fields, rows: [row] }));
}

export const typesFields: readonly Field[] = [
  field('tiny', MysqlType.TINY),
  field('utiny', MysqlType.TINY, { flags: ColumnFlag.UNSIGNED | ColumnFlag.NUM }),
  field('short', MysqlType.SHORT),
  field('int24', MysqlType.INT24),
  field('long', MysqlType.LONG),
  field('ulong', MysqlType.LONG, { flags: ColumnFlag.UNSIGNED | ColumnFlag.NUM }),
  field('longlong', MysqlType.LONGLONG),
  field('ulonglong', MysqlType.LONGLONG, { flags: ColumnFlag.UNSIGNED | ColumnFlag.NUM }),
  field('float', MysqlType.FLOAT),
  field('double', MysqlType.DOUBLE),
  field('decimal', MysqlType.NEWDECIMAL, { decimals: 2 }),
  field('date', MysqlType.DATE),
  field('datetime', MysqlType.DATETIME, { decimals: 6 }),
  field('timestamp', MysqlType.TIMESTAMP),
  field('time', MysqlType.TIME, { decimals: 6 }),
  field('year', MysqlType.YEAR, { flags: ColumnFlag.UNSIGNED | ColumnFlag.ZEROFILL | ColumnFlag.NUM }),
  field('varchar', MysqlType.VAR_STRING),
  field('blob', MysqlType.BLOB, { charset: 63, flags: ColumnFlag.BLOB | ColumnFlag.BINARY }),
  field('json', MysqlType.JSON),
  field('bit', MysqlType.BIT, { columnLength: 8, charset: 63 }),
  field('enum', MysqlType.STRING, { flags: ColumnFlag.ENUM }),
];

export const typesRow: Row = [
  '-128',
  '255',
  '-32768',
  '-8388608',
  '-2147483648',
  '4294967295',
  '-9223372036854775808',
  '18446744073709551615',
  '1.5',
  '-2.25e-10',
  '12345.67',
  '2024-02-29',
  '2024-02-29 13:14:15.123456',
  '1970-01-01 00:00:01',
  '-838:59:59.000001',
  '2155',
  'héllo wörld ✓',
  Buffer.from([0, 1, 2, 255]),
  '{"a": [1, 2]}',
  Buffer.from([0x81]),
  'b',
];

const tFields = [
  field('id', MysqlType.LONGLONG, { flags: ColumnFlag.PRI_KEY | ColumnFlag.NOT_NULL | ColumnFlag.NUM }),
  field('name', MysqlType.VAR_STRING),
  field('price', MysqlType.NEWDECIMAL, { decimals: 2 }),
  field('created', MysqlType.DATETIME),
  field('data', MysqlType.BLOB, { charset: 63, flags: ColumnFlag.BLOB | ColumnFlag.BINARY }),
];
const tRows: Row[] = [
  ['1', 'alice', '10.50', '2024-01-02 03:04:05', Buffer.from('a1')],
  ['2', 'bob', '0.00', '2024-01-03 00:00:00', null],
  ['3', null, '-7.25', '2000-12-31 23:59:59', Buffer.alloc(0)],
];

function* run(c: ServerConnection, sql: string): Generator<ResultEvent> {
  const lower = sql.toLowerCase();
  if (lower === 'select * from t') {
    yield* resultEvents(queryResult({ fields: tFields, rows: tRows }));
  } else if (lower === 'select types') {
    yield* resultEvents(queryResult({ fields: typesFields, rows: [typesRow, typesFields.map(() => null)] }));
  } else if (lower === 'select 1') {
    yield* resultEvents(queryResult({ fields: [field('1', MysqlType.LONGLONG)], rows: [['1']] }));
  } else if (lower.startsWith('select big ')) {
    const [, , size, count] = lower.split(' ');
    const value = 'x'.repeat(Number(size));
    yield { kind: 'fields', fields: [field('n', MysqlType.LONG), field('v', MysqlType.BLOB)] };
    for (let i = 0; i < Number(count); i++) yield { kind: 'rows', rows: [[String(i), value]] };
    yield { kind: 'ok' };
  } else if (lower === 'select whoami') {
    const fields = ['user', 'userdata', 'db', 'tls', 'id'].map((n) => field(n, MysqlType.VAR_STRING));
    yield* resultEvents(
      queryResult({ fields, rows: [[c.user, c.userData, c.db || null, String(c.tls), String(c.id)]] }),
    );
  } else if (lower === 'select fail_mid') {
    yield { kind: 'fields', fields: [field('a', MysqlType.LONG)] };
    yield { kind: 'rows', rows: [['1']] };
    throw new VtError('DEADLINE_EXCEEDED', 'Query execution was interrupted', { errno: 1317, sqlState: '70100' });
  } else if (SBTEST.test(sql)) {
    yield* sbtestRow(SBTEST.exec(sql)![1]!);
  } else if (lower === 'error') {
    throw Err.noSuchTable('db.nope');
  } else if (lower === 'crash') {
    throw new Error('boom');
  } else if (lower.startsWith('insert')) {
    yield { kind: 'ok', affectedRows: 3, insertId: 9007199254740993n, warnings: 1, info: 'Records: 3' };
  } else if (lower === 'begin') {
    c.inTransaction = true;
    yield { kind: 'ok' };
  } else if (lower === 'commit') {
    c.inTransaction = false;
    yield { kind: 'ok' };
  } else {
    throw Err.syntax(`You have an error in your SQL syntax near '${sql.slice(0, 40)}'`);
  }
}

export const fixtureUsers = JSON.stringify({
  u: [{ Password: 'pw', UserData: 'ud-u' }],
  u2: [{ Password: 'pw2', UserData: 'ud-u2' }],
  nat: [
    { MysqlNativePassword: '*' + '0'.repeat(40) },
    { MysqlNativePassword: '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' },
  ],
});

export async function startFixtureServer(
  opts: Partial<MysqlServerOptions> & { authServer?: AuthServer } = {},
  events: string[] = [],
): Promise<{ server: MysqlServer; port: number; events: string[] }> {
  const server = new MysqlServer({
    handler: fixtureHandler(events),
    authServer: AuthServerStatic.fromJson(fixtureUsers),
    serverVersion: '8.0.40-vt',
    logger: silentLogger,
    ...opts,
  });
  const addr = await server.listen(0, '127.0.0.1');
  return { server, port: addr.port, events };
}

/** A self-signed certificate in a temp dir (openssl), for TLS tests; `cleanup` removes it. */
export function selfSignedCert(): { cert: string; key: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vt-proto-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '2',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
