import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer } from '../../../test/support/protocol-fixture.js';
import type { MysqlServer } from './mysql-server.js';

/** mysql2 (a real client) against a MysqlServer serving the in-memory fixture handler. */

let server: MysqlServer;
let port: number;
let events: string[];

beforeAll(async () => {
  ({ server, port, events } = await startFixtureServer());
});
afterAll(async () => {
  await server.close();
});

function connect(extra: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: 'u',
    password: 'pw',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    ...extra,
  });
}

const expectedTypes = {
  tiny: -128,
  utiny: 255,
  short: -32768,
  int24: -8388608,
  long: -2147483648,
  ulong: 4294967295,
  longlong: '-9223372036854775808',
  ulonglong: '18446744073709551615',
  float: 1.5,
  double: -2.25e-10,
  decimal: '12345.67',
  date: '2024-02-29',
  datetime: '2024-02-29 13:14:15.123456',
  timestamp: '1970-01-01 00:00:01',
  time: '-838:59:59.000001',
  year: 2155,
  varchar: 'héllo wörld ✓',
  blob: Buffer.from([0, 1, 2, 255]),
  json: { a: [1, 2] },
  bit: Buffer.from([0x81]),
  enum: 'b',
};

describe('MysqlServer with mysql2', () => {
  it('serves text result sets of every type, NULLs included', async () => {
    const c = await connect();
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>('select types');
      expect(rows).toHaveLength(2);
      expect({ ...rows[0] }).toEqual(expectedTypes);
      expect(Object.values(rows[1]!).every((v) => v === null)).toBe(true);
      const [t] = await c.query<mysql.RowDataPacket[]>('select * from t');
      expect(t.map((r) => r['name'])).toEqual(['alice', 'bob', null]);
      expect(t[0]!['data']).toEqual(Buffer.from('a1'));
    } finally {
      await c.end();
    }
  });

  it('serves binary result sets of every type through COM_STMT_EXECUTE', async () => {
    const c = await connect();
    try {
      const [rows] = await c.execute<mysql.RowDataPacket[]>('select types');
      expect({ ...rows[0] }).toEqual(expectedTypes);
      expect(Object.values(rows[1]!).every((v) => v === null)).toBe(true);
      // The statement is cached by mysql2: the second execute reuses the statement id.
      const [again] = await c.execute<mysql.RowDataPacket[]>('select types');
      expect(again).toHaveLength(2);
    } finally {
      await c.end();
    }
  });

  it('decodes execute parameters of many types, as sent', async () => {
    const c = await connect();
    const T = mysql.TypedParameter;
    try {
      const params = [
        1,
        -1.5,
        'text ✓',
        null,
        new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 123)),
        Buffer.from([0, 255]),
        true,
        T.TINY(-5),
        T.TINY.unsigned(250),
        T.SHORT(-300),
        T.LONG(-70000),
        T.LONG.unsigned(4294967295),
        T.LONGLONG(-9223372036854775808n),
        T.LONGLONG.unsigned(18446744073709551615n),
        T.FLOAT(0.1),
        T.DATE('2024-02-29'),
        T.TIME('-838:59:59.5'),
        T.DECIMAL('123.450'),
        T.YEAR(2024),
        { k: 'v' },
      ];
      const sql = 'echo ' + params.map(() => '?').join(', ');
      const [rows] = await c.execute<mysql.RowDataPacket[]>(sql, params);
      expect(Object.values(rows[0]!)).toEqual([
        '5:s:1',
        '5:s:-1.5',
        '253:s:text ✓',
        '6:s:null',
        '12:s:2024-02-29 13:14:15.123000',
        '252:s:x00ff',
        '1:s:1',
        '1:s:-5',
        '1:u:250',
        '2:s:-300',
        '3:s:-70000',
        '3:u:4294967295',
        '8:s:-9223372036854775808',
        '8:u:18446744073709551615',
        '4:s:0.1',
        '10:s:2024-02-29',
        '11:s:-838:59:59.500000',
        '0:s:123.450',
        '2:s:2024',
        '245:s:{"k":"v"}',
      ]);
      // Re-execute with other values: mysql2 rebinds types; null in a previously typed slot works too.
      const [rows2] = await c.execute<mysql.RowDataPacket[]>('echo ?, ?', [null, 'x']);
      expect(Object.values(rows2[0]!)).toEqual(['6:s:null', '253:s:x']);
    } finally {
      await c.end();
    }
  });

  it('runs multi-statements as several results when the client enables them', async () => {
    const c = await connect({ multipleStatements: true });
    try {
      const [results] = await c.query<mysql.RowDataPacket[][]>('select 1; select * from t; insert into x values (1)');
      expect(results).toHaveLength(3);
      expect(results[0]).toEqual([{ 1: '1' }]);
      expect(results[1]).toHaveLength(3);
      const ok = results[2] as unknown as mysql.ResultSetHeader;
      expect(ok.affectedRows).toBe(3);
      // Above 2^53: sent as an 8-byte length-encoded int (mysql2 reads it signed, so 2^64-1 is covered by the
      // golden packet tests instead).
      expect(String(ok.insertId)).toBe('9007199254740993');
      expect(ok.warningStatus).toBe(1);
      expect(ok.info).toBe('Records: 3');
      // The second statement fails: earlier results are delivered, then the error.
      await expect(c.query('select 1; error; select 1')).rejects.toMatchObject({ errno: 1146 });
      const [after] = await c.query<mysql.RowDataPacket[]>('select 1');
      expect(after).toEqual([{ 1: '1' }]);
    } finally {
      await c.end();
    }
  });

  it('does not split statements without CLIENT_MULTI_STATEMENTS', async () => {
    const c = await connect();
    try {
      await expect(c.query('select 1; select 1')).rejects.toMatchObject({ errno: 1064, sqlState: '42000' });
    } finally {
      await c.end();
    }
  });

  it('returns handler errors with errno and SQLSTATE, and the connection stays usable', async () => {
    const c = await connect();
    try {
      await expect(c.query('error')).rejects.toMatchObject({
        errno: 1146,
        sqlState: '42S02',
        sqlMessage: "Table 'db.nope' doesn't exist",
      });
      await expect(c.query('crash')).rejects.toMatchObject({ errno: 1105, sqlState: 'HY000', sqlMessage: 'boom' });
      await expect(c.query('select fail_mid')).rejects.toMatchObject({ errno: 1317, sqlState: '70100' });
      await expect(c.execute('select fail_mid')).rejects.toMatchObject({ errno: 1317 });
      await expect(c.execute('error ?', [1])).rejects.toMatchObject({ errno: 1064 });
      const [rows] = await c.query<mysql.RowDataPacket[]>('select 1');
      expect(rows).toHaveLength(1);
    } finally {
      await c.end();
    }
  });

  it('sends results larger than 16 MiB, including a single row over 16 MiB', async () => {
    const c = await connect();
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>('select big 17000000 2');
      expect(rows).toHaveLength(2);
      expect((rows[1]!['v'] as Buffer).length).toBe(17000000);
      const [many] = await c.query<mysql.RowDataPacket[]>('select big 100000 200');
      expect(many).toHaveLength(200);
      expect(many[199]!['n']).toBe(199);
      const [bin] = await c.execute<mysql.RowDataPacket[]>('select big 16777215 1');
      expect((bin[0]!['v'] as Buffer).length).toBe(16777215);
    } finally {
      await c.end();
    }
  });

  it('accepts a parameter larger than 16 MiB (split incoming packet)', async () => {
    const c = await connect();
    try {
      const big = Buffer.alloc(17 * 1024 * 1024, 7);
      const [rows] = await c.execute<mysql.RowDataPacket[]>('echo ?', [big]);
      const v = rows[0]!['p0'] as string;
      expect(v.length).toBe('252:s:x'.length + 2 * big.length);
      expect(v.startsWith('252:s:x0707')).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('changes user, pings, resets, reports transaction status, connects with a database', async () => {
    const c = await connect({ database: 'db1' });
    try {
      const [who] = await c.query<mysql.RowDataPacket[]>('select whoami');
      expect(who[0]).toMatchObject({ user: 'u', userdata: 'ud-u', db: 'db1', tls: 'false' });
      await c.ping();
      await c.changeUser({ user: 'u2', password: 'pw2', database: 'db2' });
      const [who2] = await c.query<mysql.RowDataPacket[]>('select whoami');
      expect(who2[0]).toMatchObject({ user: 'u2', userdata: 'ud-u2', db: 'db2' });
      expect(events).toContain(`reset ${who2[0]!['id']}`);
      const [ok] = await c.query<mysql.ResultSetHeader>('begin');
      expect(ok.serverStatus & 1).toBe(1);
      const [ok2] = await c.query<mysql.ResultSetHeader>('commit');
      expect(ok2.serverStatus & 1).toBe(0);
      expect(ok2.serverStatus & 2).toBe(2);
    } finally {
      await c.end();
    }
  });

  it('KILL QUERY aborts the running query (1317/70100); KILL closes the connection', async () => {
    const c = await connect();
    const [who] = await c.query<mysql.RowDataPacket[]>('select whoami');
    const id = Number(who[0]!['id']);
    expect(server.connection(id)).toMatchObject({ user: 'u', clientCharset: 224, tls: false });
    expect(server.connection(id)?.attributes.get('_client_name')).toBe('Node-MySQL-2');
    const slow = c.query('sleep 10000');
    await expect.poll(() => server.killQuery(id)).toBe(true); // true once the query is running
    await expect(slow).rejects.toMatchObject({ errno: 1317, sqlState: '70100' });
    expect(server.killQuery(id)).toBe(false); // nothing running
    const [rows] = await c.query<mysql.RowDataPacket[]>('select 1');
    expect(rows).toHaveLength(1);
    const slow2 = c.execute('sleep 10000');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.killConnection(id)).toBe(true);
    await expect(slow2).rejects.toThrow();
    await expect.poll(() => events.includes(`close ${id}`)).toBe(true);
    expect(server.connection(id)).toBeUndefined();
    expect(server.killConnection(id)).toBe(false);
    c.destroy();
  });

  it('refuses a wrong password, an unknown user and an unknown database', async () => {
    await expect(connect({ password: 'bad' })).rejects.toMatchObject({
      errno: 1045,
      sqlState: '28000',
      sqlMessage: "Access denied for user 'u'@'127.0.0.1' (using password: YES)",
    });
    await expect(connect({ user: 'nobody', password: '' })).rejects.toMatchObject({
      errno: 1045,
      sqlMessage: "Access denied for user 'nobody'@'127.0.0.1' (using password: NO)",
    });
    await expect(connect({ database: 'nope' })).rejects.toMatchObject({ errno: 1049, sqlState: '42000' });
    const c = await connect();
    await expect(c.changeUser({ user: 'u2', password: 'wrong' })).rejects.toMatchObject({ errno: 1045 });
    c.destroy();
  });

  it('logs in a MysqlNativePassword (hash-only) user', async () => {
    const c = await connect({ user: 'nat', password: 'password' });
    const [who] = await c.query<mysql.RowDataPacket[]>('select whoami');
    expect(who[0]!['user']).toBe('nat');
    await c.end();
  });

  it('processes pipelined commands in order and calls connectionClosed once', async () => {
    const c = await connect();
    const [who] = await c.query<mysql.RowDataPacket[]>('select whoami');
    const id = who[0]!['id'];
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? c.query('select 1') : c.execute('echo ?', [i]))),
    );
    all.forEach(([rows], i) => {
      const r = (rows as mysql.RowDataPacket[])[0]!;
      expect(i % 2 ? r['1'] : r['p0']).toBe(i % 2 ? '1' : `5:s:${i}`);
    });
    await c.end();
    await expect.poll(() => events.filter((e) => e === `close ${id}`).length).toBe(1);
    expect(events).toContain(`open ${id}`);
  });
});
